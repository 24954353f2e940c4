// Long work in progress (starting the cluster, restoring state, resetting an app), by task name.
import type { SessionEvent } from '../api/contract';

export interface ProgressItem {
  task: string;
  message: string;
  fraction: number | null;
  done: boolean;
  ts: number;
  startedTs: number;
}

export interface ProgressState {
  byTask: Record<string, ProgressItem>;
}

export function initialProgress(): ProgressState {
  return { byTask: {} };
}

export function applyProgress(state: ProgressState, e: SessionEvent): void {
  if (e.type !== 'progress') return;
  const prev = state.byTask[e.task];
  const startedTs = prev && !prev.done ? prev.startedTs : e.ts;
  state.byTask[e.task] = { task: e.task, message: e.message, fraction: e.fraction, done: e.done, ts: e.ts, startedTs };
}

export function activeProgress(state: ProgressState): ProgressItem[] {
  return Object.values(state.byTask)
    .filter((p) => !p.done)
    .sort((a, b) => a.startedTs - b.startedTs);
}

/** The latest item whose task name contains `needle` (e.g. "embedded"). */
export function progressMatching(state: ProgressState, needle: string): ProgressItem | null {
  let best: ProgressItem | null = null;
  for (const p of Object.values(state.byTask)) {
    if (p.task.toLowerCase().includes(needle) && (!best || p.ts > best.ts)) best = p;
  }
  return best;
}
