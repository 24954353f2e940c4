// LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), which is what
// magic-2 batches with codec 3 carry (Java's KafkaLZ4BlockOutputStream, librdkafka's LZ4F).
//
// Written here rather than taken from lz4js because lz4js 0.2 reads a block checksum *before*
// the block instead of after it, misreads the 64-bit content size (32-bit shifts), does no
// bounds checking on corrupt input, and its compressor lets a match start closer than 12 bytes
// to the block end, which reference decoders may reject. The block codec is small enough to
// own: a greedy hash-chain-free compressor and a bounds-checked decoder.

const MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;

const BLOCK_UNCOMPRESSED = 0x80000000;
const MAX_BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };
/** 64 KiB blocks, as Java's Kafka client and librdkafka write. */
const WRITE_BLOCK_SIZE_ID = 4;

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

// ---- xxHash32, used by the frame's header, block and content checksums ----

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, input: number): number {
  acc = (acc + Math.imul(input, P2)) | 0;
  return Math.imul(rotl(acc, 13), P1);
}

export function xxh32(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  const len = end - start;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; i <= end - 16; i += 16) {
      v1 = round(v1, dv.getUint32(i, true));
      v2 = round(v2, dv.getUint32(i + 4, true));
      v3 = round(v3, dv.getUint32(i + 8, true));
      v4 = round(v4, dv.getUint32(i + 12, true));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  for (; i + 4 <= end; i += 4) {
    h = (h + Math.imul(dv.getUint32(i, true), P3)) | 0;
    h = Math.imul(rotl(h, 17), P4);
  }
  for (; i < end; i++) {
    h = (h + Math.imul(buf[i]!, P5)) | 0;
    h = Math.imul(rotl(h, 11), P1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---- block decoder ----

class OutputLimitError extends Error {}

/**
 * Decodes one LZ4 block src[s, sEnd) into out at d, never writing at or past dLimit. Matches
 * may reach back to dMin (the frame's output start, so dependent blocks work). Returns the new
 * output position.
 */
function decodeBlock(src: Uint8Array, s: number, sEnd: number, out: Uint8Array, d: number, dMin: number, dLimit: number): number {
  for (;;) {
    if (s >= sEnd) throw new Error('lz4: block ends without its final literals');
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new Error('lz4: truncated literal length');
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > sEnd - s) throw new Error('lz4: literals run past the block');
    if (lit > dLimit - d) throw new OutputLimitError();
    out.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s === sEnd) return d; // the last sequence is literals only
    if (sEnd - s < 2) throw new Error('lz4: truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d - dMin) throw new Error(`lz4: invalid match offset ${offset}`);
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new Error('lz4: truncated match length');
        b = src[s++]!;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += MIN_MATCH;
    if (matchLen > dLimit - d) throw new OutputLimitError();
    let from = d - offset;
    if (offset >= matchLen) {
      out.copyWithin(d, from, from + matchLen);
      d += matchLen;
    } else {
      // Overlapping copy (run-length style): must go byte by byte.
      for (const stop = d + matchLen; d < stop; ) out[d++] = out[from++]!;
    }
  }
}

// ---- block encoder ----

const HASH_LOG = 16;

function hash4(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - HASH_LOG);
}

/** Greedy LZ4 block compression of src[s0, s1) into dst at d; returns the new end in dst. */
function encodeBlock(src: Uint8Array, s0: number, s1: number, dst: Uint8Array, d: number, table: Int32Array): number {
  table.fill(-1);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let anchor = s0;
  const len = s1 - s0;
  if (len >= MF_LIMIT + 1) {
    const matchLimit = s1 - LAST_LITERALS; // matches end at or before this
    const lastMatchStart = s1 - MF_LIMIT; // and start at or before this
    let ip = s0;
    let misses = 0;
    while (ip <= lastMatchStart) {
      const seq = dv.getUint32(ip, true);
      const h = hash4(seq);
      const ref = table[h]!;
      table[h] = ip;
      if (ref < 0 || ip - ref > 0xffff || dv.getUint32(ref, true) !== seq) {
        ip += 1 + (misses++ >> 6); // skip faster through incompressible data
        continue;
      }
      misses = 0;
      let matchLen = MIN_MATCH;
      while (ip + matchLen < matchLimit && src[ref + matchLen] === src[ip + matchLen]) matchLen++;
      d = writeSequence(src, anchor, ip - anchor, dst, d, ip - ref, matchLen);
      ip += matchLen;
      anchor = ip;
    }
  }
  return writeSequence(src, anchor, s1 - anchor, dst, d, 0, 0);
}

function writeLength(dst: Uint8Array, d: number, n: number): number {
  for (; n >= 255; n -= 255) dst[d++] = 255;
  dst[d++] = n;
  return d;
}

/** One sequence: literals, then (unless matchLen is 0, for the final one) a match. */
function writeSequence(src: Uint8Array, litStart: number, litLen: number, dst: Uint8Array, d: number, offset: number, matchLen: number): number {
  const ml = matchLen === 0 ? 0 : matchLen - MIN_MATCH;
  const tokenPos = d++;
  dst[tokenPos] = (Math.min(litLen, 15) << 4) | Math.min(ml, 15);
  if (litLen >= 15) d = writeLength(dst, d, litLen - 15);
  dst.set(src.subarray(litStart, litStart + litLen), d);
  d += litLen;
  if (matchLen !== 0) {
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    if (ml >= 15) d = writeLength(dst, d, ml - 15);
  }
  return d;
}

// ---- frames ----

/** Compresses into one LZ4 frame: independent 64 KiB blocks, no checksums beyond the header's. */
export function lz4CompressFrame(data: Uint8Array): Buffer {
  const blockSize = MAX_BLOCK_SIZES[WRITE_BLOCK_SIZE_ID]!;
  const blocks = Math.ceil(data.length / blockSize);
  // Worst case per block: 4-byte size + stored bytes (we fall back to storing).
  const out = Buffer.allocUnsafe(7 + blocks * (4 + blockSize) + 4);
  out.writeUInt32LE(MAGIC, 0);
  out[4] = FLG_VERSION | FLG_BLOCK_INDEPENDENCE;
  out[5] = WRITE_BLOCK_SIZE_ID << 4;
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff;
  let d = 7;
  const table = new Int32Array(1 << HASH_LOG);
  const scratch = Buffer.allocUnsafe(blockSize + Math.ceil(blockSize / 255) + 16);
  for (let s = 0; s < data.length; s += blockSize) {
    const end = Math.min(s + blockSize, data.length);
    const n = encodeBlock(data, s, end, scratch, 0, table);
    if (n < end - s) {
      out.writeUInt32LE(n, d);
      scratch.copy(out, d + 4, 0, n);
      d += 4 + n;
    } else {
      out.writeUInt32LE((BLOCK_UNCOMPRESSED | (end - s)) >>> 0, d);
      out.set(data.subarray(s, end), d + 4);
      d += 4 + (end - s);
    }
  }
  out.writeUInt32LE(0, d); // end mark
  d += 4;
  return out.subarray(0, d);
}

/**
 * Decompresses one or more concatenated LZ4 frames (skippable frames are skipped). Header,
 * block and content checksums are verified when present. Throws on malformed input or when
 * the output would exceed maxOutput bytes.
 */
export function lz4DecompressFrames(src: Uint8Array, maxOutput: number): Buffer {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let out = Buffer.allocUnsafe(Math.min(maxOutput, Math.max(1024, src.length * 4)));
  let d = 0;
  const ensure = (n: number): void => {
    if (d + n <= out.length) return;
    if (d + n > maxOutput) throw new Error(`lz4: decompressed data exceeds ${maxOutput} bytes`);
    const next = Buffer.allocUnsafe(Math.min(maxOutput, Math.max(out.length * 2, d + n)));
    out.copy(next, 0, 0, d);
    out = next;
  };
  let s = 0;
  const need = (n: number, what: string): void => {
    if (src.length - s < n) throw new Error(`lz4: truncated ${what}`);
  };
  if (src.length === 0) throw new Error('lz4: empty input');
  while (s < src.length) {
    need(4, 'frame magic');
    const magic = dv.getUint32(s, true);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(8, 'skippable frame');
      const size = dv.getUint32(s + 4, true);
      s += 8;
      need(size, 'skippable frame');
      s += size;
      continue;
    }
    if (magic !== MAGIC) throw new Error(`lz4: bad frame magic 0x${magic.toString(16)}`);
    const descStart = s + 4;
    s = descStart;
    need(3, 'frame descriptor');
    const flg = src[s++]!;
    const bd = src[s++]!;
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) throw new Error(`lz4: unsupported frame version ${(flg & FLG_VERSION_MASK) >> 6}`);
    const maxBlock = MAX_BLOCK_SIZES[(bd >> 4) & 7];
    if (maxBlock === undefined) throw new Error(`lz4: invalid block maximum size id ${(bd >> 4) & 7}`);
    let contentSize = -1;
    if (flg & FLG_CONTENT_SIZE) {
      need(8, 'content size');
      contentSize = dv.getUint32(s, true) + dv.getUint32(s + 4, true) * 4294967296;
      s += 8;
    }
    if (flg & FLG_DICT_ID) throw new Error('lz4: frames that need a dictionary are not supported');
    need(1, 'header checksum');
    const hc = src[s]!;
    if (((xxh32(src, descStart, s) >>> 8) & 0xff) !== hc) throw new Error('lz4: frame header checksum mismatch');
    s++;
    const frameStart = d;
    const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
    for (;;) {
      need(4, 'block size');
      const word = dv.getUint32(s, true);
      s += 4;
      if (word === 0) break;
      const stored = (word & BLOCK_UNCOMPRESSED) !== 0;
      const size = word & 0x7fffffff;
      if (size > maxBlock) throw new Error(`lz4: block of ${size} bytes exceeds the frame's maximum ${maxBlock}`);
      need(size, 'block');
      if (flg & FLG_BLOCK_CHECKSUM) {
        need(size + 4, 'block checksum');
        if (xxh32(src, s, s + size) !== dv.getUint32(s + size, true)) throw new Error('lz4: block checksum mismatch');
      }
      if (stored) {
        ensure(size);
        out.set(src.subarray(s, s + size), d);
        d += size;
      } else {
        const room = Math.min(maxBlock, maxOutput - d);
        ensure(room);
        const blockStart = d;
        try {
          d = decodeBlock(src, s, s + size, out, d, independent ? blockStart : frameStart, blockStart + room);
        } catch (e) {
          if (!(e instanceof OutputLimitError)) throw e;
          throw new Error(room < maxBlock ? `lz4: decompressed data exceeds ${maxOutput} bytes` : `lz4: block decodes to more than the frame's maximum ${maxBlock} bytes`);
        }
      }
      s += size + (flg & FLG_BLOCK_CHECKSUM ? 4 : 0);
    }
    if (flg & FLG_CONTENT_CHECKSUM) {
      need(4, 'content checksum');
      if (xxh32(out, frameStart, d) !== dv.getUint32(s, true)) throw new Error('lz4: content checksum mismatch');
      s += 4;
    }
    if (contentSize >= 0 && contentSize !== d - frameStart) {
      throw new Error(`lz4: frame declares ${contentSize} bytes of content but holds ${d - frameStart}`);
    }
  }
  return out.subarray(0, d);
}
