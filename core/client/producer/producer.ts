// KafkaProducer: the idempotent, transactional producer on a KafkaClient (the Java client's
// KafkaProducer). send() partitions and appends in call order; the Sender batches and sends;
// the TransactionManager holds the producer id, epoch and transaction state. The KafkaClient is
// the caller's: close() never closes it.
import type { Compression, RecordHeaderInput, RecordInput } from '../../protocol/records/index.js';
import type { BackoffSettings } from '../backoff.js';
import type { KafkaClient } from '../client.js';
import { RecordAccumulator } from './accumulator.js';
import { estimateRecordSize, type RecordMetadata } from './batch.js';
import { IllegalProducerStateError, TransactionAbortedError } from './errors.js';
import { Partitioner } from './partitioner.js';
import type { ProducerEvent } from './producer-events.js';
import { Sender } from './sender.js';
import { TransactionManager, type GroupMetadata, type OffsetToCommit } from './transaction-manager.js';
import type { TransactionState } from './transaction-state.js';

export type { RecordMetadata } from './batch.js';
export type { GroupMetadata, OffsetToCommit } from './transaction-manager.js';

export interface ProducerRecord {
  topic: string;
  /** Wins over the partitioner. */
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaderInput[] | Record<string, Buffer | string | null>;
  /** Create time; default now. */
  timestamp?: number;
}

export interface ProducerOptions {
  /** Makes the producer transactional (and idempotent). */
  transactionalId?: string | null;
  /** enable.idempotence: default true, unless acks 0 or 1 is asked for without it. */
  idempotent?: boolean;
  /** -1 ("all") whenever idempotent. */
  acks?: -1 | 0 | 1 | 'all';
  compression?: Compression;
  /** linger.ms: 5 (Kafka 4's default). */
  lingerMs?: number;
  /** batch.size: 16384 bytes. */
  batchSize?: number;
  /** max.in.flight.requests.per.connection, per partition here: 5 (at most 5 when idempotent). */
  maxInFlightPerPartition?: number;
  /** transaction.timeout.ms: 60 000. */
  transactionTimeoutMs?: number;
  /** delivery.timeout.ms: 120 000. */
  deliveryTimeoutMs?: number;
  /** request.timeout.ms: 30 000. */
  requestTimeoutMs?: number;
  /** max.block.ms: how long metadata waits and transactional calls may retry, 60 000. */
  maxBlockMs?: number;
  /** max.request.size: the largest record accepted, 1 MiB. */
  maxRequestSize?: number;
  /** retry.backoff.ms → retry.backoff.max.ms: 100 → 1000. */
  retryBackoff?: BackoffSettings;
  onEvent?: (e: ProducerEvent) => void;
}

export class KafkaProducer {
  private readonly tm: TransactionManager;
  private readonly acc: RecordAccumulator;
  private readonly sender: Sender;
  private readonly partitioner = new Partitioner();
  private appendTail: Promise<unknown> = Promise.resolve();
  /** send() calls waiting for metadata before they can append. */
  private appendsWaiting = 0;
  private closing = false;
  readonly idempotent: boolean;
  private readonly maxBlockMs: number;
  private readonly maxRequestSize: number;

