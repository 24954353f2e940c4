import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EVALUATOR_RULES,
  EMPTY_WINDOW,
  evaluatePartition,
  observe,
  recordCommit,
  worstStatus,
  type Commit,
  type EvaluatorRules,
  type PartitionWindow,
} from './lag-evaluator.js';
import type { LagStatus } from './types.js';

const RULES = DEFAULT_EVALUATOR_RULES;
/** A window of n commits, so short examples fill it. */
const windowOf = (n: number): EvaluatorRules => ({ ...RULES, windowSize: n });

interface Poll {
  at: number;
  committed: number;
  end: number;
}

/** Runs polls through observe + evaluatePartition as the monitor does, the clock being each poll's time. */
function run(polls: Poll[], rules: EvaluatorRules = RULES, hasMembers = true): { window: PartitionWindow; statuses: LagStatus[] } {
  let window = EMPTY_WINDOW;
  const statuses: LagStatus[] = [];
  for (const p of polls) {
    const lag = Math.max(0, p.end - p.committed);
    window = observe(window, { at: p.at, committed: p.committed, end: p.end, lag }, rules);
    statuses.push(evaluatePartition(window, { now: p.at, currentLag: lag, hasMembers }, rules));
  }
  return { window, statuses };
}

/** A window of commits one second apart from t=0, as [offset, lag] pairs, with end offsets of offset + lag. */
function commits(pairs: [number, number][], rules: EvaluatorRules = RULES): PartitionWindow {
  let window: PartitionWindow = EMPTY_WINDOW;
  pairs.forEach(([offset, lag], i) => {
    window = recordCommit(window, { at: i * 1000, offset, lag }, rules);
    window = { ...window, ends: [...window.ends, offset + lag].slice(-rules.windowSize) };
  });
  return window;
}

const lastOf = (w: PartitionWindow): Commit => w.commits[w.commits.length - 1]!;
const evaluate = (w: PartitionWindow, rules: EvaluatorRules = RULES, now = lastOf(w).at + 1000) =>
  evaluatePartition(w, { now, currentLag: lastOf(w).lag, hasMembers: true }, rules);

describe('a consumer keeping up with a small lag', () => {
  it('is OK: lag between 3 and 5 goes down somewhere in the window (the old rule said WARN)', () => {
    const lags = [3, 5, 4, 3, 5, 4, 3, 5, 4, 3, 5, 4, 3, 5, 4];
    const polls = lags.map((lag, i) => ({ at: i * 1000, committed: 100 * i, end: 100 * i + lag }));
    expect(run(polls).statuses).toEqual(lags.map(() => 'OK'));
  });
});

describe('a slow committer falling behind', () => {
  // Commits every 5 s, polled every second; lag when it commits grows by 31 a commit, 0 → 558; between
  // commits the end keeps moving, so the lag a poll sees drops at every commit.
  const polls: Poll[] = [];
  for (let t = 0; t <= 90; t++) {
    const k = Math.floor(t / 5);
    const committed = 1000 * k;
    const end = committed + 31 * k + 60 * (t % 5);
    polls.push({ at: t * 1000, committed, end });
  }

  it('keeps one sample per commit, with the lag seen at the commit', () => {
    const { window } = run(polls);
    expect(window.commits.map((c) => c.lag)).toEqual([279, 310, 341, 372, 403, 434, 465, 496, 527, 558]);
    expect(window.commits.map((c) => c.at)).toEqual([45, 50, 55, 60, 65, 70, 75, 80, 85, 90].map((s) => s * 1000));
  });

  it('is OK while a commit with zero lag is in the window, WARN once lag only grows across it', () => {
    const { statuses } = run(polls);
    expect(statuses.slice(0, 50)).toEqual(Array(50).fill('OK'));
    expect(statuses.slice(50)).toEqual(Array(41).fill('WARN'));
  });
});

describe('STALL', () => {
  it('is STALL when commits repeat the same offset with lag', () => {
    expect(evaluate(commits([[100, 5], [100, 6], [100, 8], [100, 9]], windowOf(4)), windowOf(4))).toBe('STALL');
  });

  it('is OK when lag was zero at one of those commits', () => {
    expect(evaluate(commits([[100, 0], [100, 6], [100, 8], [100, 9]], windowOf(4)), windowOf(4))).toBe('OK');
  });
});

