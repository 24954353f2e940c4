// Shared types of the partition log.

/**
 * When appended bytes are forced to disk: 'always' after every append (fdatasync), 'interval'
 * at most every `ms` milliseconds, 'os' whenever the OS writes them back (Kafka's default).
 * Segments are always synced when they are rolled, and everything is synced on close().
 */
export type FlushPolicy = { mode: 'os' } | { mode: 'always' } | { mode: 'interval'; ms: number };

export interface LogConfig {
  /** Roll a new segment before the active one would exceed this many bytes. */
  segmentBytes: number;
  /** Roll a new segment when the active one is older than this. */
  segmentMs: number;
  /** Delete segments whose newest record is older than this; -1 = unlimited. */
  retentionMs: number;
  /** Delete old segments while the log would stay at or above this size; -1 = unlimited. */
  retentionBytes: number;
  /** Bytes between offset-index entries (Kafka's index.interval.bytes), default 4096. */
  indexIntervalBytes?: number;
}

export const DEFAULT_INDEX_INTERVAL_BYTES = 4096;

/** One stored batch, as the log sees it. `position` is its byte position within its segment. */
export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  position: number;
  size: number;
  maxTimestamp: number;
}

/** A read outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends RangeError {
  override name = 'OffsetOutOfRangeError';
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} is outside the log's range [${logStartOffset}, ${logEndOffset}]`);
  }
}
