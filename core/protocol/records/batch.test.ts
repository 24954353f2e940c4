import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  FIRST_TIMESTAMP_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
  compressionOf,
  computeBatchCrc,
  decodeRecordBatch,
  encodeRecordBatch,
  isControl,
  isTransactional,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitRecordBatches,
  timestampType,
  validateBatch,
} from './index.js';

// One record (key "k", value "v", timestamp 1000, no headers), derived by hand from the spec:
const FIXTURE_HEX = [
  '0000000000000000', // baseOffset 0
  '0000003a', //         batchLength 58 = 70 - 12
  '00000000', //         partitionLeaderEpoch 0
  '02', //               magic
  '716a6189', //         CRC-32C of everything from attributes on (computed independently)
  '0000', //             attributes: no compression, CreateTime, not transactional, not control
  '00000000', //         lastOffsetDelta 0
  '00000000000003e8', // firstTimestamp 1000
  '00000000000003e8', // maxTimestamp 1000
  'ffffffffffffffff', // producerId -1
  'ffff', //             producerEpoch -1
  'ffffffff', //         baseSequence -1
  '00000001', //         recordCount 1
  // record: length 8 (zigzag 0x10), attributes 0, timestampDelta 0, offsetDelta 0,
  // keyLength 1 (zigzag 0x02) 'k', valueLength 1 (0x02) 'v', headerCount 0
  '10', '00', '00', '00', '02', '6b', '02', '76', '00',
].join('');
const fixture = () => Buffer.from(FIXTURE_HEX, 'hex');

function batchOf(n: number, extra: Partial<Parameters<typeof encodeRecordBatch>[0]> = {}): Buffer {
  return encodeRecordBatch({
    records: Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`value-${i}`), timestamp: 1000 + i })),
    ...extra,
  });
}

function flip(b: Buffer, i: number, mask: number): void {
  b[i] = b[i]! ^ mask;
}

/** Rewrites a field, then fixes the CRC so only the intended check can fail. */
function patch(batch: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(batch);
  edit(b);
  b.writeUInt32BE(computeBatchCrc(b), CRC_OFFSET);
  return b;
}

describe('header layout', () => {
  it('has the offsets of Kafka DefaultRecordBatch', () => {
    expect([
      BASE_OFFSET_OFFSET,
      BATCH_LENGTH_OFFSET,
      PARTITION_LEADER_EPOCH_OFFSET,
      MAGIC_OFFSET,
      CRC_OFFSET,
      ATTRIBUTES_OFFSET,
      LAST_OFFSET_DELTA_OFFSET,
      FIRST_TIMESTAMP_OFFSET,
      MAX_TIMESTAMP_OFFSET,
      PRODUCER_ID_OFFSET,
      PRODUCER_EPOCH_OFFSET,
      BASE_SEQUENCE_OFFSET,
      RECORD_COUNT_OFFSET,
      BATCH_HEADER_SIZE,
    ]).toEqual([0, 8, 12, 16, 17, 21, 23, 27, 35, 43, 51, 53, 57, 61]);
  });

  it('reads the hand-made fixture', () => {
    expect(readBatchHeader(fixture())).toEqual({
      baseOffset: 0,
      batchLength: 58,
      partitionLeaderEpoch: 0,
      magic: 2,
      crc: 0x716a6189,
      attributes: 0,
      lastOffsetDelta: 0,
      firstTimestamp: 1000,
      maxTimestamp: 1000,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 1,
    });
    expect(computeBatchCrc(fixture())).toBe(0x716a6189);
  });

  it('encodes the fixture byte for byte', () => {
    const ours = encodeRecordBatch({
      partitionLeaderEpoch: 0,
      records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1000 }],
    });
    expect(ours.toString('hex')).toBe(FIXTURE_HEX);
  });

  it('decodes the fixture', () => {
    const { records } = decodeRecordBatch(fixture());
    expect(records).toEqual([{ offset: 0, timestamp: 1000, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] }]);
  });

  it('reads a header at a position and refuses a short one', () => {
    const two = Buffer.concat([Buffer.alloc(5), fixture()]);
    expect(readBatchHeader(two, 5).crc).toBe(0x716a6189);
    expect(() => readBatchHeader(fixture().subarray(0, 60))).toThrow(RangeError);
  });
});

