// LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), which is what
// magic-2 batches with codec 3 carry (Java's KafkaLZ4BlockOutputStream, librdkafka's LZ4F).
// The codec is lz4-napi (lz4_flex): it writes version-1 frames with independent blocks and the
// KIP-57 header checksum, and verifies every checksum when decoding.
//
// lz4-napi decodes only the first frame of its input and has no output limit, so the frame
// structure is walked here first (block headers only, no decoding): that splits concatenated
// frames, skips skippable ones, rejects truncation and trailing junk with a clear error, and
// bounds the output before anything is allocated.
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';

const MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;

const BLOCK_UNCOMPRESSED = 0x80000000;
const MAX_BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

export function lz4CompressFrame(data: Uint8Array): Buffer {
  return compressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

interface FrameSpan {
  start: number;
  end: number;
  /** Most bytes the frame can decode to: stored blocks exactly, others their maximum size. */
  maxOutput: number;
}

/** The frames in src (skippable frames left out), validated up to the block headers. */
function lz4Frames(src: Uint8Array): FrameSpan[] {
  if (src.length === 0) throw new Error('lz4: empty input');
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const frames: FrameSpan[] = [];
  let s = 0;
  const need = (n: number, what: string): void => {
    if (src.length - s < n) throw new Error(`lz4: truncated ${what}`);
  };
  while (s < src.length) {
    need(4, 'frame magic');
    const start = s;
    const magic = dv.getUint32(s, true);
    s += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(4, 'skippable frame');
      const size = dv.getUint32(s, true);
      s += 4;
      need(size, 'skippable frame');
      s += size;
      continue;
    }
    if (magic !== MAGIC) throw new Error(`lz4: bad frame magic 0x${magic.toString(16)}`);
    need(2, 'frame descriptor');
    const flg = src[s++]!;
    const bd = src[s++]!;
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) throw new Error(`lz4: unsupported frame version ${(flg & FLG_VERSION_MASK) >> 6}`);
    if (flg & FLG_DICT_ID) throw new Error('lz4: frames that need a dictionary are not supported');
    const maxBlock = MAX_BLOCK_SIZES[(bd >> 4) & 7];
    if (maxBlock === undefined) throw new Error(`lz4: invalid block maximum size id ${(bd >> 4) & 7}`);
    // Content size, then the header checksum (which the decoder verifies).
    const rest = (flg & FLG_CONTENT_SIZE ? 8 : 0) + 1;
    need(rest, 'frame descriptor');
    s += rest;
    let maxOutput = 0;
    for (;;) {
      need(4, 'block size');
      const word = dv.getUint32(s, true);
      s += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > maxBlock) throw new Error(`lz4: block of ${size} bytes exceeds the frame's maximum ${maxBlock}`);
      const sized = size + (flg & FLG_BLOCK_CHECKSUM ? 4 : 0);
      need(sized, 'block');
      s += sized;
      maxOutput += (word & BLOCK_UNCOMPRESSED) !== 0 ? size : maxBlock;
    }
    if (flg & FLG_CONTENT_CHECKSUM) {
      need(4, 'content checksum');
      s += 4;
    }
    frames.push({ start, end: s, maxOutput });
  }
  return frames;
}

/**
 * Decompresses one or more concatenated LZ4 frames (skippable frames are skipped). Throws on
 * malformed input, and when the frames could decode to more than maxOutput bytes — judged
 * from the block headers, so a frame is refused before it is decoded.
 */
export function lz4DecompressFrames(src: Uint8Array, maxOutput: number): Buffer {
  const frames = lz4Frames(src);
  const bound = frames.reduce((n, f) => n + f.maxOutput, 0);
  if (bound > maxOutput) throw new Error(`lz4: frames may decode to ${bound} bytes, which exceeds ${maxOutput}`);
  const input = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  const out = frames.map(({ start, end }) => {
    try {
      return decompressFrameSync(input.subarray(start, end));
    } catch (e) {
      throw new Error(`lz4: corrupt frame (${(e as Error).message})`);
    }
  });
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
