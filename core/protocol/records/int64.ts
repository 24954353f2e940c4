// Int64 fields (offsets, timestamps, producer ids) are carried as JS numbers. Reading the two
// 32-bit halves gives exactly Number(readBigInt64BE()) (one rounding, only beyond 2^53) without
// allocating a BigInt on the hot path.
const TWO_32 = 4294967296;

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  if (Number.isSafeInteger(value)) {
    const hi = Math.floor(value / TWO_32);
    buf.writeInt32BE(hi, pos);
    buf.writeUInt32BE(value - hi * TWO_32, pos + 4);
  } else {
    // BigInt() rejects non-integers and writeBigInt64BE rejects out-of-range values: both are
    // caller bugs worth a loud error rather than a silently wrong offset.
    buf.writeBigInt64BE(BigInt(value), pos);
  }
}
