import { describe, expect, it } from 'vitest';
import { controlType, ReadCommittedFilter } from './read-committed.js';
import type { RawMessage } from './read-committed.js';

type Message = RawMessage & { value: string };

// A partition's log as kafkajs decodes it: data records carry their producer and whether they
// are transactional; markers are control records keyed version 0, type 0 (abort) or 1 (commit).
const data = (offset: number, producerId: string, value: string, inTransaction = true): Message => ({
  offset: String(offset),
  key: Buffer.from('k'),
  value,
  isControlRecord: false,
  batchContext: { producerId, inTransaction },
});
const marker = (offset: number, producerId: string, type: 0 | 1): Message => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, type]),
  value: '',
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});
const values = (messages: Message[]) => messages.map((m) => m.value);

// Producers 1 and 2 interleave: 1 aborts, 2 commits, a plain record sits between, then 1 commits.
const LOG: Message[] = [
  data(0, '1', 'p1-aborted-a'),
  data(1, '2', 'p2-committed-a'),
  data(2, '1', 'p1-aborted-b'),
  data(3, '-1', 'plain', false),
  data(4, '2', 'p2-committed-b'),
  marker(5, '1', 0),
  data(6, '1', 'p1-committed'),
  marker(7, '2', 1),
  marker(8, '1', 1),
];

describe('ReadCommittedFilter', () => {
  it('keeps committed records in offset order and drops aborted ones, in one fetch', () => {
    const filter = new ReadCommittedFilter<Message>();
    expect(values(filter.accept(LOG, 0))).toEqual(['p2-committed-a', 'plain', 'p2-committed-b', 'p1-committed']);
    expect(filter.position).toBe(9);
    expect(filter.openTransactions).toBe(0);
  });

  it('gives the same answer fetch by fetch, holding records behind an open transaction', () => {
    const filter = new ReadCommittedFilter<Message>();
    const seen: string[] = [];
    const openAfter: number[] = [];
    for (const m of LOG) {
      seen.push(...values(filter.accept([m], Number(m.offset))));
      openAfter.push(filter.openTransactions);
    }
    expect(seen).toEqual(['p2-committed-a', 'plain', 'p2-committed-b', 'p1-committed']);
    expect(openAfter).toEqual([1, 2, 2, 2, 2, 1, 2, 1, 0]);
  });

  it('holds a plain record that follows an open transaction until the transaction ends', () => {
    const filter = new ReadCommittedFilter<Message>();
    expect(filter.accept([data(0, '1', 'txn'), data(1, '-1', 'plain', false)], 0)).toEqual([]);
    expect(values(filter.accept([marker(2, '1', 0)], 2))).toEqual(['plain']);
  });

  // The case kafkajs 2.2.4 gets wrong: the fetch begins after both aborted transactions started.
  it('drops interleaved aborted transactions of two producers when the fetch starts mid-transaction', () => {
    const log = [
      data(0, '1', 'p1-aborted-a'),
      data(1, '2', 'p2-aborted-a'),
      data(2, '2', 'p2-aborted-b'),
      data(3, '1', 'p1-aborted-b'),
      marker(4, '2', 0),
      marker(5, '1', 0),
      data(6, '3', 'p3-committed'),
      marker(7, '3', 1),
    ];
    const filter = new ReadCommittedFilter<Message>();
    // A fetch from offset 2 returns the whole record batch from 0; offsets below 2 are not ours.
    expect(values(filter.accept(log, 2))).toEqual(['p3-committed']);
    expect(filter.openTransactions).toBe(0);
  });

  it('releases the part of a transaction it saw when the commit arrives, and ignores markers of unseen transactions', () => {
    const filter = new ReadCommittedFilter<Message>();
    expect(filter.accept([marker(0, '9', 1), data(1, '1', 'late-half')], 1)).toEqual([]);
    expect(values(filter.accept([marker(2, '1', 1)], 2))).toEqual(['late-half']);
  });

  it('skips what it has read already when a fetch repeats offsets', () => {
    const filter = new ReadCommittedFilter<Message>();
    expect(values(filter.accept(LOG.slice(0, 5), 0))).toEqual([]);
    expect(values(filter.accept(LOG, 0))).toEqual(['p2-committed-a', 'plain', 'p2-committed-b', 'p1-committed']);
  });

  it('a producer whose commit is held behind another transaction keeps its next transaction apart', () => {
    const filter = new ReadCommittedFilter<Message>();
    const log = [
      data(0, '1', 'p1-open-long'),
      data(1, '2', 'p2-t1'),
      marker(2, '2', 1),
      data(3, '2', 'p2-t2-aborted'),
      marker(4, '1', 1),
      marker(5, '2', 0),
    ];
    expect(values(filter.accept(log.slice(0, 4), 0))).toEqual([]);
    expect(values(filter.accept(log.slice(4, 5), 4))).toEqual(['p1-open-long', 'p2-t1']);
    expect(values(filter.accept(log.slice(5), 5))).toEqual([]);
  });

  it('after a fetch of markers alone, asks to re-fetch from the last data record only while records are held', () => {
    const filter = new ReadCommittedFilter<Message>();
    filter.accept([data(0, '-1', 'plain', false), marker(1, '7', 1)], 0);
    expect(filter.skippedControlRecords(3)).toBeNull(); // nothing held: markers 2..3 cannot matter
    expect(filter.position).toBe(4);
    filter.accept([data(4, '1', 'txn')], 4);
    expect(filter.skippedControlRecords(3)).toBeNull(); // read already
    expect(filter.skippedControlRecords(6)).toBe(4);
    expect(values(filter.accept([data(4, '1', 'txn'), marker(5, '8', 0), marker(6, '1', 1)], 4))).toEqual(['txn']);
  });

  it('reads control record keys', () => {
    expect(controlType(Buffer.from([0, 0, 0, 0]))).toBe('abort');
    expect(controlType(Buffer.from([0, 0, 0, 1]))).toBe('commit');
    expect(() => controlType(Buffer.from([0, 0, 0, 2]))).toThrow(/unknown control record type 2/);
    expect(() => controlType(null)).toThrow(/4 bytes/);
  });
});
