import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  BATCH_HEADER_SIZE,
  CRC_OFFSET,
  COMPRESSION_CODECS,
  computeBatchCrc,
  type Compression,
  decodeRecordBatch,
  encodeRecordBatch,
  readBatchHeader,
  splitRecordBatches,
  validateBatch,
} from './index.js';

const require = createRequire(import.meta.url);
// kafkajs 2.2.4's own batch encoder and decoder, as an independent witness of the format.
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (opts: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (opts: Record<string, unknown>) => unknown;
const kjsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{
  records: { key: Buffer | null; value: Buffer | null; timestamp: string; offset: string; headers: Record<string, Buffer | Buffer[]> }[];
  [k: string]: unknown;
}>;
const KjsDecoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: number | string): unknown };

type TestRecord = { key: Buffer | null; value: Buffer | null; timestamp: number; headers: { key: string; value: Buffer | null }[] };

const richRecords: TestRecord[] = [
  { key: Buffer.from('key-1'), value: Buffer.from('value-1'), timestamp: 1_700_000_000_000, headers: [] },
  { key: null, value: Buffer.from('null key'), timestamp: 1_700_000_000_005, headers: [] },
  { key: Buffer.from('null value'), value: null, timestamp: 1_700_000_000_001, headers: [] },
  { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 1_699_999_999_000, headers: [] }, // negative delta
  {
    key: Buffer.from([0, 1, 2, 255]),
    value: Buffer.alloc(1000, 0xab),
    timestamp: 1_700_000_000_002,
    headers: [
      { key: 'trace-id', value: Buffer.from('abc') },
      { key: 'null-header', value: null },
      { key: 'ключ-🔑', value: Buffer.from([0, 0xff, 0x80]) },
      { key: '', value: Buffer.alloc(0) },
      { key: 'trace-id', value: Buffer.from('duplicate keys are kept in order') },
    ],
  },
];

describe('encodeRecordBatch / decodeRecordBatch', () => {
  for (const compression of COMPRESSION_CODECS) {
    it(`round-trips every record field (${compression})`, () => {
      const batch = encodeRecordBatch({
        baseOffset: 1234,
        partitionLeaderEpoch: 7,
        producerId: 2 ** 40 + 1,
        producerEpoch: 3,
        baseSequence: 99,
        transactional: true,
        compression,
        records: richRecords,
      });
      expect(validateBatch(batch)).toEqual({ ok: true, size: batch.length });
      const { header, records } = decodeRecordBatch(batch);
      expect(header).toMatchObject({
        baseOffset: 1234,
        partitionLeaderEpoch: 7,
        magic: 2,
        lastOffsetDelta: 4,
        firstTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_005,
        producerId: 2 ** 40 + 1,
        producerEpoch: 3,
        baseSequence: 99,
        recordCount: 5,
        batchLength: batch.length - 12,
      });
      expect(records).toEqual(richRecords.map((r, i) => ({ ...r, offset: 1234 + i })));
    });
  }

  it('uses the documented defaults', () => {
    const before = Date.now();
    const batch = encodeRecordBatch({ records: [{ value: Buffer.from('x') }] });
    const h = readBatchHeader(batch);
    expect(h).toMatchObject({ baseOffset: 0, producerId: -1, producerEpoch: -1, baseSequence: -1, attributes: 0, partitionLeaderEpoch: -1 });
    expect(h.firstTimestamp).toBeGreaterThanOrEqual(before);
    expect(h.firstTimestamp).toBeLessThanOrEqual(Date.now());
    const [r] = decodeRecordBatch(batch).records;
    expect(r).toMatchObject({ key: null, value: Buffer.from('x'), headers: [], offset: 0 });
  });

  it('handles timestamps before 1970 and far timestamp deltas', () => {
    const records = [{ value: Buffer.from('a'), timestamp: -5 }, { value: Buffer.from('b'), timestamp: 2 ** 45 }, { value: Buffer.from('c'), timestamp: 0 }];
    const decoded = decodeRecordBatch(encodeRecordBatch({ records }));
    expect(decoded.records.map((r) => r.timestamp)).toEqual([-5, 2 ** 45, 0]);
    expect(decoded.header.maxTimestamp).toBe(2 ** 45);
  });

  it('marks LogAppendTime batches and reads maxTimestamp for every record', () => {
    const batch = encodeRecordBatch({ timestampType: 'LogAppendTime', records: [{ timestamp: 10 }, { timestamp: 30 }, { timestamp: 20 }] });
    expect(decodeRecordBatch(batch).records.map((r) => r.timestamp)).toEqual([30, 30, 30]);
  });

  it('round-trips large compressed batches (multi-block codecs)', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.alloc(1500, i % 7), timestamp: 5000 + i }));
    for (const compression of COMPRESSION_CODECS) {
      const batch = encodeRecordBatch({ compression, records });
      if (compression !== 'none') expect(batch.length).toBeLessThan(300 * 1500 / 4);
      const decoded = decodeRecordBatch(batch);
      expect(decoded.records.length).toBe(300);
      expect(decoded.records[299]!.value).toEqual(Buffer.alloc(1500, 299 % 7));
      expect(decoded.records[299]!.offset).toBe(299);
    }
  });

  it('refuses an empty record list', () => {
    expect(() => encodeRecordBatch({ records: [] })).toThrow(/at least one record/);
  });

  it('ignores bytes after the batch', () => {
    const batch = encodeRecordBatch({ records: [{ value: Buffer.from('v'), timestamp: 1 }] });
    expect(decodeRecordBatch(Buffer.concat([batch, Buffer.from('trailing')])).records).toHaveLength(1);
  });

  it('throws descriptive errors on bad input', () => {
    const batch = encodeRecordBatch({ records: [{ value: Buffer.from('v'), timestamp: 1 }] });
    expect(() => decodeRecordBatch(batch.subarray(0, 30))).toThrow(/too short/);
    expect(() => decodeRecordBatch(batch.subarray(0, batch.length - 1))).toThrow(/declares length/);
    const badCrc = Buffer.from(batch);
    badCrc.writeUInt32BE(0, CRC_OFFSET);
    expect(() => decodeRecordBatch(badCrc)).toThrow(/CRC/);
    const magic1 = Buffer.from(batch);
    magic1[16] = 1;
    expect(() => decodeRecordBatch(magic1)).toThrow(/magic 1/);
    const gz = encodeRecordBatch({ compression: 'gzip', records: [{ value: Buffer.from('v') }] });
    gz[BATCH_HEADER_SIZE + 12] = gz[BATCH_HEADER_SIZE + 12]! ^ 0xff;
    expect(() => decodeRecordBatch(gz)).toThrow(/CRC/);
    // With the CRC fixed up, the damage surfaces from the decompressor or the record parser.
    gz.writeUInt32BE(computeBatchCrc(gz), CRC_OFFSET);
    expect(() => decodeRecordBatch(gz)).toThrow();
  });
});