  constructor(
    private readonly client: KafkaClient,
    options: ProducerOptions = {},
  ) {
    const transactionalId = options.transactionalId ?? null;
    if (transactionalId === '') throw new Error('transactionalId must not be empty');
    const acksAsked = options.acks === 'all' ? -1 : options.acks;
    if (transactionalId !== null && options.idempotent === false) throw new Error('a transactional producer must be idempotent (idempotent: false conflicts with transactionalId)');
    if (options.idempotent === true && acksAsked !== undefined && acksAsked !== -1) throw new Error(`acks must be -1 ("all") for an idempotent producer, not ${acksAsked}`);
    this.idempotent = options.idempotent ?? (transactionalId !== null || acksAsked === undefined || acksAsked === -1);
    const acks = this.idempotent ? -1 : (acksAsked ?? -1);
    const maxInFlight = options.maxInFlightPerPartition ?? 5;
    if (this.idempotent && (maxInFlight < 1 || maxInFlight > 5)) throw new Error(`maxInFlightPerPartition must be 1..5 for an idempotent producer, not ${maxInFlight}`);
    const retryBackoff = options.retryBackoff ?? { initialMs: 100, maxMs: 1000 };
    this.maxBlockMs = options.maxBlockMs ?? 60_000;
    this.maxRequestSize = options.maxRequestSize ?? 1024 * 1024;
    const emit = (e: ProducerEvent) => {
      try {
        options.onEvent?.(e);
      } catch {
        // a listener's failure is not the producer's
      }
    };
    this.tm = new TransactionManager(
      client,
      { transactionalId, transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000, maxBlockMs: this.maxBlockMs, retryBackoff },
      emit,
    );
    this.acc = new RecordAccumulator(options.batchSize ?? 16_384);
    this.sender = new Sender(
      client,
      this.acc,
      this.tm,
      {
        acks,
        idempotent: this.idempotent,
        compression: options.compression ?? 'none',
        lingerMs: options.lingerMs ?? 5,
        maxInFlightPerPartition: maxInFlight,
        deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        retryBackoff,
        onDrained: (topic, partition) => this.partitioner.batchClosed(topic, partition, client.metadata.partitionCount(topic) ?? 1),
      },
      emit,
    );
  }

  get transactionalId(): string | null {
    return this.tm.transactionalId;
  }

  /** -1 until known. */
  get producerId(): number {
    return this.tm.producerId;
  }

  get producerEpoch(): number {
    return this.tm.producerEpoch;
  }

  get state(): TransactionState {
    return this.tm.state;
  }

  /** The error behind ABORTABLE_ERROR / FATAL_ERROR. */
  get lastError(): Error | null {
    return this.tm.lastError;
  }

  // ------------------------------------------------------------------ transactions

  /**
   * FindCoordinator + InitProducerId for the transactional id: fences older producers with that
   * id and completes (aborts) their open transaction. May be called again after a timeout.
   */
  initTransactions(): Promise<void> {
    this.ensureOpen();
    this.tm.ensureTransactional('initTransactions');
    return this.tm.exclusive('initTransactions', async () => {
      if (this.tm.state === 'FATAL_ERROR') this.tm.maybeFailWithError();
      if (this.tm.state !== 'INITIALIZING') this.tm.transitionTo('INITIALIZING');
      await this.tm.initProducerId(false);
      this.sender.resetAllSequences();
    });
  }

  beginTransaction(): void {
    this.ensureOpen();
    this.tm.ensureTransactional('beginTransaction');
    this.tm.maybeFailWithError();
    this.tm.transitionTo('IN_TRANSACTION');
    this.tm.transactionBegunAt = Date.now();
    this.tm.resetTransaction();
    this.tm.txnEvent('begin');
  }

  /**
   * The consumer's offsets become part of the transaction (committed with it): AddOffsetsToTxn,
   * then TxnOffsetCommit to the group coordinator with the member's generation. A group that
   * moved on rejects it with CommitFailedError (the transaction must be aborted).
   */
  sendOffsetsToTransaction(offsets: readonly OffsetToCommit[], groupMetadata: GroupMetadata): Promise<void> {
    this.ensureOpen();
    this.tm.ensureTransactional('sendOffsetsToTransaction');
    return this.tm.exclusive('sendOffsetsToTransaction', async () => {
      this.tm.maybeFailWithError();
      if (this.tm.state !== 'IN_TRANSACTION') throw new IllegalProducerStateError(`Cannot send offsets if a transaction is not in progress (currentState= ${this.tm.state})`);
      if (offsets.length === 0) return;
      await this.tm.sendOffsets(offsets, groupMetadata);
    });
  }

