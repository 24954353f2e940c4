// Zstandard (codec 4). Decompression by fzstd (pure JS). Node 20's zlib has no zstd encoder and
// no dependency here has one, so "compression" writes a valid zstd frame of raw (stored)
// blocks: every zstd reader accepts it, it just does not shrink the data. That keeps zstd
// batches producible for tests and for the broker without pretending to compress.
import { Decompress } from 'fzstd';

const MAGIC = 0xfd2fb528;
const MAX_BLOCK = 128 * 1024;

/** A single-segment zstd frame holding `data` in raw blocks. */
export function zstdStoreFrame(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_BLOCK));
  const out = Buffer.allocUnsafe(4 + 1 + 8 + blocks * 3 + data.length);
  out.writeUInt32LE(MAGIC, 0);
  // Frame header descriptor: Frame_Content_Size_flag = 3 (8-byte size), Single_Segment_flag,
  // no checksum, no dictionary. Single segment means no window descriptor; window = content.
  out[4] = 0xe0;
  out.writeUInt32LE(data.length % 4294967296, 5);
  out.writeUInt32LE(Math.floor(data.length / 4294967296), 9);
  let d = 13;
  for (let i = 0; i < blocks; i++) {
    const s = i * MAX_BLOCK;
    const n = Math.min(MAX_BLOCK, data.length - s);
    const last = i === blocks - 1 ? 1 : 0;
    // Block header, 3 bytes little-endian: Last_Block | Block_Type (0 = raw) << 1 | size << 3.
    const h = last | (n << 3);
    out[d++] = h & 0xff;
    out[d++] = (h >>> 8) & 0xff;
    out[d++] = (h >>> 16) & 0xff;
    out.set(data.subarray(s, s + n), d);
    d += n;
  }
  return out.subarray(0, d);
}

/** Decompresses one or more zstd frames, refusing to produce more than maxOutput bytes. */
export function zstdDecompress(data: Uint8Array, maxOutput: number): Buffer {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Decompress((chunk) => {
    total += chunk.length;
    if (total > maxOutput) throw new Error(`zstd: decompressed data exceeds ${maxOutput} bytes`);
    chunks.push(chunk);
  });
  stream.push(data, true);
  return Buffer.concat(chunks, total);
}
