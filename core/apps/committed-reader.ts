// A read_committed reader that does not trust kafkajs's own aborted-record filter: it consumes
// read_uncommitted, takes every raw record of each fetch (Batch.rawMessages, control records
// included) and lets ReadCommittedFilter decide what is visible. It reads topics whole from the
// beginning under a throwaway group id and never commits, so it changes nothing in the cluster.
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { InputRecord } from '../streams/index.js';
import { ReadCommittedFilter } from './read-committed.js';
import type { RawMessage } from './read-committed.js';

/** A committed record: the same shape the streams runtime hands its topologies. */
export type CommittedRecord = InputRecord;

export interface CommittedReaderOptions {
  kafka: Kafka;
  topics: readonly string[];
  /** Committed records of one partition, in offset order. */
  onRecords: (records: CommittedRecord[]) => void;
  /** The reader cannot go on (and has stopped), or kafkajs crashed the consumer. */
  onError: (error: Error) => void;
  groupIdPrefix?: string;
}

interface KafkaRawMessage extends RawMessage {
  timestamp: string;
  value: Buffer | null;
  headers: IHeaders;
}

/** The kafkajs 2.2.x Batch internals this reader stands on. */
interface RawBatch {
  rawMessages: KafkaRawMessage[];
  fetchedOffset: string;
}

/** The batch's raw messages and fetch offset, or a clear error when kafkajs no longer has them. */
export function rawBatch(batch: EachBatchPayload['batch']): RawBatch {
  const { rawMessages, fetchedOffset } = batch as unknown as Partial<RawBatch>;
  const first = Array.isArray(rawMessages) ? (rawMessages[0] as Partial<KafkaRawMessage> | undefined) : undefined;
  const shaped =
    first === undefined ||
    (typeof first.isControlRecord === 'boolean' &&
      typeof first.batchContext?.producerId === 'string' &&
      typeof first.batchContext.inTransaction === 'boolean');
  if (!Array.isArray(rawMessages) || fetchedOffset === undefined || !shaped) {
    throw new Error(
      'kafkajs Batch has no rawMessages with isControlRecord and batchContext (or no fetchedOffset): ' +
        'the committed reader needs the internals of kafkajs 2.2.x to see transaction markers',
    );
  }
  return { rawMessages, fetchedOffset };
}

export class CommittedReader {
  readonly groupId: string;
  readonly #options: CommittedReaderOptions;
  readonly #consumer: Consumer;
  readonly #filters = new Map<string, ReadCommittedFilter<KafkaRawMessage>>();
  #failed = false;
  #refetches = 0;

  constructor(options: CommittedReaderOptions) {
    this.#options = options;
    this.groupId = `${options.groupIdPrefix ?? 'streamwatch-reader'}-${randomUUID()}`;
    // maxWaitTimeInMs bounds how long stop() waits for a fetch in flight.
    this.#consumer = options.kafka.consumer({ groupId: this.groupId, readUncommitted: true, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
  }

  /** Transactions with records held back, over all partitions. */
  get pendingTransactions(): number {
    let open = 0;
    for (const filter of this.#filters.values()) open += filter.openTransactions;
    return open;
  }

  /** How many fetches of markers alone had to be fetched again (see skippedControlRecords). */
  get refetches(): number {
    return this.#refetches;
  }

  /** The next raw offset to read in a partition: 0 until the partition's first records arrive. */
  position(topic: string, partition: number): number {
    return this.#filters.get(`${topic}:${partition}`)?.position ?? 0;
  }

  async start(): Promise<void> {
    const consumer = this.#consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#options.topics], fromBeginning: true });
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize > 0 || this.#failed) return; // eachBatch gets this one
      const refetchFrom = this.#filter(payload.topic, payload.partition).skippedControlRecords(Number(payload.lastOffset));
      if (refetchFrom === null) return;
      this.#refetches += 1;
      consumer.seek({ topic: payload.topic, partition: payload.partition, offset: String(refetchFrom) });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.#fail(payload.error);
    });
    await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => this.#onBatch(batch) });
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }

  #onBatch(batch: EachBatchPayload['batch']): void {
    if (this.#failed) return;
    try {
      const { rawMessages, fetchedOffset } = rawBatch(batch);
      const visible = this.#filter(batch.topic, batch.partition).accept(rawMessages, Number(fetchedOffset));
      if (visible.length === 0) return;
      this.#options.onRecords(
        visible.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
          key: m.key,
          value: m.value,
          headers: m.headers,
        })),
      );
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#options.onError(error);
    // Not from inside eachBatch: kafkajs's stop waits for the batch being processed.
    setImmediate(() => void this.#consumer.disconnect().catch(() => {}));
  }

  #filter(topic: string, partition: number): ReadCommittedFilter<KafkaRawMessage> {
    const at = `${topic}:${partition}`;
    let filter = this.#filters.get(at);
    if (filter === undefined) {
      filter = new ReadCommittedFilter();
      this.#filters.set(at, filter);
    }
    return filter;
  }
}