  /**
   * Flushes, then EndTxn(commit). Throws the error that made the transaction abortable (then
   * call abortTransaction) or fatal. After a timeout it may be called again.
   */
  commitTransaction(): Promise<void> {
    this.ensureOpen();
    this.tm.ensureTransactional('commitTransaction');
    return this.tm.exclusive('commitTransaction', async () => {
      if (this.tm.state !== 'COMMITTING_TRANSACTION') {
        this.tm.maybeFailWithError();
        await this.appendTail;
        this.tm.transitionTo('COMMITTING_TRANSACTION');
        this.tm.txnEvent('committing', { partitions: this.tm.partitionsOfTransaction() });
      }
      await this.flushAll();
      await this.tm.whenPartitionsAdded();
      this.tm.maybeFailWithError();
      if (this.tm.transactionStarted) await this.tm.endTxn(true);
      const partitions = this.tm.partitionsOfTransaction();
      this.tm.resetTransaction();
      this.tm.transitionTo('READY');
      this.tm.txnEvent('committed', { partitions, durationMs: Date.now() - this.tm.transactionBegunAt });
    });
  }

  /**
   * Fails what was not sent yet (TransactionAbortedError), waits for what is in flight, then
   * EndTxn(abort); after an abortable error the epoch is bumped (InitProducerId with the
   * current id and epoch, KIP-360) when the coordinator can.
   */
  abortTransaction(): Promise<void> {
    this.ensureOpen(true);
    this.tm.ensureTransactional('abortTransaction');
    return this.tm.exclusive('abortTransaction', () => this.abort());
  }

  private async abort(): Promise<void> {
    await this.appendTail;
    const causeOfAbort = this.tm.lastError;
    if (this.tm.state !== 'ABORTING_TRANSACTION') {
      if (this.tm.state === 'FATAL_ERROR') this.tm.maybeFailWithError();
      this.tm.transitionTo('ABORTING_TRANSACTION');
      this.tm.txnEvent('aborting', { partitions: this.tm.partitionsOfTransaction(), ...(causeOfAbort ? { error: causeOfAbort } : {}) });
    }
    this.tm.newPartitions.clear();
    this.acc.abortUndrained(new TransactionAbortedError(undefined, { cause: causeOfAbort ?? undefined }));
    await this.sender.whenNoInFlight();
    await this.tm.whenPartitionsAdded();
    if (this.tm.state === 'FATAL_ERROR') this.tm.maybeFailWithError();
    // INVALID_PRODUCER_ID_MAPPING: the coordinator would refuse EndTxn; go straight to the bump.
    const skipEndTxn = (causeOfAbort as { code?: number } | null)?.code === 49;
    if (this.tm.transactionStarted && !skipEndTxn) await this.tm.endTxn(false);
    const partitions = this.tm.partitionsOfTransaction();
    this.tm.resetTransaction();
    if (this.tm.epochBumpRequired) {
      this.tm.transitionTo('INITIALIZING');
      await this.tm.initProducerId(true);
      this.sender.resetAllSequences();
    } else {
      this.tm.transitionTo('READY');
      this.sender.rewindSequences();
    }
    this.tm.txnEvent('aborted', { partitions, durationMs: Date.now() - this.tm.transactionBegunAt, ...(causeOfAbort ? { error: causeOfAbort } : {}) });
  }

  // ------------------------------------------------------------------ records

