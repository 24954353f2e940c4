// Byte storage behind one segment: a file (synchronous positional I/O, because the broker
// appends from its event loop and relies on append being synchronous) or memory (one Buffer
// per batch, so reads can return slices).
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

export interface SegmentStore {
  readonly size: number;
  /** Reads within one stored batch are free slices (memory), so read-ahead is pointless. */
  readonly sliceable: boolean;
  append(data: Buffer): void;
  /** Exactly `length` bytes from `position`; throws if they are not all there. */
  read(position: number, length: number): Buffer;
  /** The same bytes as read(), as one or more chunks (memory: slices of the stored batches). */
  readChunks(position: number, length: number): Buffer[];
  truncate(size: number): void;
  flush(): void;
  close(): void;
  /** Closes and removes the backing file, if any. */
  delete(): void;
}

/**
 * Sequential reads through a window, so walking batch headers costs one syscall per window
 * rather than one per batch. Views are slices of the window (or of the store, in memory).
 */
export class ReadAhead {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly store: SegmentStore,
    private readonly windowBytes = 64 * 1024,
  ) {}

  /** [position, position + length), which must lie inside the store. */
  view(position: number, length: number): Buffer {
    if (this.store.sliceable) return this.store.read(position, length);
    if (position < this.start || position + length > this.start + this.buf.length) {
      this.start = position;
      this.buf = this.store.read(position, Math.min(this.store.size - position, Math.max(length, this.windowBytes)));
    }
    return this.buf.subarray(position - this.start, position - this.start + length);
  }
}

export class FileStore implements SegmentStore {
  readonly sliceable = false;
  private fd: number;
  private _size: number;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    this._size = fstatSync(fd).size;
  }

  /** Opens (creating if needed) without O_APPEND: writes are positional at our own `size`. */
  static open(path: string): FileStore {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fd = openSync(path, 'w+');
    }
    return new FileStore(path, fd);
  }

  get size(): number {
    return this._size;
  }

  append(data: Buffer): void {
    const start = this._size;
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, start + done);
    } catch (e) {
      // Leave no partial batch behind (e.g. ENOSPC halfway): the log's state stays what it was.
      try {
        ftruncateSync(this.fd, start);
      } catch {
        // recovery on the next open truncates it anyway
      }
      throw e;
    }
    this._size = start + data.length;
  }

  read(position: number, length: number): Buffer {
    if (position < 0 || length < 0 || position + length > this._size) {
      throw new RangeError(`read of ${length} bytes at ${position} is outside ${this.path} (${this._size} bytes)`);
    }
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, position + done);
      if (n === 0) throw new Error(`unexpected end of ${this.path} at ${position + done}`);
      done += n;
    }
    return out;
  }

  readChunks(position: number, length: number): Buffer[] {
    return length === 0 ? [] : [this.read(position, length)];
  }

  truncate(size: number): void {
    ftruncateSync(this.fd, size);
    this._size = size;
  }

  flush(): void {
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  delete(): void {
    this.close();
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

export class MemoryStore implements SegmentStore {
  readonly sliceable = true;
  private chunks: Buffer[] = [];
  /** Start position of each chunk, for binary search. */
  private starts: number[] = [];
  private _size = 0;

  get size(): number {
    return this._size;
  }

  /** Copies, so the log never pins the (possibly much larger) request frame `data` views. */
  append(data: Buffer): void {
    const copy = Buffer.allocUnsafeSlow(data.length);
    data.copy(copy);
    this.chunks.push(copy);
    this.starts.push(this._size);
    this._size += data.length;
  }

  private chunkIndex(position: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  read(position: number, length: number): Buffer {
    if (position >= 0 && length >= 0 && position + length <= this._size) {
      // Fast path: inside one stored batch (every header read is).
      const i = this.chunkIndex(position);
      const start = this.starts[i]!;
      const chunk = this.chunks[i]!;
      if (position + length <= start + chunk.length) return chunk.subarray(position - start, position - start + length);
    }
    const chunks = this.readChunks(position, length);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  }

  readChunks(position: number, length: number): Buffer[] {
    if (position < 0 || length < 0 || position + length > this._size) {
      throw new RangeError(`read of ${length} bytes at ${position} is outside the segment (${this._size} bytes)`);
    }
    const out: Buffer[] = [];
    let i = this.chunkIndex(position);
    let pos = position;
    const end = position + length;
    while (pos < end) {
      const chunk = this.chunks[i]!;
      const start = this.starts[i]!;
      const from = pos - start;
      const to = Math.min(chunk.length, end - start);
      out.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
      pos = start + to;
      i++;
    }
    return out;
  }

  truncate(size: number): void {
    while (this.chunks.length > 0 && this.starts[this.starts.length - 1]! >= size) {
      this.chunks.pop();
      this.starts.pop();
    }
    const last = this.chunks.length - 1;
    if (last >= 0 && this.starts[last]! + this.chunks[last]!.length > size) {
      this.chunks[last] = this.chunks[last]!.subarray(0, size - this.starts[last]!);
    }
    this._size = Math.min(this._size, size);
  }

  flush(): void {}

  close(): void {}

  delete(): void {
    this.chunks = [];
    this.starts = [];
    this._size = 0;
  }
}
