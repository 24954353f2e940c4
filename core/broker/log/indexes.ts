// Sparse per-segment indexes, Kafka style, kept in memory and (on disk) mirrored to files:
//   <base>.index      entries of (relativeOffset int32, position int32): the batch starting at
//                     baseOffset + relativeOffset lies at `position`. One entry per
//                     index.interval.bytes of log, so memory stays ~8 bytes per 4 KiB.
//   <base>.timeindex  entries of (timestamp int64, relativeOffset int32): every record up to
//                     the batch holding that offset has a timestamp <= `timestamp`. Timestamps
//                     strictly increase; the last entry is the segment's largest timestamp
//                     once the segment is rolled or closed.
// Entries are appended, never preallocated, so a torn write shows as a file size that is not
// a multiple of the entry size, and loading reports the file as unusable (then it is rebuilt).
import { existsSync } from 'node:fs';
import { FileStore } from './store.js';

/** Append-only file of fixed-size entries: the segment file store, plus whether it existed. */
class EntryFile {
  private store: FileStore;
  /** False if the file had to be created: a non-empty segment without it needs a rebuild. */
  readonly existed: boolean;

  constructor(readonly path: string) {
    this.existed = existsSync(path);
    this.store = FileStore.open(path);
  }

  readAll(): Buffer {
    return this.store.read(0, this.store.size);
  }

  append(data: Buffer): void {
    this.store.append(data);
  }

  rewrite(data: Buffer): void {
    this.store.truncate(0);
    this.store.append(data);
  }

  flush(): void {
    this.store.flush();
  }

  close(): void {
    this.store.close();
  }

  delete(): void {
    this.store.delete();
  }
}