describe('attributes', () => {
  it('decodes each bit', () => {
    expect(compressionOf(0)).toBe('none');
    expect(compressionOf(1)).toBe('gzip');
    expect(compressionOf(2)).toBe('snappy');
    expect(compressionOf(3)).toBe('lz4');
    expect(compressionOf(4)).toBe('zstd');
    expect(compressionOf(0x34)).toBe('zstd');
    expect(() => compressionOf(5)).toThrow(/codec id 5/);
    expect(timestampType(0)).toBe('CreateTime');
    expect(timestampType(0x08)).toBe('LogAppendTime');
    expect(isTransactional(0x10)).toBe(true);
    expect(isTransactional(0x20)).toBe(false);
    expect(isControl(0x30)).toBe(true);
    expect(isControl(0x10)).toBe(false);
  });

  it('is what encodeRecordBatch writes', () => {
    const h = readBatchHeader(batchOf(1, { transactional: true, compression: 'gzip', timestampType: 'LogAppendTime' }));
    expect(compressionOf(h.attributes)).toBe('gzip');
    expect(isTransactional(h.attributes)).toBe(true);
    expect(isControl(h.attributes)).toBe(false);
    expect(timestampType(h.attributes)).toBe('LogAppendTime');
  });
});

describe('in-place rewrites', () => {
  it('setBaseOffset and setPartitionLeaderEpoch leave the CRC valid', () => {
    const b = batchOf(3);
    setBaseOffset(b, 2 ** 40 + 7);
    setPartitionLeaderEpoch(b, 12);
    const h = readBatchHeader(b);
    expect(h.baseOffset).toBe(2 ** 40 + 7);
    expect(h.partitionLeaderEpoch).toBe(12);
    expect(validateBatch(b).ok).toBe(true);
    expect(decodeRecordBatch(b).records.map((r) => r.offset)).toEqual([2 ** 40 + 7, 2 ** 40 + 8, 2 ** 40 + 9]);
  });

  it('setLogAppendTime sets the type bit and maxTimestamp, and recomputes the CRC', () => {
    const b = batchOf(3, { transactional: true });
    setLogAppendTime(b, 5555);
    const h = readBatchHeader(b);
    expect(timestampType(h.attributes)).toBe('LogAppendTime');
    expect(isTransactional(h.attributes)).toBe(true);
    expect(h.maxTimestamp).toBe(5555);
    expect(h.firstTimestamp).toBe(1000);
    expect(validateBatch(b).ok).toBe(true);
    expect(decodeRecordBatch(b).records.map((r) => r.timestamp)).toEqual([5555, 5555, 5555]);
  });

  it('setLogAppendTime works on a slice of a larger buffer', () => {
    const frame = Buffer.concat([batchOf(1), batchOf(2)]);
    const split = splitRecordBatches(frame);
    if (!split.ok) throw new Error(split.message);
    setLogAppendTime(split.batches[1]!, 42);
    expect(splitRecordBatches(frame).ok).toBe(true);
  });
});

