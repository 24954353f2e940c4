// Fixtures shared by the log tests: batches with known records, and the offsets a read returned.
import { decodeRecordBatch, encodeRecordBatch, splitRecordBatches, type Compression } from '../../protocol/records/index.js';

/** A batch of `n` records with timestamps ts, ts+1, ...; values padded to `valueSize` bytes. */
export function batch(n: number, ts = 1000, valueSize = 20, compression: Compression = 'none'): Buffer {
  return encodeRecordBatch({
    compression,
    records: Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(valueSize, i), timestamp: ts + i })),
  });
}

/** Offsets of every record in the chunks of a read. */
export function offsetsOf(chunks: Buffer[]): number[] {
  const split = splitRecordBatches(Buffer.concat(chunks));
  if (!split.ok) throw new Error(split.message);
  return split.batches.flatMap((b) => decodeRecordBatch(b).records.map((r) => r.offset));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
