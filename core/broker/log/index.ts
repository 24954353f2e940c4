// Per-partition append-only log storage.
export { PartitionLog } from './partition-log.js';
export type { AppendOptions, PartitionLogOptions, ReadOptions, RecoveryReport } from './partition-log.js';
export { DEFAULT_INDEX_INTERVAL_BYTES, OffsetOutOfRangeError } from './types.js';
export type { BatchInfo, FlushPolicy, LogConfig } from './types.js';
export { forEachBatch, forEachRecord } from './scan.js';
