// Public API of the magic-2 record batch codec.
export { crc32c } from './crc32c.js';
export {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODECS,
  COMPRESSION_CODEC_MASK,
  CONTROL_MASK,
  CRC_COVERED_FROM,
  CRC_OFFSET,
  DELETE_HORIZON_MASK,
  FIRST_TIMESTAMP_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_OFFSET,
  RECORD_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
  checkBatch,
  compressionId,
  compressionOf,
  computeBatchCrc,
  isControl,
  isTransactional,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitRecordBatches,
  timestampType,
  validateBatch,
} from './batch.js';
export type { BatchCheck, BatchErrorCode, BatchHeader, Compression, SplitResult } from './batch.js';
export { decodeRecordBatch, encodeRecordBatch } from './codec.js';
export type { DecodedBatch, EncodeBatchOptions } from './codec.js';
export type { KafkaRecord, RecordHeaderInput, RecordInput } from './record.js';
export { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression.js';
export {
  decodeControlRecord,
  decodeEndTxnMarkerValue,
  encodeControlBatch,
  encodeControlKey,
  encodeEndTxnMarkerValue,
} from './control.js';
export type { ControlBatchOptions, ControlType } from './control.js';
