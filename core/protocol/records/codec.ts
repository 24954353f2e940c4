// Building and reading whole batches: header + (possibly compressed) records.
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  CONTROL_MASK,
  CRC_OFFSET,
  FIRST_TIMESTAMP_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
  compressionId,
  compressionOf,
  computeBatchCrc,
  readBatchHeader,
  timestampType,
  type BatchHeader,
  type Compression,
} from './batch.js';
import { compress, decompress } from './compression.js';
import { writeInt64 } from '../primitives.js';
import { readRecords, writeRecord, type KafkaRecord, type RecordInput } from './record.js';
import { ProtocolError, Writer } from '../primitives.js';

export interface EncodeBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  compression?: Compression;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  records: RecordInput[];
}

/**
 * Encodes one magic-2 batch. Records without a timestamp get Date.now(); firstTimestamp is the
 * first record's timestamp (deltas may be negative, as with Java's producer), maxTimestamp the
 * largest. Offset deltas are 0..n-1.
 */
export function encodeRecordBatch(opts: EncodeBatchOptions): Buffer {
  const records = opts.records;
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  const compression = opts.compression ?? 'none';
  const now = Date.now();
  const timestamps = records.map((r) => r.timestamp ?? now);
  const firstTimestamp = timestamps[0]!;
  let maxTimestamp = firstTimestamp;
  for (const t of timestamps) if (t > maxTimestamp) maxTimestamp = t;

  const w = new Writer(BATCH_HEADER_SIZE + 64 * records.length);
  // Uncompressed records follow a header-sized gap that is filled in below.
  if (compression === 'none') w.raw(Buffer.alloc(BATCH_HEADER_SIZE));
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    writeRecord(w, i, timestamps[i]! - firstTimestamp, r.key ?? null, r.value ?? null, r.headers ?? []);
  }
  let batch: Buffer;
  if (compression === 'none') {
    batch = w.toBuffer();
  } else {
    const payload = compress(compression, w.toBuffer());
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length);
    payload.copy(batch, BATCH_HEADER_SIZE);
  }

  let attributes = compressionId(compression);
  if (opts.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_MASK;
  if (opts.transactional) attributes |= TRANSACTIONAL_MASK;
  if (opts.control) attributes |= CONTROL_MASK;

  writeInt64(batch, BASE_OFFSET_OFFSET, opts.baseOffset ?? 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(opts.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(MAGIC_V2, MAGIC_OFFSET);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(batch, FIRST_TIMESTAMP_OFFSET, firstTimestamp);
  writeInt64(batch, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  writeInt64(batch, PRODUCER_ID_OFFSET, opts.producerId ?? -1);
  batch.writeInt16BE(opts.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(opts.baseSequence ?? -1, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(records.length, RECORD_COUNT_OFFSET);
  batch.writeUInt32BE(computeBatchCrc(batch), CRC_OFFSET);
  return batch;
}

export interface DecodedBatch {
  header: BatchHeader;
  records: KafkaRecord[];
}

/**
 * Decodes one batch (trailing bytes after it are ignored), verifying magic, length and CRC and
 * decompressing as needed. Record offsets are baseOffset + offsetDelta; for LogAppendTime
 * batches every record's timestamp is maxTimestamp, as Kafka's readers do. Throws a
 * descriptive Error on bad input.
 */
export function decodeRecordBatch(batch: Buffer): DecodedBatch {
  if (batch.length < BATCH_HEADER_SIZE) {
    throw new Error(`record batch too short: ${batch.length} bytes, the header alone is ${BATCH_HEADER_SIZE}`);
  }
  const header = readBatchHeader(batch, 0);
  if (header.magic !== MAGIC_V2) throw new Error(`unsupported record batch magic ${header.magic} (only 2 is supported)`);
  const size = LOG_OVERHEAD + header.batchLength;
  if (size < BATCH_HEADER_SIZE || size > batch.length) {
    throw new Error(`record batch declares length ${header.batchLength} but ${batch.length - LOG_OVERHEAD} bytes are available`);
  }
  const body = batch.subarray(0, size);
  const crc = computeBatchCrc(body);
  if (crc !== header.crc) {
    throw new Error(`record batch CRC-32C mismatch: stored 0x${header.crc.toString(16)}, computed 0x${crc.toString(16)}`);
  }
  const codec = compressionOf(header.attributes);
  if (header.recordCount < 0) throw new Error(`record batch has negative record count ${header.recordCount}`);
  const data = codec === 'none' ? body : decompress(codec, body.subarray(BATCH_HEADER_SIZE));
  const start = codec === 'none' ? BATCH_HEADER_SIZE : 0;
  try {
    const records = readRecords(data, start, data.length, header.recordCount, {
      baseOffset: header.baseOffset,
      firstTimestamp: header.firstTimestamp,
      logAppendTime: timestampType(header.attributes) === 'LogAppendTime' ? header.maxTimestamp : null,
    });
    return { header, records };
  } catch (e) {
    if (e instanceof ProtocolError) throw new Error(`malformed record batch at offset ${header.baseOffset}: ${e.message}`);
    throw e;
  }
}
