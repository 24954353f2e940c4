// CRC-32C (Castagnoli), the checksum of magic-2 record batches. Kafka uses it instead of the
// zlib CRC-32 of the older message formats; the native @node-rs implementation is SSE4.2-fast,
// which matters because every produced batch is checked once on the way in.
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

export function crc32c(buf: Uint8Array): number {
  return nativeCrc32c(buf) >>> 0;
}
