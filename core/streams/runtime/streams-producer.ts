// The stream thread's producer (Kafka Streams' StreamsProducer), on core/client's KafkaProducer
// with a client of its own (a long-polling Fetch on a shared connection would hold produce
// answers back). Under exactly_once_v2 it is the thread's one transactional producer
// (transactional.id = <application id>-<process id>-<thread index>, KIP-447): all of the thread's
// tasks write in one transaction per commit interval, committed with the consumed offsets and
// the group's generation, so a zombie's commit is refused by the group coordinator. Otherwise it
// is a plain idempotent producer. Sends are not awaited one by one: their first error surfaces at
// the next flush or commit, as Kafka Streams' RecordCollector does.
import { KafkaClient, type KafkaClientConfig } from '../../client/client.js';
import { KafkaProducer, type GroupMetadata, type ProducerRecord, type RecordMetadata } from '../../client/producer/producer.js';
import { CommitFailedError, taskMigrationCause } from '../../client/producer/errors.js';
import type { ProducerEvent } from '../../client/producer/producer-events.js';
import type { Compression } from '../../protocol/records/index.js';
import type { TaskId } from './tasks.js';
import type { MigrationCause, StreamsEventInput, TxnPhase } from './telemetry.js';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface StreamsProducerOptions {
  client: KafkaClientConfig;
  /** Set under exactly_once_v2: the producer is transactional. */
  transactionalId: string | null;
  transactionTimeoutMs: number;
  compression: Compression;
  emit: (event: StreamsEventInput) => void;
  /** Called between TxnOffsetCommit and EndTxn (the tests' crash point). */
  afterOffsetsSent?: () => void;
}

