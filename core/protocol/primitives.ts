// Kafka wire primitives: a bounds-checked Reader and a chunked Writer, used by the message
// codec and the record batch codec alike. Int64 values are JS numbers (offsets, timestamps
// and producer ids stay far below 2^53).

/** Thrown for any malformed input; the server turns it into a closed connection. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const TWO_32 = 4294967296;

/** Reads an int64 as two 32-bit halves: exactly Number(readBigInt64BE()) without a BigInt. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  if (Number.isSafeInteger(value)) {
    const hi = Math.floor(value / TWO_32);
    buf.writeInt32BE(hi, pos);
    buf.writeUInt32BE(value - hi * TWO_32, pos + 4);
  } else {
    // Out of range or not an integer: a caller bug, worth a loud error from BigInt().
    buf.writeBigInt64BE(BigInt(value), pos);
  }
}

function zigzag64(n: number): bigint {
  const b = BigInt(n);
  return BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
}

/** Bytes taken by a zigzag varint. */
export function sizeOfVarint(n: number): number {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  let size = 1;
  while (z >= 0x80) {
    z >>>= 7;
    size++;
  }
  return size;
}

/** Bytes taken by a zigzag varlong. */
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

export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly end = buf.length,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolError(`truncated: need ${n} bytes at ${at}, have ${this.end - at}`);
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  uint8(): number {
    return this.buf.readUInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): number {
    return readInt64(this.buf, this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = this.uint8();
      if (shift === 28) {
        // The fifth byte carries the top 4 bits; anything more is not an int32 varint.
        if (b > 0x0f) throw new ProtocolError('uvarint longer than 5 bytes');
        return (value + b * 2 ** 28) >>> 0;
      }
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  }

  /** Zigzag-encoded signed int32. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag-encoded signed int64, as a number. Small values (most timestamp deltas) stay on a 32-bit path. */
  varlong(): number {
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.uint8();
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (lo >>> 1) ^ -(lo & 1);
    }
    let big = BigInt(lo >>> 0);
    for (let shift = 28n; ; shift += 7n) {
      if (shift > 63n) throw new ProtocolError('varlong longer than 10 bytes');
      const b = this.uint8();
      big |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    big = BigInt.asUintN(64, big);
    return Number((big >> 1n) ^ -(big & 1n));
  }

  /** Raw slice without copying. */
  slice(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  skip(n: number): void {
    this.need(n);
  }

  string(n: number): string {
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }

  /** An element count, checked against what is left so garbage cannot allocate huge arrays. */
  count(n: number, minElementBytes = 1): number {
    if (n < 0 || n * minElementBytes > this.remaining) {
      throw new ProtocolError(`array length ${n} exceeds the ${this.remaining} bytes left`);
    }
    return n;
  }
}

const CHUNK = 16 * 1024;
/** Buffers at least this big are referenced, not copied (record sets in Fetch responses). */
const BY_REFERENCE = 4 * 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private total = 0;

  constructor(initial = 512) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.total + this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.seal();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
  }

  private seal(): void {
    if (this.pos > 0) {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.total += this.pos;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
    }
  }

  int8(v: number): this {
    this.room(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  uint8(v: number): this {
    this.room(1);
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  int16(v: number): this {
    this.room(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.room(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.room(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.room(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number): this {
    this.room(8);
    writeInt64(this.buf, this.pos, v);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.room(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  uvarint(v: number): this {
    this.room(5);
    let u = v >>> 0;
    while (u >= 0x80) {
      this.buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[this.pos++] = u;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: number): this {
    if (v >= -0x80000000 && v <= 0x7fffffff) return this.varint(v);
    this.room(10);
    let u = zigzag64(v);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
    return this;
  }

  raw(data: Uint8Array): this {
    if (data.length >= BY_REFERENCE) {
      this.seal();
      const b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
      this.chunks.push(b);
      this.total += b.length;
      return this;
    }
    this.room(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  utf8(s: string, byteLength: number): this {
    this.room(byteLength);
    this.buf.write(s, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
    return this;
  }

  /** The written bytes as a list of chunks (no copy of referenced buffers). */
  chunksOut(): Buffer[] {
    this.seal();
    return this.chunks;
  }

  toBuffer(): Buffer {
    const c = this.chunksOut();
    return c.length === 1 ? c[0]! : Buffer.concat(c, this.total);
  }
}
