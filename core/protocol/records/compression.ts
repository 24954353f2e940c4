// Codec dispatch for batch payloads (everything after the 61-byte header). Kafka compresses the
// concatenated records as one stream per batch; the header stays uncompressed. Every
// decompressor refuses to produce more than maxOutput bytes and throws an Error on corrupt
// input.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Compression } from './batch.js';
import { lz4CompressFrame, lz4DecompressFrames } from './lz4.js';
import { snappyCompressXerial, snappyDecompress } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

/**
 * Upper bound on one batch's decompressed payload, against decompression bombs. A batch is at
 * most max.message.bytes (1 MiB by default) compressed; 256 MiB leaves ample room for real
 * compression ratios.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function decompress(codec: Compression, data: Uint8Array, maxOutput = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  switch (codec) {
    case 'none':
      return asBuffer(data);
    case 'gzip':
      return gunzipSync(data, { maxOutputLength: maxOutput });
    case 'snappy':
      return snappyDecompress(data, maxOutput);
    case 'lz4':
      return lz4DecompressFrames(data, maxOutput);
    case 'zstd':
      return zstdDecompress(data, maxOutput);
    default:
      throw new Error(`unknown compression ${String(codec)}`);
  }
}

export function compress(codec: Compression, data: Uint8Array): Buffer {
  switch (codec) {
    case 'none':
      return asBuffer(data);
    case 'gzip':
      return gzipSync(data);
    case 'snappy':
      return snappyCompressXerial(data);
    case 'lz4':
      return lz4CompressFrame(data);
    case 'zstd':
      return zstdCompress(data);
    default:
      throw new Error(`unknown compression ${String(codec)}`);
  }
}