describe('kafkajs as a witness', () => {
  async function kafkajsBatch(compressionId: number, records: typeof richRecords, firstTimestamp: number) {
    const maxTimestamp = Math.max(...records.map((r) => r.timestamp));
    const kjsRecords = records.map((r, i) =>
      KjsRecord({
        offsetDelta: i,
        timestampDelta: r.timestamp - firstTimestamp,
        key: r.key,
        value: r.value,
        // kafkajs takes headers as an object: same key → array of values.
        headers: r.headers.reduce<Record<string, Buffer | null | (Buffer | null)[]>>((o, h) => {
          const prev = o[h.key];
          o[h.key] = prev === undefined ? h.value : Array.isArray(prev) ? [...prev, h.value] : [prev, h.value];
          return o;
        }, {}),
      }),
    );
    const encoded = await RecordBatch({
      compression: compressionId,
      firstOffset: Long.fromValue(0),
      firstTimestamp,
      maxTimestamp,
      partitionLeaderEpoch: 0,
      lastOffsetDelta: records.length - 1,
      transactional: false,
      producerId: Long.fromValue(-1),
      producerEpoch: -1,
      firstSequence: -1,
      records: kjsRecords,
    });
    return encoded.buffer;
  }

  it('produces the same bytes as kafkajs for an uncompressed batch', async () => {
    // kafkajs's encoder cannot size a null header value (Buffer.byteLength(null) throws) and
    // takes headers as an object (repeated keys get grouped), so leave those out here; the
    // decode tests below cover them.
    const records = richRecords.map((r) => ({
      ...r,
      headers: r.headers.filter((h, i, a) => h.value !== null && a.findIndex((x) => x.key === h.key) === i),
    }));
    const theirs = await kafkajsBatch(0, records, records[0]!.timestamp);
    const ours = encodeRecordBatch({ partitionLeaderEpoch: 0, records });
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });

  it('decodes a kafkajs gzip batch', async () => {
    const records = richRecords.slice(0, 4);
    const theirs = await kafkajsBatch(1, records, records[0]!.timestamp);
    expect(splitRecordBatches(theirs).ok).toBe(true);
    expect(decodeRecordBatch(theirs).records).toEqual(records.map((r, i) => ({ ...r, offset: i })));
  });

  for (const compression of ['none', 'gzip'] as Compression[]) {
    it(`is decoded by kafkajs (${compression})`, async () => {
      const ours = encodeRecordBatch({ baseOffset: 40, compression, records: richRecords });
      const decoded = await kjsDecodeBatch(new KjsDecoder(ours));
      expect(decoded.records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual(
        richRecords.map((r, i) => [String(40 + i), String(r.timestamp), r.key, r.value]),
      );
      expect(decoded.records[4]!.headers['ключ-🔑']).toEqual(Buffer.from([0, 0xff, 0x80]));
      expect(decoded.records[4]!.headers['trace-id']).toEqual([Buffer.from('abc'), Buffer.from('duplicate keys are kept in order')]);
    });
  }
});
