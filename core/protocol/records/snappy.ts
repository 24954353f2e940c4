// Snappy as Kafka carries it (codec 2). Java clients (xerial snappy-java SnappyOutputStream) and
// kafka-python write the xerial framing:
//   magic "\x82SNAPPY\x00" | int32 version | int32 compatibleVersion | ([int32 length, raw block])...
// librdkafka also reads it, and some writers emit a single raw snappy block, which snappy-java
// accepts too; so do we.
//
// Compression uses snappyjs. Decompression is done here: snappyjs does not check that a block
// decodes to its declared length and reads past the input on some corrupt streams.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const snappyjs = require('snappyjs') as { compress(data: Buffer): Buffer };

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

/** Xerial-framed snappy: header then [int32 length, raw block] per 32 KiB of input. */
export function snappyCompressXerial(data: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // minimum compatible version
  parts.push(header);
  const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let s = 0; s < input.length; s += XERIAL_BLOCK_SIZE) {
    const block = snappyjs.compress(input.subarray(s, Math.min(input.length, s + XERIAL_BLOCK_SIZE)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

export function isXerial(data: Uint8Array): boolean {
  return data.length >= XERIAL_HEADER_SIZE && XERIAL_MAGIC.equals(data.subarray(0, XERIAL_MAGIC.length));
}

/** Decompresses xerial-framed or raw snappy. */
export function snappyDecompress(data: Uint8Array, maxOutput: number): Buffer {
  if (!isXerial(data)) return snappyDecompressRaw(data, 0, data.length, maxOutput);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const blocks: Buffer[] = [];
  let total = 0;
  let s = XERIAL_HEADER_SIZE;
  while (s < data.length) {
    if (data.length - s < 4) throw new Error('snappy: truncated xerial block length');
    const n = dv.getInt32(s);
    s += 4;
    if (n < 0 || n > data.length - s) throw new Error(`snappy: xerial block length ${n} runs past the data`);
    const block = snappyDecompressRaw(data, s, s + n, maxOutput - total);
    total += block.length;
    blocks.push(block);
    s += n;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
}

/** One raw snappy block: uvarint uncompressed length, then literal/copy elements. */
export function snappyDecompressRaw(src: Uint8Array, start: number, end: number, maxOutput: number): Buffer {
  let s = start;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28 || s >= end) throw new Error('snappy: bad uncompressed length');
    const b = src[s++]!;
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (length > maxOutput) throw new Error(`snappy: uncompressed length ${length} exceeds ${maxOutput} bytes`);
  const out = Buffer.allocUnsafe(length);
  let d = 0;
  while (s < end) {
    const tag = src[s++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const extra = len - 59;
          if (end - s < extra) throw new Error('snappy: truncated literal length');
          len = 0;
          for (let i = 0; i < extra; i++) len += src[s + i]! * 2 ** (8 * i);
          s += extra;
        }
        len += 1;
        if (len > end - s) throw new Error('snappy: literal runs past the input');
        if (len > length - d) throw new Error('snappy: literal runs past the declared length');
        out.set(src.subarray(s, s + len), d);
        s += len;
        d += len;
        continue;
      }
      case 1:
        if (end - s < 1) throw new Error('snappy: truncated copy');
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | src[s]!;
        s += 1;
        break;
      case 2:
        if (end - s < 2) throw new Error('snappy: truncated copy');
        len = (tag >>> 2) + 1;
        offset = src[s]! | (src[s + 1]! << 8);
        s += 2;
        break;
      default:
        if (end - s < 4) throw new Error('snappy: truncated copy');
        len = (tag >>> 2) + 1;
        offset = (src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16) | (src[s + 3]! << 24)) >>> 0;
        s += 4;
        break;
    }
    if (offset === 0 || offset > d) throw new Error(`snappy: invalid copy offset ${offset}`);
    if (len > length - d) throw new Error('snappy: copy runs past the declared length');
    let from = d - offset;
    if (offset >= len) {
      out.copyWithin(d, from, from + len);
      d += len;
    } else {
      for (const stop = d + len; d < stop; ) out[d++] = out[from++]!;
    }
  }
  if (d !== length) throw new Error(`snappy: decoded ${d} bytes, header declares ${length}`);
  return out;
}
