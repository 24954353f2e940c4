// A consumer's lag status as Burrow's evaluator judges it (linkedin/Burrow, core/internal/evaluator/
// caching.go, and the window of offsets its storage keeps, core/internal/storage/inmemory.go; read
// at ced55ba, after v1.9.5). Pure: data in, status out, the clock passed in.
//
// Per partition a window of the last `windowSize` commits, oldest first, each with the lag at the
// time the commit was seen, and of the last `windowSize` end offsets, one per poll (Burrow's broker
// offsets). The monitor cannot see commits, only the committed offset OffsetFetch returns, so a new
// commit is recorded when that offset changes: a poll that finds it unchanged adds nothing.
//
// Rules for a partition, in Burrow's order (first match wins); "over" means lag > allowedLag:
//   OK      current lag not over                             (calculatePartitionStatus)
//   STOP    no members in the group                          (not Burrow: nobody can be committing)
//   STOP    now − newest commit > newest − oldest commit, and no end offset in the window is at or
//           below the newest committed offset (checkIfOffsetsStopped, checkIfRecentLagZero).
//           With one commit, that is only the offset found when the monitor began to watch, at an
//           unknown time: instead of Burrow's span (0), it may stand still for stopAfterMs
//   OK      the window holds fewer than minComplete × windowSize commits (Burrow's
//           minimum-complete, there applied before every rule: Burrow reads the history of
//           __consumer_offsets, so its windows are full from the start; the monitor's start empty,
//           and a consumer that stops before filling one must still come out STOP)
//   REWIND  a commit went below the one before it, and no later commit got back to it
//           (checkIfOffsetsRewind, checkIfRewindRecovered)
//   OK      lag not over at some commit in the window        (isLagAlwaysNotZero)
//   STALL   every commit in the window is the same offset    (checkIfOffsetsStalled)
//   WARN    lag never decreases from one commit to the next  (checkIfLagNotDecreasing)
//   OK      otherwise
// ERR (not a Burrow partition status): the partition's end offset could not be read.
import type { LagStatus } from './types.js';

export interface Commit {
  /** When the monitor saw the committed offset change (ms). */
  at: number;
  offset: number;
  /** Lag when the commit was seen. */
  lag: number;
}

export interface PartitionWindow {
  /** Oldest first, at most windowSize. */
  commits: Commit[];
  /** End offsets seen by the last polls, oldest first, at most windowSize (Burrow's broker offsets). */
  ends: number[];
}

export interface EvaluatorRules {
  /** Commits and end offsets kept per partition (Burrow storage `intervals`, default 10). */
  windowSize: number;
  /** Lag at or under this counts as zero (Burrow evaluator `allowed-lag`, default 0). */
  allowedLag: number;
  /** A commit seen sooner than this after the previous one replaces it, keeping the previous
   * one's time (Burrow storage `min-distance`, default 0: off). */
  minDistanceMs: number;
  /** Fraction of the window that must hold commits before REWIND, STALL, WARN are judged
   * (Burrow evaluator `minimum-complete`, default 0 there; 1 here, see above). */
  minComplete: number;
  /** With a single commit in the window (not Burrow, see above): how long it may stand still. */
  stopAfterMs: number;
}

export const DEFAULT_EVALUATOR_RULES: EvaluatorRules = { windowSize: 10, allowedLag: 0, minDistanceMs: 0, minComplete: 1, stopAfterMs: 60_000 };

export const EMPTY_WINDOW: PartitionWindow = { commits: [], ends: [] };

/** One poll of a partition: its committed offset (null: none) and end offset, and the lag between. */
export interface Observation {
  at: number;
  committed: number | null;
  end: number;
  lag: number;
}

/** Adds a poll's end offset, and a commit when the committed offset is not the newest one kept. */
export function observe(window: PartitionWindow, o: Observation, rules: EvaluatorRules = DEFAULT_EVALUATOR_RULES): PartitionWindow {
  const ends = keepLast([...window.ends, o.end], rules.windowSize);
  if (o.committed === null) return { commits: [], ends };
  const newest = window.commits[window.commits.length - 1];
  if (newest && newest.offset === o.committed) return { commits: window.commits, ends };
  return recordCommit({ commits: window.commits, ends }, { at: o.at, offset: o.committed, lag: o.lag }, rules);
}

/** Adds a commit as Burrow's storage does, even one of the same offset (which is what STALL sees). */
export function recordCommit(window: PartitionWindow, commit: Commit, rules: EvaluatorRules = DEFAULT_EVALUATOR_RULES): PartitionWindow {
  const previous = window.commits[window.commits.length - 1];
  if (previous && commit.at - previous.at < rules.minDistanceMs) {
    return { commits: [...window.commits.slice(0, -1), { ...commit, at: previous.at }], ends: window.ends };
  }
  return { commits: keepLast([...window.commits, commit], rules.windowSize), ends: window.ends };
}

export interface PartitionState {
  /** Evaluation time (ms). */
  now: number;
  /** Lag now; null when the end offset could not be read. */
  currentLag: number | null;
  /** Whether the group has members. */
  hasMembers: boolean;
}

export function evaluatePartition(window: PartitionWindow, state: PartitionState, rules: EvaluatorRules = DEFAULT_EVALUATOR_RULES): LagStatus {
  if (state.currentLag === null) return 'ERR';
  const { commits } = window;
  const over = (lag: number) => lag > rules.allowedLag;
  if (!over(state.currentLag) || commits.length === 0) return 'OK';
  if (!state.hasMembers) return 'STOP';
  const stoppedNow = commits.length === 1 ? state.now - commits[0]!.at >= rules.stopAfterMs : stopped(commits, state.now);
  if (stoppedNow && !recentlyCaughtUp(commits, window.ends)) return 'STOP';
  if (commits.length < rules.minComplete * rules.windowSize) return 'OK';
  const rewind = rewindIndex(commits);
  if (rewind > 0 && !recovered(commits, rewind)) return 'REWIND';
  if (commits.some((c) => !over(c.lag))) return 'OK';
  if (commits.every((c) => c.offset === commits[0]!.offset)) return 'STALL';
  if (commits.every((c, i) => i === 0 || c.lag >= commits[i - 1]!.lag)) return 'WARN';
  return 'OK';
}

/** Burrow's partition statuses from best to worst, then ERR (the monitor could not tell). */
const SEVERITY: Record<LagStatus, number> = { OK: 0, WARN: 1, STOP: 2, STALL: 3, REWIND: 4, ERR: 5 };

export function worstStatus(statuses: Iterable<LagStatus>): LagStatus {
  let worst: LagStatus = 'OK';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

/** Longer since the newest commit than the window's commits span. */
function stopped(commits: Commit[], now: number): boolean {
  const first = commits[0]!.at;
  const last = commits[commits.length - 1]!.at;
  return now - last > last - first;
}

/** Some recent poll's end offset is at or below the newest committed offset. */
function recentlyCaughtUp(commits: Commit[], ends: number[]): boolean {
  const last = commits[commits.length - 1]!.offset;
  return ends.some((end) => end <= last);
}

/** Index of the first commit below the one before it, −1 without. */
function rewindIndex(commits: Commit[]): number {
  return commits.findIndex((c, i) => i > 0 && c.offset < commits[i - 1]!.offset);
}

function recovered(commits: Commit[], index: number): boolean {
  const before = commits[index - 1]!.offset;
  return commits.slice(index).some((c) => c.offset >= before);
}

function keepLast<T>(items: T[], n: number): T[] {
  return items.length > n ? items.slice(items.length - n) : items;
}
