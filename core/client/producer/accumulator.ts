// Records waiting to be sent, per partition (the Java client's RecordAccumulator, with the
// per-partition sequence bookkeeping of its TxnPartitionMap beside it): an ordered queue of
// batches not yet sent (the last one open for more records until batch.size), the batches sent
// and not yet answered, and those that failed with a retriable error and wait to be sent again
// in sequence order. Deciding what to send is the sender's; this module only keeps the queues.
import { partitionKey, type TopicPartition } from '../../protocol/topic-partition.js';
import type { RecordInput } from '../../protocol/records/index.js';
import { addSequence, estimateRecordSize, ProducerBatch, type RecordMetadata } from './batch.js';

export class PartitionState implements TopicPartition {
  /** Not yet sent, oldest first; the last may still take records. */
  readonly queue: ProducerBatch[] = [];
  /** Sent and not answered, in sequence order. */
  readonly inFlight: ProducerBatch[] = [];
  /** Sent, failed retriably, to be sent again: in sequence order, one at a time. */
  readonly retries: ProducerBatch[] = [];
  /** The next batch's base sequence. */
  nextSequence = 0;
  /** The last sequence the broker acknowledged, -1 before any. */
  lastAckedSequence = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get key(): string {
    return partitionKey(this.topic, this.partition);
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.length === 0 && this.retries.length === 0;
  }

  /** How far `seq` is past the last acknowledged one (sequence order across the int32 wrap). */
  distance(seq: number): number {
    return (seq - addSequence(this.lastAckedSequence, 1) + 0x80000000) % 0x80000000;
  }

  isNextSequence(seq: number): boolean {
    return seq === addSequence(this.lastAckedSequence, 1);
  }

  addRetry(batch: ProducerBatch): void {
    const d = this.distance(batch.baseSequence);
    const at = this.retries.findIndex((b) => this.distance(b.baseSequence) > d);
    if (at < 0) this.retries.push(batch);
    else this.retries.splice(at, 0, batch);
  }

  removeInFlight(batch: ProducerBatch): void {
    const i = this.inFlight.indexOf(batch);
    if (i >= 0) this.inFlight.splice(i, 1);
  }

  /** Sequences start again at 0 (new epoch): retries are renumbered in their order. */
  resetSequences(): void {
    this.lastAckedSequence = -1;
    this.nextSequence = 0;
  }
}

export class RecordAccumulator {
  readonly partitions = new Map<string, PartitionState>();
  private readonly incomplete = new Set<ProducerBatch>();
  /** flush() calls under way: every batch is ready at once, whatever linger.ms says. */
  flushing = 0;

  constructor(private readonly batchSize: number) {}

  partitionState(topic: string, partition: number): PartitionState {
    const key = partitionKey(topic, partition);
    let ps = this.partitions.get(key);
    if (!ps) this.partitions.set(key, (ps = new PartitionState(topic, partition)));
    return ps;
  }

  /**
   * Appends to the partition's open batch, or starts a new one. `newBatch` says whether the
   * previous open batch was closed by this record (it is ready to go).
   */
  append(topic: string, partition: number, record: RecordInput, now: number): { result: Promise<RecordMetadata>; closedFull: boolean } {
    const ps = this.partitionState(topic, partition);
    const bytes = estimateRecordSize(record);
    const last = ps.queue[ps.queue.length - 1];
    if (last && last.hasRoomFor(bytes, this.batchSize)) return { result: last.append(record, bytes), closedFull: false };
    let closedFull = false;
    if (last && !last.closed) {
      last.closed = true;
      closedFull = true;
    }
    const batch = new ProducerBatch(topic, partition, now);
    ps.queue.push(batch);
    this.incomplete.add(batch);
    void batch.whenDone().then(() => this.incomplete.delete(batch));
    return { result: batch.append(record, bytes), closedFull };
  }

  /** Batches appended and not yet completed or failed. */
  incompleteBatches(): ProducerBatch[] {
    return [...this.incomplete];
  }

  hasIncomplete(): boolean {
    return this.incomplete.size > 0;
  }

  inFlightCount(): number {
    let n = 0;
    for (const ps of this.partitions.values()) n += ps.inFlight.length;
    return n;
  }

  /**
   * Fails every batch not on the wire — never sent, or waiting to be resent (Java's
   * abortUndrainedBatches): on an abortable or fatal error, an abort, a close.
   */
  abortUndrained(error: Error): number {
    let n = 0;
    for (const ps of this.partitions.values()) {
      for (const b of [...ps.queue, ...ps.retries]) {
        b.fail(error);
        n++;
      }
      ps.queue.length = 0;
      ps.retries.length = 0;
    }
    return n;
  }
}
