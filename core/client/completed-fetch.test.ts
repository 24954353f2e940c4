import { describe, expect, it } from 'vitest';
import { encodeControlBatch, encodeRecordBatch } from '../protocol/records/index.js';
import { readCompletedFetch, type AbortedTransaction } from './completed-fetch.js';

// A partition log as the broker would return it: batches at explicit offsets.
function data(baseOffset: number, values: string[], producerId = -1, transactional = false): Buffer {
  return encodeRecordBatch({
    baseOffset,
    producerId,
    producerEpoch: producerId === -1 ? -1 : 0,
    baseSequence: producerId === -1 ? -1 : 0,
    transactional,
    partitionLeaderEpoch: 3,
    records: values.map((v) => ({ value: Buffer.from(v), timestamp: 1000 + baseOffset })),
  });
}

function marker(baseOffset: number, producerId: number, type: 'ABORT' | 'COMMIT'): Buffer {
  return encodeControlBatch({ baseOffset, producerId, producerEpoch: 0, type, coordinatorEpoch: 0, timestamp: 2000 });
}

const values = (r: ReturnType<typeof readCompletedFetch>) => r.records.map((x) => x.value!.toString());

describe('readCompletedFetch', () => {
  // Producers 1 and 2 interleave: 1 aborts twice, 2 commits, and their aborted ranges overlap.
  //  0 p1 a1 | 1 p2 c1 | 2 p1 a2 | 3 p2 c2 | 4 p1 ABORT | 5 p2 COMMIT | 6 p2 a3 | 7 p1 a4 | 8 plain
  //  9 p1 ABORT | 10 p2 ABORT | 11 p1 c3 | 12 p1 COMMIT
  const log = Buffer.concat([
    data(0, ['p1-a1'], 1, true),
    data(1, ['p2-c1'], 2, true),
    data(2, ['p1-a2'], 1, true),
    data(3, ['p2-c2'], 2, true),
    marker(4, 1, 'ABORT'),
    marker(5, 2, 'COMMIT'),
    data(6, ['p2-a3'], 2, true),
    data(7, ['p1-a4'], 1, true),
    data(8, ['plain']),
    marker(9, 1, 'ABORT'),
    marker(10, 2, 'ABORT'),
    data(11, ['p1-c3'], 1, true),
    marker(12, 1, 'COMMIT'),
  ]);
  const aborted: AbortedTransaction[] = [
    { producerId: 2, firstOffset: 6 },
    { producerId: 1, firstOffset: 0 },
    { producerId: 1, firstOffset: 7 },
  ];

  it('read_committed drops every aborted record of interleaved transactions and never returns markers', () => {
    const r = readCompletedFetch(log, 0, 'read_committed', aborted);
    expect(values(r)).toEqual(['p2-c1', 'p2-c2', 'plain', 'p1-c3']);
    expect(r.records.map((x) => x.offset)).toEqual([1, 3, 8, 11]);
    expect(r.nextOffset).toBe(13);
  });

  it('read_committed from inside both aborted ranges (the fetch that leaks in kafkajs)', () => {
    // The broker lists the aborted transactions overlapping [7, end): p2's from 6 and p1's from 7.
    const r = readCompletedFetch(log, 7, 'read_committed', aborted.filter((a) => a.firstOffset >= 6));
    expect(values(r)).toEqual(['plain', 'p1-c3']);
    expect(r.nextOffset).toBe(13);
  });

  it('read_uncommitted returns every data record and no marker', () => {
    const r = readCompletedFetch(log, 0, 'read_uncommitted', null);
    expect(values(r)).toEqual(['p1-a1', 'p2-c1', 'p1-a2', 'p2-c2', 'p2-a3', 'p1-a4', 'plain', 'p1-c3']);
    expect(r.records.every((x) => x.leaderEpoch === 3)).toBe(true);
  });

  it('trims a batch that starts below the fetch offset', () => {
    const batch = data(10, ['a', 'b', 'c', 'd']);
    const r = readCompletedFetch(batch, 12, 'read_uncommitted', null);
    expect(r.records.map((x) => [x.offset, x.value!.toString()])).toEqual([
      [12, 'c'],
      [13, 'd'],
    ]);
    expect(r.nextOffset).toBe(14);
  });

  it('moves past markers and aborted batches that leave nothing to return', () => {
    const r = readCompletedFetch(Buffer.concat([data(0, ['x', 'y'], 5, true), marker(2, 5, 'ABORT')]), 0, 'read_committed', [{ producerId: 5, firstOffset: 0 }]);
    expect(r.records).toEqual([]);
    expect(r.nextOffset).toBe(3);
  });

  it('leaves a batch cut off by the byte limit for the next fetch', () => {
    const two = Buffer.concat([data(0, ['a']), data(1, ['b'])]);
    const r = readCompletedFetch(two.subarray(0, two.length - 5), 0, 'read_uncommitted', null);
    expect(values(r)).toEqual(['a']);
    expect(r.nextOffset).toBe(1);
  });

  it('refuses bytes with no complete batch, and a batch whose CRC does not match', () => {
    const one = data(0, ['a']);
    expect(() => readCompletedFetch(one.subarray(0, 30), 0, 'read_uncommitted', null)).toThrow(/no complete record batch/);
    const bad = Buffer.from(one);
    bad[bad.length - 1]! ^= 0xff;
    expect(() => readCompletedFetch(bad, 0, 'read_uncommitted', null)).toThrow(/CRC/);
  });
});
