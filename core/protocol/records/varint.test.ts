import { describe, expect, it } from 'vitest';
import { ByteWriter, Reader, RecordFormatError, sizeOfVarint, sizeOfVarlong } from './varint.js';

function roundTrip(kind: 'varint' | 'varlong', n: number): { value: number; size: number; bytes: Buffer } {
  const w = new ByteWriter(4);
  w[kind](n);
  const bytes = w.finish();
  const r = new Reader(bytes, 0, bytes.length);
  const value = r[kind]();
  expect(r.remaining).toBe(0);
  return { value, size: bytes.length, bytes };
}

describe('zigzag varints', () => {
  it('encodes the zigzag examples from the protobuf/Kafka docs', () => {
    expect(roundTrip('varint', 0).bytes).toEqual(Buffer.from([0]));
    expect(roundTrip('varint', -1).bytes).toEqual(Buffer.from([1]));
    expect(roundTrip('varint', 1).bytes).toEqual(Buffer.from([2]));
    expect(roundTrip('varint', -2).bytes).toEqual(Buffer.from([3]));
    expect(roundTrip('varint', 63).bytes).toEqual(Buffer.from([0x7e]));
    expect(roundTrip('varint', -64).bytes).toEqual(Buffer.from([0x7f]));
    expect(roundTrip('varint', 64).bytes).toEqual(Buffer.from([0x80, 0x01]));
    expect(roundTrip('varint', 300).bytes).toEqual(Buffer.from([0xd8, 0x04]));
  });

  it('round-trips int32 edge values with matching sizes', () => {
    for (const n of [0, 1, -1, 127, -128, 8191, -8192, 2 ** 20, -(2 ** 20), 2 ** 31 - 1, -(2 ** 31)]) {
      const { value, size } = roundTrip('varint', n);
      expect(value).toBe(n);
      expect(size).toBe(sizeOfVarint(n));
    }
  });

  it('round-trips int64 values, including beyond 32 bits', () => {
    const values = [0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 3, -(2 ** 40) - 3, 1_700_000_000_000, -1_700_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const n of values) {
      const { value, size } = roundTrip('varlong', n);
      expect(value).toBe(n);
      expect(size).toBe(sizeOfVarlong(n));
    }
    expect(roundTrip('varlong', -(2 ** 63)).size).toBe(10);
  });

  it('rejects over-long and truncated varints', () => {
    const six = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => new Reader(six, 0, six.length).varint()).toThrow(RecordFormatError);
    const eleven = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => new Reader(eleven, 0, eleven.length).varlong()).toThrow(RecordFormatError);
    const truncated = Buffer.from([0x80, 0x80]);
    expect(() => new Reader(truncated, 0, truncated.length).varint()).toThrow(RecordFormatError);
    // The reader honours its end bound, not the buffer's length.
    expect(() => new Reader(Buffer.from([0x80, 0x01]), 0, 1).varint()).toThrow(RecordFormatError);
  });

  it('refuses to write values that do not fit', () => {
    expect(() => new ByteWriter().varint(2 ** 31)).toThrow(RangeError);
    expect(() => new ByteWriter().varlong(1.5)).toThrow(RangeError);
  });
});
