// The exactly-once ledger: what the verifier counted, per app (missing, duplicated, money).
import type { AppName, SessionEvent } from '../api/contract';
import { pushSample, type Point } from './series';

type Verifier = Extract<SessionEvent, { type: 'verifier.snapshot' }>;

export interface LedgerEntry {
  app: AppName;
  ts: number;
  inputs: number;
  outputs: number;
  missing: number;
  duplicated: number;
  outOfOrder: number;
  pending: number;
  moneyConserved: boolean | null;
  missingSeries: Point[];
  duplicatedSeries: Point[];
}

export interface LedgerState {
  byApp: Partial<Record<AppName, LedgerEntry>>;
  /** The app whose snapshot came last. */
  latest: AppName | null;
}

export function initialLedger(): LedgerState {
  return { byApp: {}, latest: null };
}

export function applyLedger(state: LedgerState, e: SessionEvent): void {
  if (e.type !== 'verifier.snapshot') return;
  const v: Verifier = e;
  const prev = state.byApp[v.app];
  const entry: LedgerEntry = {
    app: v.app,
    ts: v.ts,
    inputs: v.inputs,
    outputs: v.outputs,
    missing: v.missing,
    duplicated: v.duplicated,
    outOfOrder: v.outOfOrder,
    pending: v.pending,
    moneyConserved: v.moneyConserved,
    missingSeries: prev?.missingSeries ?? [],
    duplicatedSeries: prev?.duplicatedSeries ?? [],
  };
  pushSample(entry.missingSeries, v.ts, v.missing);
  pushSample(entry.duplicatedSeries, v.ts, v.duplicated);
  state.byApp[v.app] = entry;
  state.latest = v.app;
}

export type Verdict = 'holding' | 'violated' | 'pending';

/** Exactly-once holds when nothing is missing, nothing duplicated, and money (if counted) conserved. */
export function verdict(entry: LedgerEntry | undefined | null): Verdict {
  if (!entry) return 'pending';
  if (entry.missing > 0 || entry.duplicated > 0 || entry.moneyConserved === false) return 'violated';
  return 'holding';
}
