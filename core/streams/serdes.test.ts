import { describe, expect, it } from 'vitest';
import { SerializationError, Serdes } from './serdes.js';

describe('Serdes', () => {
  it('String round-trips UTF-8, including the empty string', () => {
    const serde = Serdes.String();
    for (const s of ['', 'konto-42', 'zürich €']) expect(serde.deserialize(serde.serialize(s))).toBe(s);
    expect(serde.serialize('é')).toEqual(Buffer.from([0xc3, 0xa9]));
  });

  it('JSON round-trips values', () => {
    const serde = Serdes.JSON<{ amount: number; tags: string[] }>();
    const value = { amount: -12.5, tags: ['a'] };
    expect(serde.deserialize(serde.serialize(value))).toEqual(value);
    expect(() => serde.deserialize(Buffer.from('{'))).toThrow(SerializationError);
  });

  it('Bytes passes buffers through', () => {
    const bytes = Buffer.from([0, 1, 255]);
    expect(Serdes.Bytes().deserialize(Serdes.Bytes().serialize(bytes))).toBe(bytes);
  });

  it("Int64 writes 8 bytes big-endian two's complement, as Kafka's LongSerializer", () => {
    const serde = Serdes.Int64();
    expect(serde.serialize(1)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    expect(serde.serialize(-1)).toEqual(Buffer.alloc(8, 0xff));
    expect(serde.serialize(258)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 1, 2]));
    for (const n of [0, 1, -1, 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      expect(serde.deserialize(serde.serialize(n))).toBe(n);
    }
  });

  it('Int64 refuses what a number cannot hold exactly', () => {
    const serde = Serdes.Int64();
    expect(() => serde.serialize(1.5)).toThrow(SerializationError);
    expect(() => serde.serialize(2 ** 53)).toThrow(SerializationError);
    expect(() => serde.deserialize(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(/does not fit/);
    expect(() => serde.deserialize(Buffer.alloc(4))).toThrow(/expected 8 bytes/);
  });

  it('every serde maps null to null both ways', () => {
    for (const serde of [Serdes.String(), Serdes.JSON<unknown>(), Serdes.Bytes(), Serdes.Int64()]) {
      expect(serde.serialize(null)).toBeNull();
      expect(serde.deserialize(null)).toBeNull();
    }
  });
});
