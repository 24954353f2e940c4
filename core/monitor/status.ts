// Burrow-style consumer status from a sliding window of (committed offset, lag) samples per
// partition. Pure functions: the monitor records one sample per partition per poll.
//
// Rules for a partition, evaluated on its newest sample (first match wins):
//   ERR    the newest sample could not be read (end offset unknown)
//   OK     no lag, or no committed offset (nothing to be behind on)
//   STOP   lag and the group has no members: nobody is consuming
//   OK     fewer samples than the window holds: not enough evidence yet
//   STOP   lag, and the committed offset has not moved for stopAfterMs or longer
//   STALL  lag, and the committed offset did not move across the window
//   WARN   the committed offset moved, but lag never decreased across the window and grew overall
//   OK     otherwise
// The group's status is its worst partition's (OK < WARN < STALL < STOP < ERR); ERR when its
// offsets could not be read at all. OffsetFetch carries no commit time, so "not committing" is
// judged by the committed offset standing still, from the first time the monitor saw it.
import type { LagStatus } from './types.js';

export interface LagSample {
  at: number;
  committed: number | null;
  /** null when the partition's end offset could not be read. */
  lag: number | null;
}

export interface PartitionHistory {
  /** Oldest first, at most `windowSize`. */
  samples: LagSample[];
  /** When the committed offset took its current value, as first seen by the monitor. */
  committedSince: number;
}

export interface StatusRules {
  windowSize: number;
  stopAfterMs: number;
}

export const DEFAULT_STATUS_RULES: StatusRules = { windowSize: 10, stopAfterMs: 60_000 };

const SEVERITY: Record<LagStatus, number> = { OK: 0, WARN: 1, STALL: 2, STOP: 3, ERR: 4 };

/** Appends a sample; a committed offset moving backwards (a reset) starts a new window. */
export function recordSample(history: PartitionHistory | undefined, sample: LagSample, windowSize: number): PartitionHistory {
  const last = history?.samples[history.samples.length - 1];
  if (!history || !last || (sample.committed !== null && last.committed !== null && sample.committed < last.committed)) {
    return { samples: [sample], committedSince: sample.at };
  }
  const samples = [...history.samples, sample].slice(-windowSize);
  return { samples, committedSince: sample.committed === last.committed ? history.committedSince : sample.at };
}

export function partitionStatus(history: PartitionHistory, active: boolean, rules: StatusRules = DEFAULT_STATUS_RULES): LagStatus {
  const { samples } = history;
  const newest = samples[samples.length - 1];
  const oldest = samples[0];
  if (!newest || !oldest) return 'OK';
  if (newest.lag === null) return 'ERR';
  if (newest.lag === 0 || newest.committed === null) return 'OK';
  if (!active) return 'STOP';
  if (samples.length < rules.windowSize) return 'OK';
  if (newest.at - history.committedSince >= rules.stopAfterMs) return 'STOP';
  if (samples.every((s) => s.committed === newest.committed)) return 'STALL';
  const lags = samples.map((s) => s.lag);
  if (lags.some((l) => l === null)) return 'OK';
  const nonDecreasing = lags.every((l, i) => i === 0 || l! >= lags[i - 1]!);
  if (nonDecreasing && newest.lag > oldest.lag!) return 'WARN';
  return 'OK';
}

export function worstStatus(statuses: Iterable<LagStatus>): LagStatus {
  let worst: LagStatus = 'OK';
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}
