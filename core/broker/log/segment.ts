// One segment: the batches from `baseOffset` up to the next segment's base offset, in
// <base 20 digits>.log, with its sparse offset and time indexes.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE_OFFSET_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_V2,
  readBatchHeader,
  validateBatch,
} from '../../protocol/records/index.js';
import { OffsetIndex, TimeIndex } from './indexes.js';
import { FileStore, MemoryStore, ReadAhead, type SegmentStore } from './store.js';
import type { BatchInfo } from './types.js';

/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;
/** Relative offsets and positions are int32 in the index files. */
export const MAX_RELATIVE_OFFSET = 0x7fffffff;

export function segmentFileName(baseOffset: number, suffix: '.log' | '.index' | '.timeindex'): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

export const SEGMENT_FILE = /^(\d{20})\.log$/;
export const INDEX_FILE = /^(\d{20})\.(index|timeindex)$/;

/** Reads just the fields the log needs from a batch header: this runs once per batch scanned. */
export function batchInfoOf(header: Buffer, position: number): BatchInfo {
  if (header.length < BATCH_HEADER_SIZE) readBatchHeader(header, 0); // throws the descriptive RangeError
  const baseOffset = readInt64(header, BASE_OFFSET_OFFSET);
  return {
    baseOffset,
    lastOffset: baseOffset + header.readInt32BE(LAST_OFFSET_DELTA_OFFSET),
    position,
    size: LOG_OVERHEAD + header.readInt32BE(BATCH_LENGTH_OFFSET),
    maxTimestamp: readInt64(header, MAX_TIMESTAMP_OFFSET),
  };
}

const TWO_32 = 4294967296;
function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

export class LogSegment {
  /** The offset after this segment's last batch (its baseOffset while empty). */
  nextOffset: number;
  /** Largest batch maxTimestamp appended so far, and the last offset of that batch. */
  maxTimestamp = NO_TIMESTAMP;
  offsetOfMaxTimestamp: number;
  /** Clock time of creation (or of opening, for a reopened segment, as Kafka does). */
  createdAt: number;
  /** Clock time of the last append (file mtime for a reopened segment). */
  lastModified: number;
  private bytesSinceIndexEntry = 0;

  private constructor(
    readonly baseOffset: number,
    readonly store: SegmentStore,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    now: number,
    lastModified: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.createdAt = now;
    this.lastModified = lastModified;
  }

  /** A new, empty segment (files created if dir is given). */
  static create(dir: string | null, baseOffset: number, now: number): LogSegment {
    if (dir === null) return new LogSegment(baseOffset, new MemoryStore(), new OffsetIndex(null), new TimeIndex(null), now, now);
    const seg = LogSegment.openFiles(dir, baseOffset, now);
    if (seg.size !== 0) seg.store.truncate(0);
    seg.offsetIndex.reset([]);
    seg.timeIndex.reset([]);
    return seg;
  }

  /** Opens an existing segment's files; indexes are not loaded yet (see loadIndexes/recover). */
  static openFiles(dir: string, baseOffset: number, now: number): LogSegment {
    const logPath = join(dir, segmentFileName(baseOffset, '.log'));
    const store = FileStore.open(logPath);
    const mtime = statSync(logPath).mtimeMs;
    return new LogSegment(
      baseOffset,
      store,
      new OffsetIndex(join(dir, segmentFileName(baseOffset, '.index'))),
      new TimeIndex(join(dir, segmentFileName(baseOffset, '.timeindex'))),
      now,
      Math.floor(mtime),
    );
  }

  get size(): number {
    return this.store.size;
  }

