// One producer batch: the records for one partition that travel together as one v2 record
// batch (the Java client's ProducerBatch). It gets its producer id, epoch and base sequence the
// first time the sender drains it and keeps them on every retry (unless an epoch bump rewrites
// them), so the broker can recognise a resend. Each record's caller learns its offset, or the
// batch's error, when the batch completes.
import { encodeRecordBatch, type Compression, type RecordInput } from '../../protocol/records/index.js';

export const NO_SEQUENCE = -1;
const INT32_MAX = 0x7fffffff;

/** Sequence numbers wrap to 0 after Integer.MAX_VALUE, as the broker expects. */
export function addSequence(seq: number, n: number): number {
  return (seq + n) % (INT32_MAX + 1);
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 when the broker did not say (DUPLICATE_SEQUENCE_NUMBER, acks=0). */
  offset: number;
  /** The log append time when the topic uses it, else the record's create time. */
  timestamp: number;
}

type Settle = { resolve: (m: RecordMetadata) => void; reject: (e: Error) => void };

/** Rough bytes of a record in a batch (varints and attributes included), for batch.size. */
export function estimateRecordSize(r: RecordInput): number {
  let n = 21 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return n;
}

export class ProducerBatch {
  readonly records: RecordInput[] = [];
  private readonly settles: Settle[] = [];
  /** Batch header (61 bytes) + records. */
  sizeInBytes = 61;
  /** No more records may join (full, or drained once). */
  closed = false;
  attempts = 0;
  baseSequence = NO_SEQUENCE;
  producerId = -1;
  producerEpoch = -1;
  /** Not to be resent before (retry backoff). */
  retryNotBefore = 0;
  /** Its sequence numbers were reassigned by an epoch bump. */
  sequenceReset = false;
  done = false;
  private encoded: { key: string; bytes: Buffer } | null = null;
  private readonly settled: Promise<void>;
  private markSettled!: () => void;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdAt: number,
  ) {
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  get recordCount(): number {
    return this.records.length;
  }

  get lastSequence(): number {
    return addSequence(this.baseSequence, this.records.length - 1);
  }

  get hasSequence(): boolean {
    return this.baseSequence !== NO_SEQUENCE;
  }

  /** Resolves when the batch completed or failed (never rejects): what flush waits for. */
  whenDone(): Promise<void> {
    return this.settled;
  }

  hasRoomFor(bytes: number, batchSize: number): boolean {
    return !this.closed && (this.records.length === 0 || this.sizeInBytes + bytes <= batchSize);
  }

  /** Adds a record (its timestamp fixed now, so every attempt encodes the same bytes). */
  append(record: RecordInput, bytes: number): Promise<RecordMetadata> {
    this.records.push(record);
    this.sizeInBytes += bytes;
    return new Promise<RecordMetadata>((resolve, reject) => this.settles.push({ resolve, reject }));
  }

  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
  }

  /** The v2 record batch for the current producer state (encoded and compressed once per state). */
  encode(compression: Compression, transactional: boolean): Buffer {
    const key = `${this.producerId}:${this.producerEpoch}:${this.baseSequence}`;
    if (this.encoded?.key === key) return this.encoded.bytes;
    const bytes = encodeRecordBatch({
      records: this.records,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      transactional,
      compression,
    });
    this.encoded = { key, bytes };
    return bytes;
  }

  complete(baseOffset: number, logAppendTime: number): void {
    if (this.done) return;
    this.done = true;
    this.settles.forEach((s, i) =>
      s.resolve({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset >= 0 ? baseOffset + i : -1,
        timestamp: logAppendTime >= 0 ? logAppendTime : (this.records[i]!.timestamp ?? -1),
      }),
    );
    this.markSettled();
  }

  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    for (const s of this.settles) s.reject(error);
    this.markSettled();
  }
}
