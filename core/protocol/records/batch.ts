// The magic-2 record batch header (Kafka DefaultRecordBatch), its validation, and the in-place
// rewrites the broker does on append. Layout (big-endian):
//
//   0  baseOffset            int64   ┐ LOG_OVERHEAD: not counted by batchLength
//   8  batchLength           int32   ┘ (bytes from partitionLeaderEpoch to the end)
//  12  partitionLeaderEpoch  int32
//  16  magic                 int8    (also at byte 16 in the legacy v0/v1 message format)
//  17  crc                   uint32  CRC-32C of bytes 21..end, so the three fields above can be
//  21  attributes            int16   rewritten without recomputing it
//  23  lastOffsetDelta       int32
//  27  firstTimestamp        int64
//  35  maxTimestamp          int64
//  43  producerId            int64
//  51  producerEpoch         int16
//  53  baseSequence          int32
//  57  recordCount           int32
//  61  records...
import { crc32c } from './crc32c.js';
import { readInt64, writeInt64 } from '../primitives.js';
import { checkRecords } from './record.js';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const FIRST_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes in front of what batchLength counts. */
export const LOG_OVERHEAD = 12;
/** The CRC covers attributes to the end of the batch. */
export const CRC_COVERED_FROM = ATTRIBUTES_OFFSET;
export const MAGIC_V2 = 2;

// Attribute bits.
export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
export const DELETE_HORIZON_MASK = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
/** Indexed by the codec id in attribute bits 0-2; ids 5-7 are not assigned. */
export const COMPRESSION_CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function compressionOf(attributes: number): Compression {
  const codec = COMPRESSION_CODECS[attributes & COMPRESSION_CODEC_MASK];
  if (codec === undefined) throw new Error(`unknown compression codec id ${attributes & COMPRESSION_CODEC_MASK}`);
  return codec;
}

export function compressionId(c: Compression): number {
  const id = COMPRESSION_CODECS.indexOf(c);
  if (id < 0) throw new Error(`unknown compression ${String(c)}`);
  return id;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_MASK) !== 0;
}

export function isControl(attributes: number): boolean {
  return (attributes & CONTROL_MASK) !== 0;
}

export function timestampType(attributes: number): 'CreateTime' | 'LogAppendTime' {
  return (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? 'LogAppendTime' : 'CreateTime';
}

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads the 61-byte header at pos. Throws RangeError if fewer bytes are there. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (pos < 0 || buf.length - pos < BATCH_HEADER_SIZE) {
    throw new RangeError(`record batch header needs ${BATCH_HEADER_SIZE} bytes, ${Math.max(0, buf.length - pos)} available`);
  }
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_OFFSET),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(pos + MAGIC_OFFSET),
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET),
    firstTimestamp: readInt64(buf, pos + FIRST_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT_OFFSET),
  };
}

/** CRC-32C over attributes..end of a batch that starts at byte 0 of `batch`. */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(CRC_COVERED_FROM));
}

export type BatchErrorCode = 'CORRUPT_MESSAGE' | 'UNSUPPORTED_FOR_MESSAGE_FORMAT' | 'INVALID_RECORD';
export type BatchCheck = { ok: true; size: number } | { ok: false; error: BatchErrorCode; message: string };
export type SplitResult =
  | { ok: true; batches: Buffer[] }
  | { ok: false; error: BatchErrorCode; message: string };

/**
 * Validates the batch starting at buf[pos] and returns its total size. Batch-level damage
 * (truncation, bad length, bad CRC, unknown magic) is CORRUPT_MESSAGE, as Kafka's
 * CorruptRecordException; a well-framed batch whose contents break the format is
 * INVALID_RECORD, as Kafka's InvalidRecordException. Never throws.
 */
