import { describe, expect, it } from 'vitest';
import { PartitionTransactions } from './partition-transactions.js';

describe('partition transaction bookkeeping', () => {
  it('tracks the last stable offset as the first offset of the earliest open transaction', () => {
    const t = new PartitionTransactions();
    expect(t.firstUnstableOffset()).toBeUndefined();
    t.onData(1, 10);
    t.onData(2, 12);
    t.onData(1, 14); // same transaction continues
    expect(t.firstUnstableOffset()).toBe(10);
    t.onMarker(1, 'COMMIT', 15);
    expect(t.firstUnstableOffset()).toBe(12);
    t.onMarker(2, 'ABORT', 16);
    expect(t.firstUnstableOffset()).toBeUndefined();
    expect(t.abortedIn(0, 100)).toEqual([{ producerId: 2, firstOffset: 12, lastOffset: 16 }]);
  });

  it('lists aborted transactions overlapping the fetch range, sorted by first offset', () => {
    const t = new PartitionTransactions();
    t.onData(7, 0); // X starts first…
    t.onData(8, 1); // …Y second
    t.onMarker(8, 'ABORT', 2); // but Y is aborted first
    t.onMarker(7, 'ABORT', 3);
    expect(t.abortedIn(0, 10).map((a) => a.producerId)).toEqual([7, 8]);
    expect(t.abortedIn(3, 10).map((a) => a.producerId)).toEqual([7]); // Y ended before offset 3
    expect(t.abortedIn(0, 1).map((a) => a.producerId)).toEqual([7]); // Y starts at the bound
    t.truncateBefore(3);
    expect(t.abortedIn(0, 10).map((a) => a.producerId)).toEqual([7]);
  });
});
