// Big-endian byte builders for the user-data tests: expected layouts written out field by field,
// independently of the encoders under test.
export const i8 = (n: number): Buffer => Buffer.from([n & 0xff]);
export const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
export const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const i64 = (n: bigint | number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
/** Java's DataOutputStream.writeUTF for ASCII: uint16 length, bytes. */
export const utf = (s: string): Buffer => Buffer.concat([i16(s.length), Buffer.from(s, 'ascii')]);
/** A Kafka message `bytes` field outside flexible versions: int32 length, bytes. */
export const bytes = (s: string): Buffer => Buffer.concat([i32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
export const uuid = (hex: string): Buffer => Buffer.from(hex.replaceAll('-', ''), 'hex');
export const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
