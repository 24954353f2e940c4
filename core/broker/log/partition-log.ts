// The append-only log of one partition, laid out like Kafka's: a directory of segments
// <base>.log with sparse <base>.index / <base>.timeindex files, a log-start-offset checkpoint,
// and a clean-shutdown marker that decides whether open() must re-validate the tail.
// dir = null keeps everything in memory with the same behaviour minus the files.
import { mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  decodeRecordBatch,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../../protocol/records/index.js';
import {
  consumeCleanShutdownMarker,
  fsyncDir,
  readLogStartOffset,
  writeCleanShutdownMarker,
  writeLogStartOffset,
} from './files.js';
import { INDEX_FILE, LogSegment, MAX_RELATIVE_OFFSET, SEGMENT_FILE } from './segment.js';
import {
  DEFAULT_INDEX_INTERVAL_BYTES,
  OffsetOutOfRangeError,
  type BatchInfo,
  type FlushPolicy,
  type LogConfig,
} from './types.js';

export interface PartitionLogOptions {
  /** Partition directory (created if missing); null = in memory. */
  dir: string | null;
  config: LogConfig;
  flush: FlushPolicy;
  /** Clock for segment age and retention; defaults to Date.now. */
  now?: () => number;
}

export interface AppendOptions {
  /** Stamp every batch with this LogAppendTime (sets the attribute bit and maxTimestamp). */
  logAppendTime?: number;
  /** Rewrite every batch's partitionLeaderEpoch (outside the CRC), as a Kafka leader does. */
  partitionLeaderEpoch?: number;
}

export interface ReadOptions {
  /** Exclusive: only batches whose baseOffset is below it (e.g. the LSO). */
  upperBound?: number;
  /** Return the first batch even if it is larger than maxBytes (KIP-74). */
  minOneBatch?: boolean;
}

/** What open() found. */
export interface RecoveryReport {
  /** The clean-shutdown marker was present. */
  clean: boolean;
  /** Bytes cut off torn or corrupt tails. */
  truncatedBytes: number;
  /** Segments dropped because an earlier one had to be truncated. */
  droppedSegments: number;
}

export class PartitionLog {
  private segments: LogSegment[];
  private _logStartOffset: number;
  private config: LogConfig;
  private closed = false;
  private flushTimer: NodeJS.Timeout | null = null;
  /** Real time of the last fsync, for the 'interval' policy. */
  private lastFlushAt = Date.now();
  /** An error from a background (interval) flush, rethrown by the next flush() or append(). */
  private pendingFlushError: unknown = null;
  private fsyncs = 0;

  private constructor(
    private readonly dir: string | null,
    config: LogConfig,
    private readonly flushPolicy: FlushPolicy,
    private readonly now: () => number,
    segments: LogSegment[],
    logStartOffset: number,
    readonly recovery: RecoveryReport,
  ) {
    this.config = { ...config };
    this.segments = segments;
    this._logStartOffset = logStartOffset;
  }

  static open(opts: PartitionLogOptions): PartitionLog {
    const now = opts.now ?? Date.now;
    const interval = opts.config.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL_BYTES;
    if (opts.dir === null) {
      return new PartitionLog(null, opts.config, opts.flush, now, [LogSegment.create(null, 0, now())], 0, {
        clean: true,
        truncatedBytes: 0,
        droppedSegments: 0,
      });
    }
    const dir = opts.dir;
    mkdirSync(dir, { recursive: true });
    const clean = consumeCleanShutdownMarker(dir);
    const names = readdirSync(dir);
    const bases = names
      .map((n) => SEGMENT_FILE.exec(n)?.[1])
      .filter((b): b is string => b !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const baseSet = new Set(bases);
    for (const n of names) {
      const m = INDEX_FILE.exec(n);
      // Leftovers: temporary files of interrupted atomic writes, indexes whose log was deleted.
      if (n.endsWith('.tmp') || (m && !baseSet.has(Number(m[1])))) unlinkSync(join(dir, n));
    }

    const report: RecoveryReport = { clean, truncatedBytes: 0, droppedSegments: 0 };
    const segments: LogSegment[] = [];
    for (let i = 0; i < bases.length; i++) {
      const seg = LogSegment.openFiles(dir, bases[i]!, now());
      segments.push(seg);
      const isActive = i === bases.length - 1;
      if (isActive && !clean) {
        report.truncatedBytes += seg.recover(interval);
      } else if (!seg.loadIndexes(isActive)) {
        const cut = seg.recover(interval);
        report.truncatedBytes += cut;
        if (cut > 0 && !isActive) {
          // The log must stay contiguous: what followed the damage cannot be kept (as Kafka).
          for (const b of bases.slice(i + 1)) {
            const later = LogSegment.openFiles(dir, b, now());
            later.delete();
            report.droppedSegments++;
          }
          break;
        }
      }
    }
    for (let i = 0; i + 1 < segments.length; i++) segments[i]!.nextOffset = segments[i + 1]!.baseOffset;

    const checkpoint = readLogStartOffset(dir);
    if (segments.length === 0) segments.push(LogSegment.create(dir, checkpoint ?? 0, now()));
    let logStartOffset = Math.max(checkpoint ?? 0, segments[0]!.baseOffset);
    const logEndOffset = segments[segments.length - 1]!.nextOffset;
    if (logStartOffset > logEndOffset) {
      // Recovery lost offsets that were already below the log start (deleted records): start
      // an empty log at the log start offset, as Kafka does.
      for (const s of segments) s.delete();
      segments.length = 0;
      segments.push(LogSegment.create(dir, logStartOffset, now()));
    }
    // No checkpoint means 0, so a fresh partition costs no fsync here.
    if ((checkpoint ?? 0) !== logStartOffset) writeLogStartOffset(dir, logStartOffset);
    return new PartitionLog(dir, opts.config, opts.flush, now, segments, logStartOffset, report);
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  /** Single node: the high watermark is the log end offset. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** How many times data was fsynced by the flush policy or flush() (introspection). */
  get flushCount(): number {
    return this.fsyncs;
  }

  /** Base offsets of the segments, oldest first (introspection). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private get indexInterval(): number {
    return this.config.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL_BYTES;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`partition log ${this.dir ?? '(in memory)'} is closed`);
  }

  /**
   * Appends whole batches (as validated by splitRecordBatches), assigning offsets by rewriting
   * each batch's baseOffset in place: batch i gets the current log end offset, which then
   * advances by lastOffsetDelta + 1. The bytes are stored as received.
   */
  append(batches: Buffer[], opts: AppendOptions = {}): { baseOffset: number; lastOffset: number } {
    this.assertOpen();
    this.rethrowFlushError();
    // Check the framing of all batches before writing any, so a bad one cannot leave half an append.
    for (const b of batches) {
      if (b.length < BATCH_HEADER_SIZE || b.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD !== b.length || b[MAGIC_OFFSET] !== MAGIC_V2) {
        throw new Error(`not a single magic-2 record batch (${b.length} bytes)`);
      }
      if (b.readInt32BE(LAST_OFFSET_DELTA_OFFSET) < 0) throw new Error('record batch has a negative lastOffsetDelta');
    }
    const firstOffset = this.logEndOffset;
    const now = this.now();
    for (const b of batches) {
      if (opts.partitionLeaderEpoch !== undefined) setPartitionLeaderEpoch(b, opts.partitionLeaderEpoch);
      if (opts.logAppendTime !== undefined) setLogAppendTime(b, opts.logAppendTime);
      const baseOffset = this.logEndOffset;
      const h = readBatchHeader(b);
      const lastOffset = baseOffset + h.lastOffsetDelta;
      this.maybeRoll(b.length, lastOffset, now);
      setBaseOffset(b, baseOffset);
      this.active.append(b, { baseOffset, lastOffset, maxTimestamp: h.maxTimestamp }, this.indexInterval, now);
    }
    if (batches.length > 0) this.afterAppend();
    return { baseOffset: firstOffset, lastOffset: this.logEndOffset - 1 };
  }

  private maybeRoll(batchSize: number, lastOffset: number, now: number): void {
    const a = this.active;
    if (a.size === 0) return;
    // Positions are int32 in the index files, so 2 GiB is a hard ceiling whatever the config.
    const full = a.size + batchSize > Math.min(this.config.segmentBytes, MAX_RELATIVE_OFFSET);
    const old = this.config.segmentMs >= 0 && now - a.createdAt > this.config.segmentMs;
    const offsetOverflow = lastOffset - a.baseOffset > MAX_RELATIVE_OFFSET;
    if (full || old || offsetOverflow) this.roll(now);
  }

  private roll(now: number): void {
    const prev = this.active;
    prev.onBecomeInactive();
    // Rolled segments are synced whatever the policy (as Kafka does), so unclean recovery
    // only ever needs to look at the active segment.
    prev.flush(true);
    this.segments.push(LogSegment.create(this.dir, prev.nextOffset, now));
    if (this.dir) fsyncDir(this.dir);
  }

  private afterAppend(): void {
    switch (this.flushPolicy.mode) {
      case 'always':
        this.active.flush(false);
        this.lastFlushAt = Date.now();
        this.fsyncs++;
        break;
      case 'interval':
        this.scheduleFlush(this.flushPolicy.ms);
        break;
      case 'os':
        break;
    }
  }

  private scheduleFlush(ms: number): void {
    if (this.flushTimer || this.dir === null) return;
    const wait = this.lastFlushAt + ms - Date.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (this.closed) return;
      try {
        this.flush();
      } catch (e) {
        this.pendingFlushError = e;
      }
    }, wait);
    this.flushTimer.unref();
  }

  private rethrowFlushError(): void {
    if (this.pendingFlushError === null) return;
    const e = this.pendingFlushError;
    this.pendingFlushError = null;
    throw e;
  }

  /**
   * Whole batches starting with the one that contains fetchOffset, up to maxBytes in total (at
   * least one batch if minOneBatch), only batches whose baseOffset < upperBound. Throws
   * OffsetOutOfRangeError outside [logStartOffset, logEndOffset]. On disk each chunk is a fresh
   * Buffer with the batches of one segment; in memory the chunks are slices of stored batches.
   */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = {}): { chunks: Buffer[]; bytes: number } {
    this.assertOpen();
    if (fetchOffset < this._logStartOffset || fetchOffset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, this._logStartOffset, this.logEndOffset);
    }
    const upper = Math.min(opts.upperBound ?? Infinity, this.logEndOffset);
    const minOne = opts.minOneBatch ?? false;
    const chunks: Buffer[] = [];
    let bytes = 0;
    if (fetchOffset >= upper) return { chunks, bytes };
    let located = false;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      let start = 0;
      if (!located) {
        const first = seg.locate(fetchOffset);
        if (!first) continue;
        located = true;
        start = first.position;
      }
      const got = seg.collect(start, maxBytes - bytes, upper, minOne && bytes === 0);
      chunks.push(...got.chunks);
      bytes += got.bytes;
      if (got.stopped) break;
    }
    return { chunks, bytes };
  }

  /** Index of the last segment whose baseOffset <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The earliest record (at or after the log start offset) whose timestamp is >= ts, at record
   * granularity: candidate batches are decoded (decompressed if needed). LogAppendTime batches
   * count every record at the batch's append time. null if there is none.
   */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null {
    this.assertOpen();
    const start = this._logStartOffset;
    for (const seg of this.segments) {
      if (seg.nextOffset <= start || seg.size === 0 || seg.maxTimestamp < ts) continue;
      for (const info of seg.batchesFrom(seg.searchStartForTimestamp(ts))) {
        if (info.lastOffset < start || info.maxTimestamp < ts) continue;
        const { records } = decodeRecordBatch(seg.read(info.position, info.size));
        for (const r of records) {
          if (r.offset >= start && r.timestamp >= ts) return { offset: r.offset, timestamp: r.timestamp };
        }
      }
    }
    return null;
  }

  /**
   * Advances the log start offset to `offset` (DeleteRecords), persists it, and drops the
   * segments wholly below it (never the active one). Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    this.assertOpen();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.logEndOffset) {
      throw new RangeError(`cannot delete records before ${offset}: the log ends at ${this.logEndOffset}`);
    }
    if (offset > this._logStartOffset) this.setLogStartOffset(offset);
    this.deleteSegmentsBelowLogStart();
    return this._logStartOffset;
  }

  updateConfig(config: LogConfig): void {
    this.config = { ...config };
  }

  /**
   * Deletes old segments (oldest first, never the active one): those whose newest record is
   * older than retentionMs, then as many as keep the log at or above retentionBytes, then any
   * wholly below the log start offset. The log start offset moves up to the first kept segment.
   */
  enforceRetention(): { deletedSegments: number; newLogStartOffset: number } {
    this.assertOpen();
    const now = this.now();
    let deleted = 0;
    const { retentionMs, retentionBytes } = this.config;
    if (retentionMs >= 0) {
      while (this.segments.length > 1 && now - this.segments[0]!.largestTimestamp > retentionMs) {
        this.deleteOldestSegment();
        deleted++;
      }
    }
    if (retentionBytes >= 0) {
      let excess = this.sizeBytes - retentionBytes;
      while (this.segments.length > 1 && excess - this.segments[0]!.size >= 0) {
        excess -= this.segments[0]!.size;
        this.deleteOldestSegment();
        deleted++;
      }
    }
    deleted += this.deleteSegmentsBelowLogStart();
    return { deletedSegments: deleted, newLogStartOffset: this._logStartOffset };
  }

  private deleteSegmentsBelowLogStart(): number {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= this._logStartOffset) {
      this.deleteOldestSegment();
      deleted++;
    }
    return deleted;
  }

  private deleteOldestSegment(): void {
    const seg = this.segments[0]!;
    const next = this.segments[1]!;
    // Checkpoint first: a crash between the two leaves a segment below the log start, which
    // the next retention pass removes; the other order could resurrect deleted offsets.
    if (next.baseOffset > this._logStartOffset) this.setLogStartOffset(next.baseOffset);
    this.segments.shift();
    seg.delete();
  }

  private setLogStartOffset(offset: number): void {
    if (this.dir) writeLogStartOffset(this.dir, offset);
    this._logStartOffset = offset;
  }

  /** fsyncs the active segment and its indexes (rolled segments were synced when rolled). */
  flush(): void {
    if (this.closed) return;
    this.rethrowFlushError();
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    this.active.flush(true);
    this.lastFlushAt = Date.now();
    this.fsyncs++;
  }

  /** Flushes, closes files and leaves the clean-shutdown marker. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.shutdown();
    if (this.dir) writeCleanShutdownMarker(this.dir);
  }

  /** Closes the log and removes its directory. */
  deleteFiles(): void {
    if (!this.closed) this.shutdown();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    else for (const s of this.segments) s.delete();
  }

  private shutdown(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    this.closed = true;
    const a = this.active;
    a.onBecomeInactive(); // so the reopened time index knows the segment's largest timestamp
    try {
      a.flush(true);
    } finally {
      for (const s of this.segments) s.close();
    }
  }

  /** Every stored batch, oldest first, with its position inside its segment. */
  *batches(): Iterable<BatchInfo & { segmentBaseOffset: number }> {
    this.assertOpen();
    for (const seg of this.segments) {
      for (const info of seg.batchesFrom(0)) yield { ...info, segmentBaseOffset: seg.baseOffset };
    }
  }
}
