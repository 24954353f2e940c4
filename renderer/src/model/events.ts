// The event log: the last N session events, counts per category, and the payloads that failed
// validation (counted and shown, never fatal).
import type { SessionEvent } from '../api/contract';
import { parseTelemetry } from '../api/telemetry';
import { categoryOf } from './describe';
import { pushCapped } from './series';

export interface InvalidItem {
  receivedAt: number;
  error: string;
  /** The payload, as JSON, cut short. */
  raw: string;
}

export interface EventsState {
  /** Everything, newest last (the store keeps this list non-reactive and bumps a version). */
  items: SessionEvent[];
  /** Facts only: state changes, rebalances, errors, fences — not the per-second samples. */
  notable: SessionEvent[];
  lastSeq: number;
  counts: Record<string, number>;
  total: number;
  invalidCount: number;
  invalidTelemetryCount: number;
  invalid: InvalidItem[];
}

export const EVENTS_KEPT = 5000;
export const NOTABLE_KEPT = 1000;
const INVALID_KEPT = 50;

export function initialEvents(): EventsState {
  return { items: [], notable: [], lastSeq: 0, counts: {}, total: 0, invalidCount: 0, invalidTelemetryCount: 0, invalid: [] };
}

function preview(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

const SAMPLE_TYPES: ReadonlySet<string> = new Set(['instance.resources', 'group.snapshot', 'txn.snapshot', 'load.stats', 'verifier.snapshot']);
const ROUTINE_TXN_PHASES: ReadonlySet<string> = new Set(['begin', 'offsets-added', 'committing', 'committed']);

/** Periodic samples and routine telemetry (metrics, offset commits, transactions that commit): the bulk of the feed. */
export function isSample(e: SessionEvent): boolean {
  if (SAMPLE_TYPES.has(e.type)) return true;
  if (e.type !== 'instance.telemetry') return false;
  const t = e.event['type'];
  if (t === 'metrics' || t === 'commit') return true;
  return t === 'txn' && ROUTINE_TXN_PHASES.has(String(e.event['phase']));
}

export function applyEvents(state: EventsState, e: SessionEvent): void {
  pushCapped(state.items, e, EVENTS_KEPT);
  if (!isSample(e)) pushCapped(state.notable, e, NOTABLE_KEPT);
  state.lastSeq = Math.max(state.lastSeq, e.seq);
  state.total++;
  const cat = categoryOf(e);
  state.counts[cat] = (state.counts[cat] ?? 0) + 1;
  if (e.type === 'instance.telemetry') {
    const p = parseTelemetry(e);
    if (p.kind === 'invalid') {
      state.invalidTelemetryCount++;
      pushCapped(state.invalid, { receivedAt: e.ts, error: p.error, raw: preview(e.event) }, INVALID_KEPT);
    }
  }
}

export function recordInvalid(state: EventsState, raw: unknown, error: string, receivedAt: number): void {
  state.invalidCount++;
  pushCapped(state.invalid, { receivedAt, error, raw: preview(raw) }, INVALID_KEPT);
}

export interface EventFilter {
  categories: string[];
  text: string;
  severity: 'all' | 'warn' | 'error';
}

/** Newest first, at most `limit`. */
export function filterEvents(
  items: readonly SessionEvent[],
  filter: EventFilter,
  describe: (e: SessionEvent) => string,
  severity: (e: SessionEvent) => 'info' | 'warn' | 'error',
  limit = 500,
): SessionEvent[] {
  const cats = new Set(filter.categories);
  const needle = filter.text.trim().toLowerCase();
  const out: SessionEvent[] = [];
  for (let i = items.length - 1; i >= 0 && out.length < limit; i--) {
    const e = items[i]!;
    if (cats.size && !cats.has(categoryOf(e)) && !cats.has(e.type)) continue;
    if (filter.severity !== 'all') {
      const s = severity(e);
      if (filter.severity === 'error' ? s !== 'error' : s === 'info') continue;
    }
    if (needle && !describe(e).toLowerCase().includes(needle) && !e.type.includes(needle)) continue;
    out.push(e);
  }
  return out;
}
