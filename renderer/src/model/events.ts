// The event log: the last N session events, counts per category, and the payloads that failed
// validation (counted and shown, never fatal).
import type { SessionEvent } from '../api/contract';
import { parseTelemetry, telemetryOf } from '../api/telemetry';
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

/**
 * Client warnings that are part of a rebalance going as it should: the Events view folds them
 * into the rebalance they belong to instead of listing each one. Matched against the message of a
 * 'log' telemetry event at level warn (an error-level log is never routine: the runtime logs a
 * rebalance problem as an error only when it gives up). Anything not listed here stays its own row.
 */
export const ROUTINE_WARNINGS: readonly { readonly id: string; readonly pattern: RegExp; readonly why: string }[] = [
  {
    id: 'commit-deferred',
    pattern: /^commit deferred: .*\bREBALANCE_IN_PROGRESS\b/,
    // task-manager.ts: the coordinator refuses offset commits while a new generation forms; the
    // offsets stay pending and are committed at the next interval or on revocation, nothing is lost.
    why: 'the coordinator refuses commits while the group rebalances; the offsets are committed at the next interval',
  },
  {
    id: 'group-rebalancing',
    pattern: /\bgroup is rebalancing\b/i,
    // kafkajs's text for REBALANCE_IN_PROGRESS ("The group is rebalancing, so a rejoin is needed"),
    // its consumer runner's "The group is rebalancing, re-joining", and the group member's "group
    // is rebalancing again": the coordinator asking a member to join the next generation.
    why: 'the coordinator tells the member to rejoin for the next generation; the join follows',
  },
  {
    id: 'rebalance-in-progress',
    pattern: /\b(?:JoinGroup|SyncGroup|Heartbeat)\b.*\bREBALANCE_IN_PROGRESS\b/,
    // The coordinator's answer to a join, sync or heartbeat of the old generation while members
    // (re)join: Kafka's way of saying "join again", handled by the group member.
    why: 'the coordinator answers the old generation this way while members join; the member rejoins',
  },
  {
    id: 'rebalance-retry',
    pattern: /^rebalance \(.*\) failed: .*; retrying$/,
    // stream-thread.ts: a join or sync round failed with a retriable error and the group member
    // tries again after a back-off; the rebalance event it is folded into shows that it got through.
    why: 'a join round failed with a retriable error and the member retried it',
  },
];

/** How far before a join started, or after its rebalance completed, a routine warning still counts as that rebalance's. */
export const FOLD_WINDOW_MS = 10_000;

/** The entry of ROUTINE_WARNINGS a warning matches, or null: not a log event, not a warning, or not routine. */
export function routineWarningOf(e: SessionEvent): (typeof ROUTINE_WARNINGS)[number] | null {
  const t = telemetryOf(e);
  if (!t || t.type !== 'log' || t.level !== 'warn') return null;
  return ROUTINE_WARNINGS.find((r) => r.pattern.test(t.message)) ?? null;
}

/** A row of the Events view: an event, and the routine warnings folded into it (oldest first). */
export interface EventRow {
  event: SessionEvent;
  folded: SessionEvent[];
}

interface Host {
  event: SessionEvent;
  seq: number;
  joinStartedTs: number;
  completedTs: number;
}

/**
 * Folds each routine warning of an instance into that instance's rebalance (its 'rebalance'
 * telemetry, which marks the join completing): the first one after the warning, if the warning
 * came at most FOLD_WINDOW_MS before that join started; else the last one before it, if the
 * warning came at most FOLD_WINDOW_MS after it completed (a straggler of the old generation). A
 * routine warning with no such rebalance among `events` — one still under way, or retrying
 * without end — stays its own row, as does every other event. A view concern only: `events` is
 * not changed, and the log and its export keep every event. Rows keep the order of `events`.
 */
export function foldRoutineWarnings(events: readonly SessionEvent[]): EventRow[] {
  const hosts = new Map<string, Host[]>();
  for (const e of events) {
    const t = telemetryOf(e);
    if (e.type !== 'instance.telemetry' || !t || t.type !== 'rebalance') continue;
    const list = hosts.get(e.id) ?? [];
    list.push({ event: e, seq: e.seq, joinStartedTs: e.ts - Math.max(0, t.durationMs), completedTs: e.ts });
    hosts.set(e.id, list);
  }
  if (hosts.size === 0) return events.map((event) => ({ event, folded: [] }));
  for (const list of hosts.values()) list.sort((a, b) => a.seq - b.seq);

  const foldedInto = new Map<SessionEvent, SessionEvent[]>();
  const folded = new Set<SessionEvent>();
  for (const e of events) {
    if (e.type !== 'instance.telemetry' || !routineWarningOf(e)) continue;
    const list = hosts.get(e.id);
    if (!list) continue;
    const next = list.findIndex((h) => h.seq > e.seq);
    const after = next === -1 ? undefined : list[next];
    const before = next === -1 ? list[list.length - 1] : next > 0 ? list[next - 1] : undefined;
    const host =
      after && e.ts >= after.joinStartedTs - FOLD_WINDOW_MS ? after : before && e.ts <= before.completedTs + FOLD_WINDOW_MS ? before : undefined;
    if (!host) continue;
    const into = foldedInto.get(host.event) ?? [];
    into.push(e);
    foldedInto.set(host.event, into);
    folded.add(e);
  }
  const rows: EventRow[] = [];
  for (const event of events) {
    if (folded.has(event)) continue;
    rows.push({ event, folded: (foldedInto.get(event) ?? []).sort((a, b) => a.seq - b.seq) });
  }
  return rows;
}
