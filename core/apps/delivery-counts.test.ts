import { describe, expect, it } from 'vitest';
import { DeliveryCounts } from './delivery-counts.js';
import { MoneyCheck } from './money-check.js';

describe('DeliveryCounts', () => {
  it('counts missing, duplicated, out-of-order, pending and unexpected records', () => {
    const counts = new DeliveryCounts();
    for (let seq = 0; seq < 6; seq++) counts.addInput('a', 'g', seq);
    for (const seq of [0, 2, 2, 4, 1, 2]) counts.addOutput('a', 'g', seq);
    counts.addOutput('b', 'g', 0); // no input
    expect(counts.snapshot()).toEqual({
      inputs: 6,
      duplicateInputs: 0,
      outputs: 7,
      missing: 1, // 3: skipped by 4 (1 came late, out of order)
      duplicated: 2,
      outOfOrder: 1,
      pending: 1, // 5
      unexpected: 1,
    });
    expect(counts.pendingInputs(10)).toEqual([{ key: 'a', gen: 'g', seq: 5 }]);
  });

  it('settles the same whichever of input and output is read first', () => {
    const counts = new DeliveryCounts();
    counts.addOutput('a', 'g', 1);
    expect(counts.snapshot()).toMatchObject({ unexpected: 1, missing: 0 });
    counts.addInput('a', 'g', 0); // behind an output already: missing at once
    expect(counts.snapshot()).toMatchObject({ unexpected: 1, missing: 1, pending: 0 });
    counts.addInput('a', 'g', 1);
    counts.addInput('a', 'g', 2);
    expect(counts.snapshot()).toMatchObject({ inputs: 3, unexpected: 0, missing: 1, pending: 1 });
    expect(counts.addInput('a', 'g', 2)).toBe(false);
    expect(counts.snapshot().duplicateInputs).toBe(1);
  });

  it('keeps gens and keys apart', () => {
    const counts = new DeliveryCounts();
    counts.addInput('a', 'g1', 0);
    counts.addInput('a', 'g2', 0);
    counts.addInput('b', 'g1', 0);
    counts.addOutput('a', 'g2', 0);
    counts.addOutput('b', 'g1', 0);
    counts.addOutput('a', 'g1', 0);
    expect(counts.snapshot()).toMatchObject({ inputs: 3, outputs: 3, missing: 0, duplicated: 0, outOfOrder: 0, pending: 0, unexpected: 0 });
  });
});

describe('MoneyCheck', () => {
  it('compares the transfers with the latest balances once nothing is pending', () => {
    const money = new MoneyCheck();
    for (const amount of [10, -3, 5]) money.addInput(amount);
    money.addOutput('a', 'g', 0, 10);
    money.addOutput('b', 'g', 0, -3);
    expect(money.snapshot(1)).toEqual({ inputTotal: 12, balanceTotal: 7, conserved: null });
    money.addOutput('a', 'g', 1, 15);
    money.addOutput('a', 'g', 0, 10); // a late repeat of an older entry: not the latest
    expect(money.snapshot(0)).toEqual({ inputTotal: 12, balanceTotal: 12, conserved: true });
    money.addOutput('a', 'g', 1, 20); // a replay onto state that had it already: counted twice
    expect(money.snapshot(0)).toEqual({ inputTotal: 12, balanceTotal: 17, conserved: false });
    money.addOutput('a', 'g2', 0, 15); // the next generator run
    expect(money.snapshot(0).balanceTotal).toBe(12);
  });

  it('names where an account ledger breaks its chain when money is not conserved', () => {
    const money = new MoneyCheck();
    for (const amount of [10, 5, -2]) money.addInput(amount);
    const at = (offset: number) => ({ partition: 1, offset });
    money.addOutput('a', 'g', 0, 10, { amount: 10, source: at(0) });
    money.addOutput('a', 'g', 1, 15, { amount: 5, source: at(1) });
    // Processed on stale state: the balance before it should have been 15, not 10.
    money.addOutput('a', 'g', 2, 8, { amount: -2, source: at(2) });
    const snapshot = money.snapshot(0);
    expect(snapshot.conserved).toBe(false);
    expect(snapshot.breaks).toEqual([{ account: 'a', gen: 'g', seq: 2, amount: -2, balance: 8, previousBalance: 15, source: at(2) }]);
  });
});