describe('STOP', () => {
  // Commits at 0 … 9 s; the end offsets stay above the last committed offset (190).
  const window = commits(Array.from({ length: 10 }, (_, i): [number, number] => [100 + 10 * i, 200 + i]));

  it('is STOP when longer since the last commit than the window spans', () => {
    expect(evaluate(window, RULES, 18_000)).toBe('WARN'); // 9 s since the last commit, span 9 s
    expect(evaluate(window, RULES, 18_001)).toBe('STOP');
  });

  it('is not STOP while a recent end offset is at or below the last committed offset', () => {
    const caughtUp = { ...window, ends: [...window.ends.slice(1), lastOf(window).offset] };
    expect(evaluate(caughtUp, RULES, 60_000)).not.toBe('STOP');
  });

  it('is STOP through polls without a commit, and not with lag within the allowed', () => {
    const polls: Poll[] = [];
    for (let t = 0; t < 10; t++) polls.push({ at: t * 1000, committed: 100 * t, end: 100 * t + 50 + t });
    for (let t = 10; t <= 20; t++) polls.push({ at: t * 1000, committed: 900, end: 960 + 10 * t });
    const { statuses } = run(polls);
    expect(statuses[18]).toBe('WARN'); // 9 s after the last commit, the window spanning 9 s
    expect(statuses[19]).toBe('STOP');
    expect(run(polls, { ...RULES, allowedLag: 1000 }).statuses).toEqual(Array(21).fill('OK'));
  });

  it('is STOP at once without members, with lag', () => {
    const w = commits([[100, 5]]);
    expect(evaluatePartition(w, { now: 0, currentLag: 5, hasMembers: false }, RULES)).toBe('STOP');
    expect(evaluatePartition(w, { now: 0, currentLag: 0, hasMembers: false }, RULES)).toBe('OK');
  });

  it('with only the offset found when watching started: OK, STOP once it stood still for stopAfterMs', () => {
    const w = commits([[100, 5]]);
    expect(evaluatePartition(w, { now: 59_999, currentLag: 5, hasMembers: true }, RULES)).toBe('OK');
    expect(evaluatePartition(w, { now: 60_000, currentLag: 5, hasMembers: true }, RULES)).toBe('STOP');
  });
});

describe('REWIND', () => {
  it('is REWIND when the committed offset goes backwards, until a commit gets back to where it was', () => {
    const rules = windowOf(5);
    expect(evaluate(commits([[100, 5], [110, 5], [120, 5], [50, 75], [60, 70]], rules), rules)).toBe('REWIND');
    expect(evaluate(commits([[100, 5], [110, 5], [120, 5], [50, 75], [120, 8]], rules), rules)).toBe('OK');
  });

  it('keeps the window through a rewind, sampled per poll', () => {
    const { window, statuses } = run(
      [
        { at: 0, committed: 100, end: 110 },
        { at: 1000, committed: 110, end: 120 },
        { at: 2000, committed: 40, end: 125 },
      ],
      windowOf(3),
    );
    expect(window.commits.map((c) => c.offset)).toEqual([100, 110, 40]);
    expect(statuses[2]).toBe('REWIND');
  });
});

describe('allowed lag', () => {
  const rules = windowOf(6);
  const steady = commits([[100, 3], [110, 3], [120, 4], [130, 4], [140, 5], [150, 5]], rules);

  it('counts lag at or under it as zero', () => {
    expect(evaluate(steady, rules)).toBe('WARN');
    expect(evaluate(steady, { ...rules, allowedLag: 3 })).toBe('OK'); // a commit within it
    expect(evaluate(steady, { ...rules, allowedLag: 5 })).toBe('OK'); // current lag within it
  });
});

describe('the window', () => {
  it('judges REWIND, STALL, WARN only once it holds minComplete × windowSize commits', () => {
    const growing = commits([[100, 5], [110, 6], [120, 7], [130, 8]]);
    expect(evaluate(growing)).toBe('OK');
    expect(evaluate(growing, { ...RULES, minComplete: 0.4 })).toBe('WARN');
  });

  it('adds no sample for a poll without a new commit, but keeps its end offset', () => {
    const { window } = run(Array.from({ length: 15 }, (_, t) => ({ at: t * 1000, committed: 100, end: 100 + 7 * t })));
    expect(window.commits).toEqual([{ at: 0, offset: 100, lag: 0 }]);
    expect(window.ends).toEqual(Array.from({ length: 10 }, (_, i) => 100 + 7 * (i + 5)));
  });

  it('keeps the last windowSize commits', () => {
    const { window } = run(Array.from({ length: 25 }, (_, t) => ({ at: t * 1000, committed: 10 * t, end: 10 * t + 1 })));
    expect(window.commits.map((c) => c.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 10 * (i + 15)));
  });

  it('starts over when the group no longer has a committed offset', () => {
    const w = observe(commits([[100, 5], [110, 5]]), { at: 5000, committed: null, end: 120, lag: 0 });
    expect(w.commits).toEqual([]);
  });

  it('merges a commit sooner than minDistanceMs into the previous one, keeping its time', () => {
    const rules = { ...RULES, minDistanceMs: 2500 };
    let w = recordCommit(EMPTY_WINDOW, { at: 0, offset: 10, lag: 4 }, rules);
    w = recordCommit(w, { at: 1000, offset: 20, lag: 3 }, rules);
    w = recordCommit(w, { at: 2000, offset: 30, lag: 2 }, rules);
    w = recordCommit(w, { at: 3000, offset: 40, lag: 1 }, rules);
    expect(w.commits).toEqual([{ at: 0, offset: 30, lag: 2 }, { at: 3000, offset: 40, lag: 1 }]);
  });
});

describe('ERR and the group', () => {
  it('is ERR when the end offset could not be read', () => {
    expect(evaluatePartition(commits([[100, 5]]), { now: 0, currentLag: null, hasMembers: true }, RULES)).toBe('ERR');
  });

  it("takes the worst partition's status: OK < WARN < STOP < STALL < REWIND < ERR", () => {
    expect(worstStatus([])).toBe('OK');
    expect(worstStatus(['OK', 'WARN', 'OK'])).toBe('WARN');
    expect(worstStatus(['STALL', 'STOP', 'WARN'])).toBe('STALL');
    expect(worstStatus(['STALL', 'REWIND'])).toBe('REWIND');
    expect(worstStatus(['REWIND', 'ERR'])).toBe('ERR');
  });
});
