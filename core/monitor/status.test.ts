import { describe, expect, it } from 'vitest';
import { partitionStatus, recordSample, worstStatus, type LagSample, type PartitionHistory, type StatusRules } from './status.js';

const RULES: StatusRules = { windowSize: 4, stopAfterMs: 10_000 };

/** Samples one second apart from t=0, as [committed, lag] pairs. */
function history(pairs: [number | null, number | null][]): PartitionHistory {
  let h: PartitionHistory | undefined;
  pairs.forEach(([committed, lag], i) => {
    h = recordSample(h, { at: i * 1000, committed, lag }, RULES.windowSize);
  });
  return h!;
}

const status = (pairs: [number | null, number | null][], active = true) => partitionStatus(history(pairs), active, RULES);

describe('partitionStatus', () => {
  it('is OK without lag, and without a committed offset', () => {
    expect(status([[10, 5], [10, 5], [10, 5], [10, 0]])).toBe('OK');
    expect(status([[null, 0], [null, 0], [null, 0], [null, 0]])).toBe('OK');
  });

  it('is OK while the window is not yet full', () => {
    expect(status([[10, 5], [10, 5], [10, 6]])).toBe('OK');
  });

  it('is WARN when offsets advance but lag only grows', () => {
    expect(status([[10, 5], [12, 5], [14, 8], [16, 9]])).toBe('WARN');
  });

  it('is OK when offsets advance and lag falls somewhere in the window', () => {
    expect(status([[10, 5], [12, 7], [14, 6], [16, 9]])).toBe('OK');
    expect(status([[10, 5], [12, 5], [14, 5], [16, 5]])).toBe('OK');
  });

  it('is STALL when the committed offset stands still across the window with lag', () => {
    expect(status([[10, 5], [10, 6], [10, 6], [10, 7]])).toBe('STALL');
  });

  it('is STOP when the committed offset has not moved for stopAfterMs, with lag', () => {
    const pairs: [number, number][] = Array.from({ length: 11 }, () => [10, 5]);
    expect(status(pairs.slice(0, 10))).toBe('STALL'); // 9 s
    expect(status(pairs)).toBe('STOP'); // 10 s
  });

  it('is STOP at once when the group has no members and there is lag', () => {
    expect(status([[10, 5]], false)).toBe('STOP');
    expect(status([[10, 0]], false)).toBe('OK');
  });

  it('is ERR when the newest sample could not be read', () => {
    expect(status([[10, 5], [10, null]])).toBe('ERR');
    expect(status([[10, null], [10, 0]])).toBe('OK');
  });
});

describe('recordSample', () => {
  it('keeps the newest samples and when the committed offset last moved', () => {
    const h = history([[10, 1], [11, 1], [11, 1], [11, 1], [11, 1], [11, 1]]);
    expect(h.samples.map((s: LagSample) => s.at)).toEqual([2000, 3000, 4000, 5000]);
    expect(h.committedSince).toBe(1000);
  });

  it('starts over when the committed offset moves backwards (a reset)', () => {
    const h = history([[10, 1], [11, 1], [12, 1], [3, 9]]);
    expect(h.samples).toEqual([{ at: 3000, committed: 3, lag: 9 }]);
    expect(h.committedSince).toBe(3000);
  });
});

describe('worstStatus', () => {
  it('orders OK < WARN < STALL < STOP < ERR', () => {
    expect(worstStatus([])).toBe('OK');
    expect(worstStatus(['OK', 'WARN', 'OK'])).toBe('WARN');
    expect(worstStatus(['STOP', 'STALL', 'WARN'])).toBe('STOP');
    expect(worstStatus(['STOP', 'ERR'])).toBe('ERR');
  });
});
