// The producer side of a task. Under exactly-once each task has its own transactional producer
// (transactional.id = <app>-<task>), so whichever instance initialises it last owns the task and
// fences the others; otherwise the thread shares one plain producer.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { KafkaConfig, LogEntry, Producer, TopicMessages, Transaction } from 'kafkajs';
import '../../kafkajs-fixes.js';
import type { StreamsEventInput, TxnPhase } from './telemetry.js';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

interface TxnProducerOptions {
  kafkaConfig: KafkaConfig;
  transactionalId: string;
  taskId: string;
  transactionTimeoutMs: number;
  emit: (event: StreamsEventInput) => void;
}

export class TransactionalStreamsProducer {
  readonly #producer: Producer;
  #txn: Transaction | null = null;
  #begunAt = 0;
  #records = 0;
  #hasOffsets = false;
  producerId: number | null = null;
  producerEpoch: number | null = null;

  constructor(private readonly opts: TxnProducerOptions) {
    // kafkajs keeps the producer id and epoch private; its EOS manager logs them at debug level,
    // so this producer's own client listens for that one line.
    const kafka = new Kafka({
      ...opts.kafkaConfig,
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry: LogEntry) => {
        const log = entry.log as { message?: string; producerId?: unknown; producerEpoch?: unknown };
        if (log.message === 'Initialized producer id & epoch') {
          this.producerId = Number(log.producerId);
          this.producerEpoch = Number(log.producerEpoch);
        }
      },
    });
    this.#producer = kafka.producer({
      transactionalId: opts.transactionalId,
      // Java's murmur2 partitioner (kafkajs's default since v2): same key → same partition as Kafka clients.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: opts.transactionTimeoutMs,
      allowAutoTopicCreation: false,
    });
  }

  get transactionalId(): string {
    return this.opts.transactionalId;
  }

  /** Connects and initialises the producer id: this is the moment older owners are fenced. */
  async init(): Promise<void> {
    await this.#producer.connect();
    // kafkajs sends InitProducerId at the first transaction(), not at connect.
    this.#txn = await this.#producer.transaction();
    this.#begunAt = Date.now();
  }

  get inTransaction(): boolean {
    return this.#records > 0 || this.#hasOffsets;
  }

  async send(batch: TopicMessages[], count: number): Promise<void> {
    if (count === 0) return;
    const txn = await this.#begin();
    await txn.sendBatch({ topicMessages: batch, acks: -1 });
    this.#records += count;
  }

  /** Adds the consumed offsets and commits; a transaction with nothing in it is not sent. */
  async commit(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length > 0) {
      const txn = await this.#begin();
      await txn.sendOffsets({ consumerGroupId: groupId, topics: groupByTopic(offsets) });
      this.#hasOffsets = true;
      this.#event('offsets-added');
    }
    if (!this.inTransaction) return;
    this.#event('committing');
    await this.#txn!.commit();
    this.#event('committed', { durationMs: Date.now() - this.#begunAt, records: this.#records });
    this.#reset();
  }

  async abort(reason: string): Promise<void> {
    if (this.#txn === null || !this.inTransaction) {
      this.#reset();
      return;
    }
    this.#event('aborting', { error: reason });
    try {
      await this.#txn.abort();
      this.#event('aborted', { durationMs: Date.now() - this.#begunAt, records: this.#records });
    } finally {
      this.#reset();
    }
  }

  fenced(error: string): void {
    this.#event('fenced', { error, durationMs: Date.now() - this.#begunAt, records: this.#records });
    this.#reset();
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
  }

  async #begin(): Promise<Transaction> {
    if (this.#txn === null) {
      this.#txn = await this.#producer.transaction();
    }
    if (!this.inTransaction) {
      this.#begunAt = Date.now();
      this.#event('begin');
    }
    return this.#txn;
  }

  #reset(): void {
    this.#txn = null;
    this.#records = 0;
    this.#hasOffsets = false;
  }

  #event(phase: TxnPhase, extra: { durationMs?: number; records?: number; error?: string } = {}): void {
    this.opts.emit({
      type: 'txn',
      taskId: this.opts.taskId,
      transactionalId: this.opts.transactionalId,
      phase,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      ...extra,
    });
  }
}

/** The thread's one producer under at-least-once and at-most-once. */
export class SharedStreamsProducer {
  readonly #producer: Producer;

  constructor(kafka: Kafka) {
    this.#producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async init(): Promise<void> {
    await this.#producer.connect();
  }

  async send(batch: TopicMessages[], count: number): Promise<void> {
    if (count === 0) return;
    await this.#producer.sendBatch({ topicMessages: batch, acks: -1 });
  }

  async close(): Promise<void> {
    await this.#producer.disconnect().catch(() => undefined);
  }
}

export function groupByTopic(offsets: readonly TopicPartitionOffset[]): { topic: string; partitions: { partition: number; offset: string }[] }[] {
  const map = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = map.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: String(o.offset) });
    map.set(o.topic, list);
  }
  return [...map].map(([topic, partitions]) => ({ topic, partitions }));
}
