// The load generator: its state and counts as it last reported them.
import type { SessionEvent } from '../api/contract';
import { pushSample, type Point } from './series';

type LoadStats = Extract<SessionEvent, { type: 'load.stats' }>;

export interface LoadState {
  stats: Omit<LoadStats, 'type' | 'seq'> | null;
  rateSeries: Point[];
}

export function initialLoad(): LoadState {
  return { stats: null, rateSeries: [] };
}

export function applyLoad(state: LoadState, e: SessionEvent): void {
  if (e.type !== 'load.stats') return;
  const { type: _t, seq: _s, ...stats } = e;
  state.stats = stats;
  pushSample(state.rateSeries, e.ts, e.ratePerSecond);
}

export function loadRunning(state: LoadState): boolean {
  const s = state.stats?.state;
  return s === 'running' || s === 'paused' || s === 'starting';
}
