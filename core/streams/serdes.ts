// Serdes turn keys and values into record bytes and back. Null passes through in both directions,
// as in Kafka's serdes: a null key is a keyless record, a null value is a tombstone, and neither
// is the serde's business. That is why `T | null` appears on both sides rather than inside T:
// `Serdes.String()` is a `Serde<string>`, and the DSL says where a null can actually arrive.

export interface Serde<T> {
  serialize(value: T | null): Buffer | null;
  deserialize(bytes: Buffer | null): T | null;
}

export class SerializationError extends Error {
  override readonly name = 'SerializationError';
}

const STRING: Serde<string> = {
  serialize: (value) => (value === null ? null : Buffer.from(value, 'utf8')),
  deserialize: (bytes) => (bytes === null ? null : bytes.toString('utf8')),
};

const BYTES: Serde<Buffer> = {
  serialize: (value) => value,
  deserialize: (bytes) => bytes,
};

// Kafka's LongSerializer: 8 bytes, big-endian, two's complement. JavaScript numbers hold
// integers exactly only up to 2^53, so anything outside that range is refused rather than
// silently rounded (a count store that rounds is a wrong count store).
const INT64: Serde<number> = {
  serialize(value) {
    if (value === null) return null;
    if (!Number.isSafeInteger(value)) throw new SerializationError(`Int64: ${value} is not a safe integer`);
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value));
    return bytes;
  },
  deserialize(bytes) {
    if (bytes === null) return null;
    if (bytes.length !== 8) throw new SerializationError(`Int64: expected 8 bytes, got ${bytes.length}`);
    const value = bytes.readBigInt64BE();
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new SerializationError(`Int64: ${value} does not fit a JavaScript number exactly`);
    }
    return Number(value);
  },
};

function json<T>(): Serde<T> {
  return {
    serialize: (value) => (value === null ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize(bytes) {
      if (bytes === null) return null;
      try {
        return JSON.parse(bytes.toString('utf8')) as T;
      } catch (err) {
        throw new SerializationError(`JSON: ${(err as Error).message}`);
      }
    },
  };
}

export const Serdes = {
  String: (): Serde<string> => STRING,
  Bytes: (): Serde<Buffer> => BYTES,
  Int64: (): Serde<number> => INT64,
  /** The type parameter is a promise the bytes keep; JSON.parse does not check it. */
  JSON: <T>(): Serde<T> => json<T>(),
} as const;
