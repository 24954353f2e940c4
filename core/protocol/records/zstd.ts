// Zstandard (codec 4) by @bokuweb/zstd-wasm: the reference C library compiled to WebAssembly,
// so it installs from the registry alone and runs wherever Node does.
//
// Its WebAssembly module can only be instantiated asynchronously, while the record codec is
// synchronous (encodeRecordBatch/decodeRecordBatch are called from synchronous broker and
// client code). So this module instantiates it once, at import, with a top-level await: every
// importer of the records codec waits the few milliseconds that takes, and compress/decompress
// stay synchronous.
//
// Decoding goes through ZSTD_decompress into one output buffer of a size fixed in advance. The
// frame structure is walked here first (headers and block headers, no decoding) to fix that
// size: the declared content size when there is one, otherwise a bound from the block headers
// (streaming writers such as Java's zstd-jni leave the size out). That also splits
// concatenated frames and refuses output beyond the caller's limit before anything is
// allocated. The WebAssembly heap grows to the largest batch handled and stays at that size.
import { compressUsingDict, createCCtx, createDCtx, decompressUsingDict, init } from '@bokuweb/zstd-wasm';

await init();
// Reused contexts: a fresh context per call (the library's compress()) costs a third of the
// compression speed on batch-sized inputs.
const cctx = createCCtx();
const dctx = createDCtx();
const NO_DICTIONARY = new Uint8Array(0);

/** Kafka's default compression.zstd.level, and librdkafka's. */
export const ZSTD_DEFAULT_LEVEL = 3;

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK = 128 * 1024;
/** ZSTD_WINDOWLOG_MAX_32: the most a 32-bit (WebAssembly) build decodes. */
const MAX_WINDOW_LOG = 30;

/** zstd error codes (zstd_errors.h) worth naming; the library reports only the number. */
const ERRORS: Record<number, string> = {
  10: 'unknown frame prefix',
  12: 'unsupported frame version',
  14: 'unsupported frame parameter',
  16: 'window too large',
  20: 'corrupt data',
  22: 'checksum mismatch',
  32: 'frame needs a dictionary',
  64: 'out of memory',
  70: 'frame decodes to more than it declares',
  72: 'wrong compressed size',
};

export function zstdCompress(data: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Buffer {
  const out = compressUsingDict(cctx, data, NO_DICTIONARY, level);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

interface FrameSpan {
  start: number;
  end: number;
  /** The declared content size, or a bound from the block headers. */
  outputSize: number;
  sizeDeclared: boolean;
}

/** The frames in src (skippable frames left out), validated up to the block headers. */
function zstdFrames(src: Uint8Array): FrameSpan[] {
  if (src.length === 0) throw new Error('zstd: empty input');
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const frames: FrameSpan[] = [];
  let s = 0;
  const need = (n: number, what: string): void => {
    if (src.length - s < n) throw new Error(`zstd: truncated ${what}`);
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
    if (magic !== MAGIC) throw new Error(`zstd: bad frame magic 0x${magic.toString(16)}`);
    need(1, 'frame header');
    const fhd = src[s++]!;
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >>> 6;
    if (fhd & 0x08) throw new Error('zstd: reserved frame header bit set');
    if (fhd & 0x03) throw new Error('zstd: frames that need a dictionary are not supported');
    const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
    need((singleSegment ? 0 : 1) + fcsBytes, 'frame header');
    let window = Infinity;
    if (!singleSegment) {
      const wd = src[s++]!;
      const windowLog = 10 + (wd >>> 3);
      if (windowLog > MAX_WINDOW_LOG) throw new Error(`zstd: window of 2^${windowLog} bytes is too large`);
      window = 2 ** windowLog + (2 ** windowLog / 8) * (wd & 7);
    }
    let contentSize = -1;
    if (fcsBytes === 1) contentSize = src[s]!;
    else if (fcsBytes === 2) contentSize = dv.getUint16(s, true) + 256;
    else if (fcsBytes === 4) contentSize = dv.getUint32(s, true);
    else if (fcsBytes === 8) contentSize = dv.getUint32(s, true) + dv.getUint32(s + 4, true) * 4294967296;
    s += fcsBytes;
    if (singleSegment) window = contentSize;
    const maxBlock = Math.min(window, MAX_BLOCK);
    let bound = 0;
    for (let last = false; !last; ) {
      need(3, 'block header');
      const h = src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16);
      s += 3;
      last = (h & 1) !== 0;
      const type = (h >>> 1) & 3;
      const size = h >>> 3;
      if (type === 3) throw new Error('zstd: reserved block type');
      if (size > maxBlock) throw new Error(`zstd: block of ${size} bytes exceeds the frame's maximum ${maxBlock}`);
      // Raw and RLE blocks regenerate exactly `size` bytes; an RLE block stores one byte.
      const stored = type === 1 ? 1 : size;
      need(stored, 'block');
      s += stored;
      bound += type === 2 ? maxBlock : size;
    }
    if (fhd & 0x04) {
      need(4, 'content checksum');
      s += 4;
    }
    frames.push({ start, end: s, outputSize: contentSize >= 0 ? contentSize : bound, sizeDeclared: contentSize >= 0 });
  }
  return frames;
}

/**
 * Decompresses one or more zstd frames (skippable frames are skipped). Throws on malformed
 * input, and when the frames could decode to more than maxOutput bytes — judged from their
 * headers, so a frame is refused before it is decoded.
 */
export function zstdDecompress(src: Uint8Array, maxOutput: number): Buffer {
  const frames = zstdFrames(src);
  const bound = frames.reduce((n, f) => n + f.outputSize, 0);
  if (bound > maxOutput) throw new Error(`zstd: frames ${frames.every((f) => f.sizeDeclared) ? 'declare' : 'may decode to'} ${bound} bytes, which exceeds ${maxOutput}`);
  const out = frames.map(({ start, end, outputSize }) => {
    let data: Uint8Array;
    try {
      // The output size is the declared content size when there is one, else defaultHeapSize.
      data = decompressUsingDict(dctx, src.subarray(start, end), NO_DICTIONARY, { defaultHeapSize: outputSize });
    } catch (e) {
      const code = /code (-?\d+)/.exec((e as Error).message)?.[1];
      throw new Error(`zstd: ${(code !== undefined && ERRORS[-Number(code)]) || (e as Error).message}`);
    }
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  });
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