describe('splitRecordBatches', () => {
  it('splits concatenated batches into views without copying', () => {
    const a = batchOf(1);
    const b = batchOf(4, { compression: 'gzip' });
    const c = batchOf(2);
    const frame = Buffer.concat([a, b, c]);
    const r = splitRecordBatches(frame);
    if (!r.ok) throw new Error(r.message);
    expect(r.batches.map((x) => x.length)).toEqual([a.length, b.length, c.length]);
    expect(r.batches[1]!.equals(b)).toBe(true);
    expect(r.batches[1]!.buffer).toBe(frame.buffer);
    r.batches[2]![0] = 0x7f; // writes through to the frame
    expect(frame[a.length + b.length]).toBe(0x7f);
  });

  it('accepts an empty buffer as zero batches', () => {
    expect(splitRecordBatches(Buffer.alloc(0))).toEqual({ ok: true, batches: [] });
  });

  const cases: [string, () => Buffer, string, RegExp][] = [
    ['fewer bytes than the framing', () => batchOf(1).subarray(0, 10), 'CORRUPT_MESSAGE', /truncated/],
    ['a truncated trailing batch', () => Buffer.concat([batchOf(1), batchOf(2).subarray(0, 70)]), 'CORRUPT_MESSAGE', /truncated/],
    ['a batch cut inside its header', () => batchOf(1).subarray(0, 40), 'CORRUPT_MESSAGE', /truncated/],
    ['a length below the header size', () => patch(batchOf(1), (b) => b.writeInt32BE(20, BATCH_LENGTH_OFFSET)), 'CORRUPT_MESSAGE', /below the minimum/],
    ['a negative length', () => patch(batchOf(1), (b) => b.writeInt32BE(-1, BATCH_LENGTH_OFFSET)), 'CORRUPT_MESSAGE', /below the minimum/],
    ['magic 0', () => patch(batchOf(1), (b) => b.writeInt8(0, MAGIC_OFFSET)), 'UNSUPPORTED_FOR_MESSAGE_FORMAT', /magic 0/],
    ['magic 1', () => patch(batchOf(1), (b) => b.writeInt8(1, MAGIC_OFFSET)), 'UNSUPPORTED_FOR_MESSAGE_FORMAT', /magic 1/],
    ['magic 3', () => patch(batchOf(1), (b) => b.writeInt8(3, MAGIC_OFFSET)), 'CORRUPT_MESSAGE', /unknown magic 3/],
    ['a bad CRC', () => { const b = batchOf(1); flip(b, b.length - 1, 1); return b; }, 'CORRUPT_MESSAGE', /CRC/],
    ['a flipped attribute bit without a new CRC', () => { const b = batchOf(1); flip(b, ATTRIBUTES_OFFSET + 1, 0x10); return b; }, 'CORRUPT_MESSAGE', /CRC/],
    ['record count 0', () => patch(batchOf(1), (b) => b.writeInt32BE(0, RECORD_COUNT_OFFSET)), 'INVALID_RECORD', /record count 0/],
    ['a negative record count', () => patch(batchOf(1), (b) => b.writeInt32BE(-3, RECORD_COUNT_OFFSET)), 'INVALID_RECORD', /record count -3/],
    ['lastOffsetDelta != count - 1', () => patch(batchOf(3), (b) => b.writeInt32BE(5, LAST_OFFSET_DELTA_OFFSET)), 'INVALID_RECORD', /lastOffsetDelta 5/],
    ['lastOffsetDelta != count - 1 when compressed', () => patch(batchOf(3, { compression: 'gzip' }), (b) => b.writeInt32BE(0, LAST_OFFSET_DELTA_OFFSET)), 'INVALID_RECORD', /lastOffsetDelta 0/],
    ['an unknown compression codec', () => patch(batchOf(1), (b) => b.writeInt16BE(6, ATTRIBUTES_OFFSET)), 'INVALID_RECORD', /codec id 6/],
    ['more records declared than present', () => patch(batchOf(2), (b) => { b.writeInt32BE(3, RECORD_COUNT_OFFSET); b.writeInt32BE(2, LAST_OFFSET_DELTA_OFFSET); }), 'INVALID_RECORD', /holds only 2/],
    ['fewer records declared than present', () => patch(batchOf(3), (b) => { b.writeInt32BE(2, RECORD_COUNT_OFFSET); b.writeInt32BE(1, LAST_OFFSET_DELTA_OFFSET); }), 'INVALID_RECORD', /left over/],
    ['a record length running past the batch', () => patch(batchOf(1), (b) => { b[BATCH_HEADER_SIZE] = 0x7e; }), 'INVALID_RECORD', /invalid length/],
    ['a record whose fields overrun its length', () => patch(batchOf(1), (b) => { b[BATCH_HEADER_SIZE + 4] = 0x20; /* key length 16 */ }), 'INVALID_RECORD', /record 0/],
    ['a key length below -1', () => patch(batchOf(1), (b) => { b[BATCH_HEADER_SIZE + 4] = 0x03; /* key length -2 */ }), 'INVALID_RECORD', /invalid length -2/],
  ];
  for (const [name, make, error, message] of cases) {
    it(`rejects ${name} with ${error}`, () => {
      const r = splitRecordBatches(make());
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toBe(error);
      expect(r.message).toMatch(message);
    });
  }

  it('reports a bad batch after good ones', () => {
    const bad = batchOf(1);
    flip(bad, bad.length - 1, 0xff);
    const r = splitRecordBatches(Buffer.concat([batchOf(1), bad]));
    expect(r).toMatchObject({ ok: false, error: 'CORRUPT_MESSAGE' });
  });

  it('does not look inside compressed payloads (the CRC vouches for them)', () => {
    expect(splitRecordBatches(batchOf(50, { compression: 'lz4' })).ok).toBe(true);
  });
});