  /** The segment's newest record time for retention: the max timestamp, else the last write. */
  get largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.lastModified;
  }

  /** Appends one batch whose offsets the log has already assigned. */
  append(batch: Buffer, info: { baseOffset: number; lastOffset: number; maxTimestamp: number }, indexInterval: number, now: number): void {
    const position = this.store.size;
    this.store.append(batch);
    this.nextOffset = info.lastOffset + 1;
    this.lastModified = now;
    if (info.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = info.maxTimestamp;
      this.offsetOfMaxTimestamp = info.lastOffset;
    }
    if (this.bytesSinceIndexEntry >= indexInterval) {
      this.offsetIndex.append(info.baseOffset - this.baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += batch.length;
  }

  /** The batch at `position` (a batch boundary), read through `reader`; throws if implausible. */
  private batchAt(reader: ReadAhead, position: number): BatchInfo {
    if (this.store.size - position < BATCH_HEADER_SIZE) throw this.corrupt(position, 'a batch header runs past the end');
    const info = batchInfoOf(reader.view(position, BATCH_HEADER_SIZE), position);
    if (info.size < BATCH_HEADER_SIZE || position + info.size > this.store.size) {
      throw this.corrupt(position, `implausible batch size ${info.size}`);
    }
    return info;
  }

  private corrupt(position: number, what: string): Error {
    return new Error(`segment ${this.baseOffset} is corrupt at byte ${position}: ${what}`);
  }

  /** Batches from `position` (a batch boundary) to the end. */
  *batchesFrom(position = 0, reader = new ReadAhead(this.store)): Generator<BatchInfo> {
    for (let pos = position; pos < this.store.size; ) {
      const info = this.batchAt(reader, pos);
      yield info;
      pos += info.size;
    }
  }

  /**
   * Whole batches from `start` (a boundary) while their baseOffset < upper and they fit in
   * `budget` bytes (the first one regardless if forceFirst). `stopped` is true when a batch was
   * refused, i.e. the caller should not continue into the next segment.
   */
  collect(start: number, budget: number, upper: number, forceFirst: boolean): { chunks: Buffer[]; bytes: number; stopped: boolean } {
    const reader = new ReadAhead(this.store, Math.min(Math.max(budget, BATCH_HEADER_SIZE), 1 << 20));
    let end = start;
    let stopped = false;
    for (const info of this.batchesFrom(start, reader)) {
      const taken = end - start;
      if (info.baseOffset >= upper || (taken + info.size > budget && !(forceFirst && taken === 0))) {
        stopped = true;
        break;
      }
      end += info.size;
    }
    const bytes = end - start;
    if (bytes === 0) return { chunks: [], bytes, stopped };
    // On disk the range is usually inside the read-ahead window already: no second read.
    const chunks = this.store.sliceable ? this.store.readChunks(start, bytes) : [reader.view(start, bytes)];
    return { chunks, bytes, stopped };
  }

  /** The first batch whose lastOffset >= offset, or null if the segment ends before it. */
  locate(offset: number): BatchInfo | null {
    const start = this.offsetIndex.lookup(Math.min(MAX_RELATIVE_OFFSET, Math.max(0, offset - this.baseOffset)));
    for (const info of this.batchesFrom(start)) if (info.lastOffset >= offset) return info;
    return null;
  }

  /**
   * Where to start looking for the first record with timestamp >= ts: the time index skips
   * the part of the segment whose records are all older.
   */
  searchStartForTimestamp(ts: number): number {
    return this.offsetIndex.lookup(this.timeIndex.startFor(ts));
  }

  read(position: number, length: number): Buffer {
    return this.store.read(position, length);
  }

  /**
   * Clean-open path: trust the index files and find the tail by walking batch headers from the
   * last indexed position. Returns false if anything is inconsistent (then call recover()).
   */
  loadIndexes(isActive: boolean): boolean {
    if (!this.offsetIndex.load(this.size) || !this.timeIndex.load(this.size)) return false;
    const lastTime = this.timeIndex.last;
    if (lastTime) {
      this.maxTimestamp = lastTime.timestamp;
      this.offsetOfMaxTimestamp = this.baseOffset + lastTime.relOffset;
    }
    if (!isActive) return true;
    // The active segment: walk the tail to find nextOffset, and fold the tail's timestamps in.
    try {
      let expected: number | null = null;
      for (const info of this.batchesFrom(this.offsetIndex.lastPosition)) {
        if (expected !== null && info.baseOffset !== expected) return false;
        expected = info.lastOffset + 1;
        this.nextOffset = expected;
        if (info.maxTimestamp > this.maxTimestamp) {
          this.maxTimestamp = info.maxTimestamp;
          this.offsetOfMaxTimestamp = info.lastOffset;
        }
      }
      this.bytesSinceIndexEntry = this.size - this.offsetIndex.lastPosition;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Unclean-open path: validate every batch (framing, magic, CRC, record structure, offsets
   * continuing from the previous batch), truncate at the first bad or torn one, and rebuild
   * both indexes. Returns the number of bytes cut off.
   */
  recover(indexInterval: number): number {
    const offsetEntries: [number, number][] = [];
    const timeEntries: [number, number][] = [];
    let pos = 0;
    let expected = this.baseOffset;
    let maxTs = NO_TIMESTAMP;
    let offsetOfMax = this.baseOffset;
    let sinceEntry = 0;
    const reader = new ReadAhead(this.store, 1 << 20);
    while (this.size - pos >= LOG_OVERHEAD) {
      const frame = reader.view(pos, Math.min(MAGIC_OFFSET + 1, this.size - pos));
      const size = LOG_OVERHEAD + frame.readInt32BE(BATCH_LENGTH_OFFSET);
      if (frame.length > MAGIC_OFFSET && frame.readInt8(MAGIC_OFFSET) !== MAGIC_V2) break;
      if (size < BATCH_HEADER_SIZE || pos + size > this.size) break;
      const batch = reader.view(pos, size);
      if (!validateBatch(batch).ok) break;
      const info = batchInfoOf(batch, pos);
      if (info.baseOffset !== expected) break;
      if (info.maxTimestamp > maxTs) {
        maxTs = info.maxTimestamp;
        offsetOfMax = info.lastOffset;
      }
      if (sinceEntry >= indexInterval) {
        offsetEntries.push([info.baseOffset - this.baseOffset, pos]);
        const lastTs = timeEntries[timeEntries.length - 1]?.[0];
        if (lastTs === undefined || maxTs > lastTs) timeEntries.push([maxTs, offsetOfMax - this.baseOffset]);
        sinceEntry = 0;
      }
      sinceEntry += size;
      expected = info.lastOffset + 1;
      pos += size;
    }
    const cut = this.size - pos;
    if (cut > 0) this.store.truncate(pos);
    this.offsetIndex.reset(offsetEntries);
    this.timeIndex.reset(timeEntries);
    this.nextOffset = expected;
    this.maxTimestamp = maxTs;
    this.offsetOfMaxTimestamp = offsetOfMax;
    this.bytesSinceIndexEntry = sinceEntry;
    return cut;
  }

  /** The segment stops being the active one: record its largest timestamp in the time index. */
  onBecomeInactive(): void {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
  }

  /** fsync the data; the indexes too when `all`. */
  flush(all: boolean): void {
    this.store.flush();
    if (all) {
      this.offsetIndex.flush();
      this.timeIndex.flush();
    }
  }

  close(): void {
    this.store.close();
    this.offsetIndex.close();
    this.timeIndex.close();
  }

  delete(): void {
    // The .log goes first: an index without its log is an orphan that open() cleans up.
    this.store.delete();
    this.offsetIndex.delete();
    this.timeIndex.delete();
  }
}
