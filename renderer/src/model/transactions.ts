// Transactions per transactional id, joined from the broker's view (txn.snapshot: state, producer
// id/epoch, partitions, open since, hanging) and the instances' view (txn telemetry: phase, task,
// outcome history), plus commit latency over time from the instances' metrics.
import type { SessionEvent, TransactionSnapshot } from '../api/contract';
import { telemetryOf } from '../api/telemetry';
import { pushCapped, pushSample, type Point } from './series';

export type Outcome = 'committed' | 'aborted' | 'fenced';

export interface TxnHistoryItem {
  ts: number;
  outcome: Outcome;
  instanceId: string;
  producerEpoch: number | null;
  durationMs: number | null;
  records: number | null;
  error: string | null;
}

export interface ClientTxn {
  instanceId: string;
  tasks: string[];
  phase: string;
  producerId: number | null;
  producerEpoch: number | null;
  ts: number;
  /** When the current transaction began (client side), null when none is open. */
  openSince: number | null;
}

export interface TxnEntry {
  transactionalId: string;
  broker: TransactionSnapshot | null;
  client: ClientTxn | null;
  history: TxnHistoryItem[];
  counts: Record<Outcome, number>;
}

export interface TransactionsState {
  byId: Record<string, TxnEntry>;
  /** Does the cluster answer DescribeTransactions (null until a snapshot came). */
  supported: boolean | null;
  snapshotTs: number | null;
  /** instance id → mean commit latency (ms) per metrics interval. */
  commitLatency: Record<string, Point[]>;
}

export const HISTORY_KEPT = 50;
const OPEN_PHASES: ReadonlySet<string> = new Set(['begin', 'offsets-added', 'committing', 'aborting']);
const LATENCY_SERIES_KEPT = 12;

export function initialTransactions(): TransactionsState {
  return { byId: {}, supported: null, snapshotTs: null, commitLatency: {} };
}

function entryFor(state: TransactionsState, id: string): TxnEntry {
  return (state.byId[id] ??= { transactionalId: id, broker: null, client: null, history: [], counts: { committed: 0, aborted: 0, fenced: 0 } });
}

export function applyTransactions(state: TransactionsState, e: SessionEvent): void {
  if (e.type === 'txn.snapshot') {
    state.supported = e.supported;
    state.snapshotTs = e.ts;
    const seen = new Set<string>();
    for (const t of e.transactions) {
      seen.add(t.transactionalId);
      entryFor(state, t.transactionalId).broker = t;
    }
    for (const entry of Object.values(state.byId)) if (!seen.has(entry.transactionalId)) entry.broker = null;
    for (const [id, entry] of Object.entries(state.byId)) {
      if (!entry.broker && !entry.client && entry.history.length === 0) delete state.byId[id];
    }
    return;
  }
  if (e.type !== 'instance.telemetry') return;
  const t = telemetryOf(e);
  if (!t) return;
  if (t.type === 'metrics') {
    if (t.commitLatencyMs === null) return;
    const series = (state.commitLatency[e.id] ??= []);
    pushSample(series, e.ts, t.commitLatencyMs);
    const ids = Object.keys(state.commitLatency);
    if (ids.length > LATENCY_SERIES_KEPT) {
      const oldest = ids.sort((a, b) => (state.commitLatency[a]?.at(-1)?.t ?? 0) - (state.commitLatency[b]?.at(-1)?.t ?? 0))[0];
      if (oldest) delete state.commitLatency[oldest];
    }
    return;
  }
  if (t.type !== 'txn') return;
  const entry = entryFor(state, t.transactionalId);
  const prev = entry.client;
  const opening = t.phase === 'begin';
  const stillOpen = OPEN_PHASES.has(t.phase);
  entry.client = {
    instanceId: e.id,
    tasks: t.tasks,
    phase: t.phase,
    producerId: t.producerId ?? prev?.producerId ?? null,
    producerEpoch: t.producerEpoch ?? prev?.producerEpoch ?? null,
    ts: e.ts,
    openSince: opening ? e.ts : stillOpen ? (prev?.openSince ?? e.ts) : null,
  };
  if (t.phase === 'committed' || t.phase === 'aborted' || t.phase === 'fenced') {
    entry.counts[t.phase]++;
    pushCapped(
      entry.history,
      {
        ts: e.ts,
        outcome: t.phase,
        instanceId: e.id,
        producerEpoch: t.producerEpoch,
        durationMs: t.durationMs ?? null,
        records: t.records ?? null,
        error: t.error ?? null,
      },
      HISTORY_KEPT,
    );
  }
}

export interface TxnRowView {
  transactionalId: string;
  state: string;
  producerId: number | null;
  producerEpoch: number | null;
  partitions: string[];
  openSince: number | null;
  timeoutMs: number | null;
  hanging: boolean;
  instanceId: string | null;
  tasks: string[];
  counts: Record<Outcome, number>;
  lastOutcome: TxnHistoryItem | null;
}

/** One row per transactional id: the broker's word first, the instance's where the broker is silent. */
export function txnRows(state: TransactionsState): TxnRowView[] {
  return Object.values(state.byId)
    .map((entry) => {
      const b = entry.broker;
      const c = entry.client;
      return {
        transactionalId: entry.transactionalId,
        state: b?.state ?? c?.phase ?? 'unknown',
        producerId: b?.producerId ?? c?.producerId ?? null,
        producerEpoch: b?.producerEpoch ?? c?.producerEpoch ?? null,
        partitions: b ? b.partitions.flatMap((tp) => tp.partitions.map((p) => `${tp.topic}-${p}`)) : [],
        openSince: b ? b.startedAt : (c?.openSince ?? null),
        timeoutMs: b?.timeoutMs ?? null,
        hanging: b?.hanging ?? false,
        instanceId: c?.instanceId ?? null,
        tasks: c?.tasks ?? [],
        counts: entry.counts,
        lastOutcome: entry.history[entry.history.length - 1] ?? null,
      };
    })
    .sort((a, b) => Number(b.hanging) - Number(a.hanging) || a.transactionalId.localeCompare(b.transactionalId));
}