export function checkBatch(buf: Buffer, pos: number): BatchCheck {
  const available = buf.length - pos;
  if (available < LOG_OVERHEAD) {
    return corrupt(`truncated record batch at byte ${pos}: ${available} bytes, the batch framing alone needs ${LOG_OVERHEAD}`);
  }
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
  if (available > MAGIC_OFFSET) {
    // Legacy message sets (magic 0/1) keep their magic at the same position; say so precisely.
    const magic = buf.readInt8(pos + MAGIC_OFFSET);
    if (magic === 0 || magic === 1) {
      return {
        ok: false,
        error: 'UNSUPPORTED_FOR_MESSAGE_FORMAT',
        message: `message format v${magic} (magic ${magic}) is not supported; only record batches with magic 2 are`,
      };
    }
    if (magic !== MAGIC_V2) return corrupt(`record batch at byte ${pos} has unknown magic ${magic}`);
  }
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    return corrupt(`record batch at byte ${pos} declares length ${batchLength}, below the minimum ${BATCH_HEADER_SIZE - LOG_OVERHEAD}`);
  }
  const size = LOG_OVERHEAD + batchLength;
  if (size > available) {
    return corrupt(`truncated record batch at byte ${pos}: declares ${size} bytes, ${available} available`);
  }
  const batch = buf.subarray(pos, pos + size);
  const storedCrc = batch.readUInt32BE(CRC_OFFSET);
  const actualCrc = computeBatchCrc(batch);
  if (storedCrc !== actualCrc) {
    return corrupt(`record batch at byte ${pos} fails its CRC-32C check (stored ${hex(storedCrc)}, computed ${hex(actualCrc)})`);
  }
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  const codec = attributes & COMPRESSION_CODEC_MASK;
  if (codec >= COMPRESSION_CODECS.length) return invalid(`record batch at byte ${pos} uses unknown compression codec id ${codec}`);
  const recordCount = batch.readInt32BE(RECORD_COUNT_OFFSET);
  if (recordCount < 1) return invalid(`record batch at byte ${pos} has invalid record count ${recordCount}`);
  const lastOffsetDelta = batch.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
  // Kafka checks this for every batch (LogValidator): offsets are assigned from it, so a
  // mismatch would corrupt the log's offset sequence.
  if (lastOffsetDelta !== recordCount - 1) {
    return invalid(`record batch at byte ${pos} has lastOffsetDelta ${lastOffsetDelta} but ${recordCount} records`);
  }
  if (codec === 0) {
    const problem = checkRecords(batch, RECORDS_OFFSET, size, recordCount);
    if (problem !== null) return invalid(`record batch at byte ${pos}: ${problem}`);
  }
  return { ok: true, size };
}

function corrupt(message: string): { ok: false; error: BatchErrorCode; message: string } {
  return { ok: false, error: 'CORRUPT_MESSAGE', message };
}

function invalid(message: string): { ok: false; error: BatchErrorCode; message: string } {
  return { ok: false, error: 'INVALID_RECORD', message };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Splits the concatenated batches of a Produce `records` field into per-batch slices (views
 * of `records`, no copy), validating each. An empty buffer gives zero batches: whether that is
 * acceptable is the caller's decision. Never throws, whatever the bytes.
 */
export function splitRecordBatches(records: Buffer): SplitResult {
  try {
    const batches: Buffer[] = [];
    let pos = 0;
    while (pos < records.length) {
      const check = checkBatch(records, pos);
      if (!check.ok) return check;
      batches.push(records.subarray(pos, pos + check.size));
      pos += check.size;
    }
    return { ok: true, batches };
  } catch (e) {
    // Unreachable by construction; kept so that a bug here costs one request, not the broker.
    return corrupt(`record batch validation failed: ${(e as Error).message}`);
  }
}

/** Validates that `batch` is exactly one well-formed batch (used by log recovery). */
export function validateBatch(batch: Buffer): BatchCheck {
  const check = checkBatch(batch, 0);
  if (check.ok && check.size !== batch.length) {
    return corrupt(`${batch.length - check.size} bytes follow the record batch`);
  }
  return check;
}

/** Rewrites baseOffset in place; it lies outside the CRC. */
export function setBaseOffset(batch: Buffer, offset: number): void {
  writeInt64(batch, BASE_OFFSET_OFFSET, offset);
}

/** Rewrites partitionLeaderEpoch in place; it lies outside the CRC. */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  batch.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Stamps a batch with the broker's append time, as Kafka does for topics with
 * message.timestamp.type=LogAppendTime: set the timestamp-type bit and maxTimestamp (readers
 * then use maxTimestamp for every record) and recompute the CRC, which covers both.
 */
export function setLogAppendTime(batch: Buffer, timestamp: number): void {
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  batch.writeInt16BE(attributes | TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
  writeInt64(batch, MAX_TIMESTAMP_OFFSET, timestamp);
  batch.writeUInt32BE(computeBatchCrc(batch.subarray(0, LOG_OVERHEAD + batch.readInt32BE(BATCH_LENGTH_OFFSET))), CRC_OFFSET);
}