describe('splitRecordBatches mini-fuzz', () => {
  // Deterministic PRNG so a failure reproduces.
  let seed = 0x12345678;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const valid = [
    batchOf(1),
    batchOf(5, { compression: 'gzip' }),
    encodeRecordBatch({ records: [{ key: null, value: null, headers: [{ key: 'h', value: null }] }, { value: Buffer.alloc(300, 1) }] }),
  ];

  it('never throws on random bytes', () => {
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.alloc(rand(200));
      for (let j = 0; j < b.length; j++) b[j] = rand(256);
      if (b.length > MAGIC_OFFSET && rand(2) === 0) b[MAGIC_OFFSET] = 2; // get past the magic check
      if (b.length > 12 && rand(2) === 0) b.writeInt32BE(b.length - 12, BATCH_LENGTH_OFFSET);
      expect(() => splitRecordBatches(b)).not.toThrow();
    }
  });

  it('never throws on mutated valid batches, CRC fixed up or not', () => {
    for (let i = 0; i < 5000; i++) {
      const src = valid[rand(valid.length)]!;
      let b = Buffer.concat([src, rand(3) === 0 ? valid[rand(valid.length)]! : Buffer.alloc(0)]);
      const mutations = 1 + rand(4);
      for (let m = 0; m < mutations; m++) {
        switch (rand(4)) {
          case 0:
            b[rand(b.length)] = rand(256);
            break;
          case 1:
            b = b.subarray(0, rand(b.length + 1));
            break;
          case 2:
            b = Buffer.concat([b, Buffer.from([rand(256), rand(256)])]);
            break;
          default:
            if (b.length > BATCH_HEADER_SIZE) flip(b, BATCH_HEADER_SIZE + rand(b.length - BATCH_HEADER_SIZE), 1 << rand(8));
        }
      }
      if (rand(2) === 0 && b.length >= BATCH_HEADER_SIZE) {
        const len = b.readInt32BE(BATCH_LENGTH_OFFSET);
        if (len >= 49 && len + 12 <= b.length) {
          b.writeUInt32BE(computeBatchCrc(b.subarray(0, len + 12)), CRC_OFFSET);
        }
      }
      let r: ReturnType<typeof splitRecordBatches> | undefined;
      expect(() => (r = splitRecordBatches(b))).not.toThrow();
      // Whatever is accepted must also decode (uncompressed payloads are fully checked).
      if (r?.ok) {
        for (const batch of r.batches) {
          if (compressionOf(readBatchHeader(batch).attributes) === 'none') expect(() => decodeRecordBatch(batch)).not.toThrow();
        }
      }
    }
  });
});