/** The group or the transaction coordinator says another owner has the thread's tasks now. */
export class TaskMigratedError extends Error {
  override readonly name = 'TaskMigratedError';
  constructor(
    override readonly cause: unknown,
    readonly migration: MigrationCause,
  ) {
    super(`task migrated (${migration}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Unacknowledged send() calls before backpressure() waits for them. */
const MAX_PENDING_SENDS = 200;

/** Transaction phases the console shows; the producer's others (partitions added, errors) are not forwarded. */
const FORWARDED = new Set<TxnPhase>(['init', 'begin', 'offsets-added', 'committing', 'committed', 'aborting', 'aborted', 'fenced', 'epoch-bumped']);

export class StreamsProducer {
  readonly #opts: StreamsProducerOptions;
  readonly #client: KafkaClient;
  #producer: KafkaProducer;
  /** Sends since the last flush; the first failure is kept and thrown at flush. */
  #pending: Promise<unknown>[] = [];
  #sendError: unknown = null;
  // What the open transaction holds, for telemetry.
  #inTransaction = false;
  #begunAt = 0;
  #records = 0;
  readonly #tasks = new Set<TaskId>();
  #offsets: TopicPartitionOffset[] = [];

  constructor(opts: StreamsProducerOptions) {
    this.#opts = opts;
    this.#client = new KafkaClient(opts.client);
    this.#producer = this.#newProducer();
  }

  get transactional(): boolean {
    return this.#opts.transactionalId !== null;
  }

  get transactionalId(): string | null {
    return this.#opts.transactionalId;
  }

  get producerId(): number {
    return this.#producer.producerId;
  }

  get producerEpoch(): number {
    return this.#producer.producerEpoch;
  }

  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  /** Transactional: InitProducerId, which completes (aborts) what an earlier incarnation left open. */
  async init(): Promise<void> {
    if (this.transactional) await this.#producer.initTransactions();
  }

  /**
   * Hands a task's records to the producer (in a transaction under EOS, begun here if none is
   * open); `onAcked` gets their offsets once written (the changelog offsets a checkpoint records).
   */
  send(task: TaskId, records: readonly ProducerRecord[], onAcked?: (acked: RecordMetadata[]) => void): void {
    if (records.length === 0) return;
    if (this.transactional && !this.#inTransaction) this.#begin();
    this.#tasks.add(task);
    this.#records += records.length;
    const sent = this.#producer.send(records).then(onAcked, (err: unknown) => {
      this.#sendError ??= err;
    });
    this.#pending.push(sent);
  }

  /**
   * Holds the caller back while many records wait for acknowledgement (Kafka's buffer.memory
   * blocks send() the same way), so processing cannot run far ahead of the brokers.
   */
  async backpressure(): Promise<void> {
    if (this.#pending.length < MAX_PENDING_SENDS) return;
    await Promise.all(this.#pending);
    this.#pending = [];
  }

  /** Waits until everything sent is acknowledged; throws the first send failure (as TaskMigratedError when it says so). */
  async flush(): Promise<void> {
    await this.#producer.flush().catch((err: unknown) => {
      this.#sendError ??= err;
    });
    await Promise.all(this.#pending);
    this.#pending = [];
    const err = this.#sendError;
    this.#sendError = null;
    if (err !== null) throw this.#classify(err);
  }

  /**
   * exactly_once_v2: the consumed offsets go into the open transaction with the group's metadata
   * (TxnOffsetCommit: a generation the group has left behind is refused), then EndTxn commits
   * outputs and offsets together. A transaction with nothing in it is not sent.
   */
  async commitTransaction(tasks: readonly TaskId[], offsets: readonly TopicPartitionOffset[], group: GroupMetadata): Promise<void> {
    if (!this.transactional) throw new Error('commitTransaction on a non-transactional producer');
    if (!this.#inTransaction && offsets.length === 0) return;
    try {
      if (!this.#inTransaction) this.#begin();
      for (const t of tasks) this.#tasks.add(t);
      this.#offsets = [...offsets];
      await this.flush();
      if (offsets.length > 0) await this.#producer.sendOffsetsToTransaction(offsets, group);
      this.#opts.afterOffsetsSent?.();
      await this.#producer.commitTransaction();
    } catch (err) {
      // The caller aborts (or, fenced, resets the producer).
      throw this.#classify(err);
    }
    this.#reset();
  }

  /** Aborts the open transaction (its records and offsets are discarded by read_committed readers and the group). */
  async abortTransaction(): Promise<void> {
    if (!this.transactional || !this.#inTransaction) {
      this.#reset();
      return;
    }
    await Promise.allSettled(this.#pending);
    try {
      await this.#producer.abortTransaction();
    } catch (err) {
      throw this.#classify(err);
    } finally {
      this.#reset();
    }
  }

  /**
   * After fencing (Kafka Streams' resetProducer): the old producer is unusable; a new one with
   * the same transactional id bumps the epoch and aborts whatever the old one left open.
   */
  async reset(): Promise<void> {
    const old = this.#producer;
    this.#reset();
    await old.close({ timeoutMs: 0 }).catch(() => undefined);
    this.#producer = this.#newProducer();
    await this.init();
  }

  async close(): Promise<void> {
    await this.#producer.close({ timeoutMs: 5_000 }).catch(() => undefined);
    this.#client.close();
  }

  #newProducer(): KafkaProducer {
    return new KafkaProducer(this.#client, {
      transactionalId: this.#opts.transactionalId,
      idempotent: true,
      transactionTimeoutMs: this.#opts.transactionTimeoutMs,
      compression: this.#opts.compression,
      onEvent: (e) => this.#onProducerEvent(e),
    });
  }

  #begin(): void {
    this.#producer.beginTransaction();
    this.#inTransaction = true;
    this.#begunAt = Date.now();
  }

  #reset(): void {
    this.#inTransaction = false;
    this.#records = 0;
    this.#tasks.clear();
    this.#offsets = [];
    this.#pending = [];
    this.#sendError = null;
  }

  /** What the coordinators' refusals mean for the thread's tasks (Kafka Streams' TaskMigratedException). */
  #classify(err: unknown): unknown {
    if (err instanceof TaskMigratedError) return err;
    const cause = taskMigrationCause(err);
    if (cause === null) return err;
    if (cause instanceof CommitFailedError) return new TaskMigratedError(err, 'generation');
    const openMs = this.#inTransaction ? Date.now() - this.#begunAt : 0;
    return new TaskMigratedError(err, openMs >= this.#opts.transactionTimeoutMs ? 'timeout' : 'epoch');
  }

  #onProducerEvent(e: ProducerEvent): void {
    if (e.type !== 'txn' || !FORWARDED.has(e.phase as TxnPhase) || e.transactionalId === null) return;
    const ending = e.phase === 'committed' || e.phase === 'aborted' || e.phase === 'fenced';
    this.#opts.emit({
      type: 'txn',
      transactionalId: e.transactionalId,
      phase: e.phase as TxnPhase,
      producerId: e.producerId,
      producerEpoch: e.producerEpoch,
      tasks: [...this.#tasks].sort(),
      partitions: e.partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
      ...(e.phase === 'committed' ? { offsets: this.#offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })) } : {}),
      ...(ending || e.phase === 'committing' ? { durationMs: Date.now() - this.#begunAt, records: this.#records } : {}),
      ...(e.error ? { error: `${e.error.name}: ${e.error.message}` } : {}),
    });
  }
}