  /**
   * Partitions and appends the records (in call order across calls), resolving with each
   * record's offset once acknowledged. Rejects with the first record's error (the others
   * settle too). Transactional: only inside a transaction.
   */
  async send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    this.ensureOpen();
    this.checkSendAllowed();
    if (records.length === 0) return [];
    // Appended at once when nothing is waiting for metadata (Java's send() blocks the same way),
    // so a commit or abort called right after this send() finds its records.
    if (this.appendsWaiting === 0 && records.every((r) => this.client.metadata.partitionCount(r.topic) !== null)) {
      return Promise.all(this.appendNow(records));
    }
    this.appendsWaiting++;
    const appended = this.appendTail.then(async () => {
      try {
        await this.waitOnMetadata([...new Set(records.map((r) => r.topic))]);
        this.ensureOpen();
        this.checkSendAllowed();
        return this.appendNow(records);
      } finally {
        this.appendsWaiting--;
      }
    });
    this.appendTail = appended.catch(() => undefined);
    return Promise.all(await appended);
  }

  private checkSendAllowed(): void {
    this.tm.maybeFailWithError();
    if (this.tm.isTransactional && this.tm.state !== 'IN_TRANSACTION') {
      throw new IllegalProducerStateError(`Cannot send records of transactional id ${this.tm.transactionalId} while in state ${this.tm.state}: call beginTransaction() first`);
    }
  }

  private appendNow(records: readonly ProducerRecord[]): Promise<RecordMetadata>[] {
    const now = Date.now();
    // Everything is checked before anything is appended: a send is all or nothing.
    const prepared = records.map((r) => {
      const input: RecordInput = {
        key: toBuffer(r.key),
        value: toBuffer(r.value),
        headers: toHeaders(r.headers),
        timestamp: r.timestamp ?? now,
      };
      const size = estimateRecordSize(input) + 61;
      if (size > this.maxRequestSize) throw new Error(`The message is ${size} bytes when serialized which is larger than ${this.maxRequestSize}, the maxRequestSize`);
      const count = this.client.metadata.partitionCount(r.topic)!;
      const partition = this.partitioner.partition(r.topic, input.key, r.partition, count);
      return { topic: r.topic, partition, input, count };
    });
    const results = prepared.map(({ topic, partition, input, count }) => {
      if (this.tm.isTransactional) this.tm.maybeAddPartition(topic, partition);
      const { result, closedFull } = this.acc.append(topic, partition, input, now);
      if (closedFull) this.partitioner.batchClosed(topic, partition, count);
      return result;
    });
    this.sender.wakeup();
    return results;
  }

  /** Waits (max.block.ms) until every topic's partition count is known. */
  private async waitOnMetadata(topics: string[]): Promise<void> {
    const missing = () => topics.filter((t) => this.client.metadata.partitionCount(t) === null);
    if (missing().length === 0) return;
    const deadline = Date.now() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      await this.client.refreshMetadata(missing()).catch(() => undefined);
      const left = missing();
      if (left.length === 0) return;
      if (Date.now() >= deadline) throw new Error(`Topic ${left.join(', ')} not present in metadata after ${this.maxBlockMs} ms.`);
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
    }
  }

  /** Sends everything appended so far at once (linger.ms aside) and waits until it is answered. */
  async flush(): Promise<void> {
    await this.appendTail;
    await this.flushAll();
  }

  private async flushAll(): Promise<void> {
    const batches = this.acc.incompleteBatches();
    if (batches.length === 0) return;
    this.acc.flushing++;
    this.sender.wakeup();
    try {
      await Promise.all(batches.map((b) => b.whenDone()));
    } finally {
      this.acc.flushing--;
    }
  }

  /**
   * Sends what is pending (an open transaction is aborted, as Java's Sender does at shutdown)
   * for up to `timeoutMs`, then fails what is left and stops. The KafkaClient stays open.
   */
  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const graceful = (async () => {
      await this.appendTail;
      const s = this.tm.state;
      if (this.tm.isTransactional && (s === 'IN_TRANSACTION' || s === 'ABORTABLE_ERROR')) {
        await this.tm.exclusive('close', () => this.abort()).catch(() => undefined);
      } else {
        await this.flushAll();
      }
    })().catch(() => undefined);
    await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    this.acc.abortUndrained(new Error('the producer was closed before these records were sent'));
    this.sender.close();
  }

  private ensureOpen(allowWhileClosing = false): void {
    if (this.closing && !allowWhileClosing) throw new IllegalProducerStateError('Cannot perform operation after producer has been closed');
  }
}

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

function toHeaders(h: ProducerRecord['headers']): RecordHeaderInput[] {
  if (!h) return [];
  if (Array.isArray(h)) return h;
  return Object.entries(h).map(([key, value]) => ({ key, value: toBuffer(value) }));
}
