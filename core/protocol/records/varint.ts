// Zigzag varints as used inside magic-2 records (Kafka ByteUtils.readVarint/readVarlong), plus a
// bounds-checked reader and a growable writer. The reader throws RecordFormatError, which the
// validators catch and turn into a result: record bytes come straight off the network.
import { writeInt64 } from './int64.js';

export class RecordFormatError extends Error {
  override name = 'RecordFormatError';
}

/** Reads fields from buf[pos, end). Every read is checked against `end`, never buf.length. */
export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new RecordFormatError('unexpected end of data inside a varint');
    return this.buf[this.pos++]!;
  }

  int8(): number {
    if (this.pos >= this.end) throw new RecordFormatError('unexpected end of data');
    return this.buf.readInt8(this.pos++);
  }

  /** Zigzag-encoded 32-bit varint, at most 5 bytes (Kafka rejects longer ones). */
  varint(): number {
    let value = 0;
    let shift = 0;
    let b: number;
    while (((b = this.byte()) & 0x80) !== 0) {
      value |= (b & 0x7f) << shift;
      shift += 7;
      if (shift > 28) throw new RecordFormatError('varint is longer than 5 bytes');
    }
    value |= b << shift;
    return (value >>> 1) ^ -(value & 1);
  }

  /** Zigzag-encoded 64-bit varint, at most 10 bytes. Small values stay on a 32-bit fast path. */
  varlong(): number {
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (lo >>> 1) ^ -(lo & 1);
    }
    let big = BigInt(lo);
    for (let shift = 28n; ; shift += 7n) {
      if (shift > 63n) throw new RecordFormatError('varlong is longer than 10 bytes');
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    big = BigInt.asUintN(64, big);
    return Number((big >> 1n) ^ -(big & 1n));
  }

  /** A slice (no copy) of the next n bytes. */
  bytes(n: number): Buffer {
    if (n < 0 || n > this.end - this.pos) {
      throw new RecordFormatError(`length ${n} runs past the end of the data (${this.end - this.pos} bytes left)`);
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    if (n < 0 || n > this.end - this.pos) {
      throw new RecordFormatError(`length ${n} runs past the end of the data (${this.end - this.pos} bytes left)`);
    }
    this.pos += n;
  }
}

/** Unsigned LEB128 size of a zigzag-encoded int32. */
export function sizeOfVarint(n: number): number {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  let size = 1;
  while (z >= 0x80) {
    z >>>= 7;
    size++;
  }
  return size;
}

export function sizeOfVarlong(n: number): number {
  if (n >= -0x80000000 && n <= 0x7fffffff) return sizeOfVarint(n);
  let z = zigzag64(n);
  let size = 1;
  while (z >= 0x80n) {
    z >>= 7n;
    size++;
  }
  return size;
}

function zigzag64(n: number): bigint {
  const b = BigInt(n);
  return BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
}

/** A growable big-endian byte writer for building batches. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initial));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  int64(v: number): void {
    this.ensure(8);
    writeInt64(this.buf, this.pos, v);
    this.pos += 8;
  }

  varint(n: number): void {
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
      throw new RangeError(`varint value out of int32 range: ${n}`);
    }
    this.uvarint32(((n << 1) ^ (n >> 31)) >>> 0);
  }

  varlong(n: number): void {
    if (n >= -0x80000000 && n <= 0x7fffffff && Number.isInteger(n)) {
      this.uvarint32(((n << 1) ^ (n >> 31)) >>> 0);
      return;
    }
    if (!Number.isInteger(n)) throw new RangeError(`varlong value is not an integer: ${n}`);
    let z = zigzag64(n);
    this.ensure(10);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
  }

  private uvarint32(z: number): void {
    this.ensure(5);
    while (z >= 0x80) {
      this.buf[this.pos++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    this.buf[this.pos++] = z;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The written bytes (a view of the internal buffer; the writer must not be reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