/** A growable column of numbers (Float64: offsets and positions may pass 2^31 in memory). */
class Column {
  data = new Float64Array(16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  clear(): void {
    this.data = new Float64Array(16);
    this.length = 0;
  }
}

/** Largest i with col[i] <= target (or < target when strict), else -1. col is increasing. */
function floorIndex(col: Column, target: number, strict: boolean): number {
  let lo = 0;
  let hi = col.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = col.at(mid);
    if (strict ? v < target : v <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export class OffsetIndex {
  static readonly ENTRY_SIZE = 8;
  private rel = new Column();
  private pos = new Column();
  private file: EntryFile | null;

  constructor(path: string | null) {
    this.file = path === null ? null : new EntryFile(path);
  }

  get entries(): number {
    return this.rel.length;
  }

  get lastPosition(): number {
    return this.pos.length === 0 ? 0 : this.pos.at(this.pos.length - 1);
  }

  /**
   * Loads the file; false (and empty) if it is missing, torn, or inconsistent with a log of
   * logSize bytes.
   */
  load(logSize: number): boolean {
    if (!this.file) return true;
    const buf = this.file.readAll();
    this.rel.clear();
    this.pos.clear();
    if ((!this.file.existed && logSize > 0) || buf.length % OffsetIndex.ENTRY_SIZE !== 0) return false;
    for (let i = 0; i < buf.length; i += OffsetIndex.ENTRY_SIZE) {
      const rel = buf.readInt32BE(i);
      const pos = buf.readInt32BE(i + 4);
      const ok =
        rel >= 0 && pos >= 0 && pos < logSize && (this.rel.length === 0 || (rel > this.rel.at(this.rel.length - 1) && pos > this.lastPosition));
      if (!ok) {
        this.rel.clear();
        this.pos.clear();
        return false;
      }
      this.rel.push(rel);
      this.pos.push(pos);
    }
    return true;
  }

  append(relOffset: number, position: number): void {
    this.rel.push(relOffset);
    this.pos.push(position);
    if (this.file) {
      const b = Buffer.allocUnsafe(OffsetIndex.ENTRY_SIZE);
      b.writeInt32BE(relOffset, 0);
      b.writeInt32BE(position, 4);
      this.file.append(b);
    }
  }

  /** Position of the last indexed batch starting at or before relOffset (0 if none). */
  lookup(relOffset: number): number {
    const i = floorIndex(this.rel, relOffset, false);
    return i < 0 ? 0 : this.pos.at(i);
  }

  /** Replaces all entries (after a rebuild). */
  reset(entries: readonly [number, number][]): void {
    this.rel.clear();
    this.pos.clear();
    const b = Buffer.allocUnsafe(entries.length * OffsetIndex.ENTRY_SIZE);
    entries.forEach(([rel, pos], i) => {
      this.rel.push(rel);
      this.pos.push(pos);
      b.writeInt32BE(rel, i * OffsetIndex.ENTRY_SIZE);
      b.writeInt32BE(pos, i * OffsetIndex.ENTRY_SIZE + 4);
    });
    this.file?.rewrite(b);
  }

  flush(): void {
    this.file?.flush();
  }

  close(): void {
    this.file?.close();
  }

  delete(): void {
    this.file?.delete();
  }
}

export class TimeIndex {
  static readonly ENTRY_SIZE = 12;
  private ts = new Column();
  private rel = new Column();
  private file: EntryFile | null;

  constructor(path: string | null) {
    this.file = path === null ? null : new EntryFile(path);
  }

  get entries(): number {
    return this.ts.length;
  }

  /** The newest entry, or null. */
  get last(): { timestamp: number; relOffset: number } | null {
    const n = this.ts.length;
    return n === 0 ? null : { timestamp: this.ts.at(n - 1), relOffset: this.rel.at(n - 1) };
  }

  /** Loads the file; false (and empty) if it is missing (for a non-empty log) or torn. */
  load(logSize: number): boolean {
    if (!this.file) return true;
    const buf = this.file.readAll();
    this.ts.clear();
    this.rel.clear();
    if ((!this.file.existed && logSize > 0) || buf.length % TimeIndex.ENTRY_SIZE !== 0) return false;
    for (let i = 0; i < buf.length; i += TimeIndex.ENTRY_SIZE) {
      const ts = Number(buf.readBigInt64BE(i));
      const rel = buf.readInt32BE(i + 8);
      const n = this.ts.length;
      if (rel < 0 || (n > 0 && (ts <= this.ts.at(n - 1) || rel < this.rel.at(n - 1)))) {
        this.ts.clear();
        this.rel.clear();
        return false;
      }
      this.ts.push(ts);
      this.rel.push(rel);
    }
    return true;
  }

  /** Appends only if the timestamp is newer than the last entry's. */
  maybeAppend(timestamp: number, relOffset: number): void {
    const last = this.last;
    if (last && timestamp <= last.timestamp) return;
    this.ts.push(timestamp);
    this.rel.push(relOffset);
    if (this.file) this.file.append(encodeTimeEntry(timestamp, relOffset));
  }

  /**
   * Relative offset from which a search for the first record with timestamp >= target can
   * start: the entry with the largest timestamp strictly below target (everything up to its
   * batch is older than target), or 0.
   */
  startFor(timestamp: number): number {
    const i = floorIndex(this.ts, timestamp, true);
    return i < 0 ? 0 : this.rel.at(i);
  }

  reset(entries: readonly [number, number][]): void {
    this.ts.clear();
    this.rel.clear();
    for (const [ts, rel] of entries) {
      this.ts.push(ts);
      this.rel.push(rel);
    }
    this.file?.rewrite(Buffer.concat(entries.map(([ts, rel]) => encodeTimeEntry(ts, rel))));
  }

  flush(): void {
    this.file?.flush();
  }

  close(): void {
    this.file?.close();
  }

  delete(): void {
    this.file?.delete();
  }
}

function encodeTimeEntry(timestamp: number, relOffset: number): Buffer {
  const b = Buffer.allocUnsafe(TimeIndex.ENTRY_SIZE);
  b.writeBigInt64BE(BigInt(timestamp), 0);
  b.writeInt32BE(relOffset, 8);
  return b;
}
