// Transactions per transactional id, joined from the broker's view (txn.snapshot: state, producer
// id/epoch, partitions, open since, hanging, what the coordinator did on its own) and the
// instances' view (txn telemetry: phase, tasks, outcome history), plus commit latency over time
// from the instances' metrics, and the partitions whose LSO an open transaction holds back.
import type { InstanceState, SessionEvent, TransactionSnapshot } from '../api/contract';
import { telemetryOf } from '../api/telemetry';
import { pushCapped, pushSample, type Point } from './series';

export type Outcome = 'committed' | 'aborted' | 'fenced';

type TxnSnapshot = Extract<SessionEvent, { type: 'txn.snapshot' }>;
export type CoordinatorEvent = TransactionSnapshot['coordinatorEvents'][number];
export type CoordinatorKind = CoordinatorEvent['kind'];
export type LsoHold = TxnSnapshot['lsoHeld'][number];

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
  /** What the monitor saw the coordinator do on its own, oldest first (kept beyond the monitor's window). */
  coordinator: CoordinatorEvent[];
  /** Producers that initialised this id (InitProducerId), as instances reported: who fenced whom. */
  inits: ProducerInit[];
}

export interface ProducerInit {
  ts: number;
  instanceId: string;
  producerId: number;
  producerEpoch: number;
}

export interface TransactionsState {
  byId: Record<string, TxnEntry>;
  /** Does the cluster answer DescribeTransactions (null until a snapshot came). */
  supported: boolean | null;
  snapshotTs: number | null;
  /** instance id → mean commit latency (ms) per metrics interval. */
  commitLatency: Record<string, Point[]>;
  /** Partitions held back by open transactions, as of the last snapshot. */
  lsoHeld: LsoHold[];
}

export const HISTORY_KEPT = 50;
const OPEN_PHASES: ReadonlySet<string> = new Set(['begin', 'offsets-added', 'committing', 'aborting']);
const LATENCY_SERIES_KEPT = 12;

export function initialTransactions(): TransactionsState {
  return { byId: {}, supported: null, snapshotTs: null, commitLatency: {}, lsoHeld: [] };
}

function entryFor(state: TransactionsState, id: string): TxnEntry {
  return (state.byId[id] ??= { transactionalId: id, broker: null, client: null, history: [], counts: { committed: 0, aborted: 0, fenced: 0 }, coordinator: [], inits: [] });
}

const coordinatorKey = (c: CoordinatorEvent): string => `${c.kind}:${c.producerId}:${c.epochBefore}:${c.epochAfter}:${c.seenAt}`;

/** The monitor sends its recent window each time; keep each event once, and more than the window. */
function mergeCoordinator(entry: TxnEntry, events: readonly CoordinatorEvent[]): void {
  const known = new Set(entry.coordinator.map(coordinatorKey));
  for (const c of events) if (!known.has(coordinatorKey(c))) pushCapped(entry.coordinator, c, HISTORY_KEPT);
}

export function applyTransactions(state: TransactionsState, e: SessionEvent): void {
  if (e.type === 'txn.snapshot') {
    state.supported = e.supported;
    state.snapshotTs = e.ts;
    state.lsoHeld = e.lsoHeld;
    const seen = new Set<string>();
    for (const t of e.transactions) {
      seen.add(t.transactionalId);
      const entry = entryFor(state, t.transactionalId);
      entry.broker = t;
      mergeCoordinator(entry, t.coordinatorEvents);
    }
    for (const entry of Object.values(state.byId)) if (!seen.has(entry.transactionalId)) entry.broker = null;
    for (const [id, entry] of Object.entries(state.byId)) {
      if (!entry.broker && !entry.client && entry.history.length === 0 && entry.coordinator.length === 0) delete state.byId[id];
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
  if ((t.phase === 'init' || t.phase === 'epoch-bumped') && t.producerId !== null && t.producerEpoch !== null) {
    pushCapped(entry.inits, { ts: e.ts, instanceId: e.id, producerId: t.producerId, producerEpoch: t.producerEpoch }, HISTORY_KEPT);
  }
  const opening = t.phase === 'begin';
  const stillOpen = OPEN_PHASES.has(t.phase);
  entry.client = {
    instanceId: e.id,
    // A transaction names its tasks once it has records or offsets of theirs; until then (begin,
    // init) the thread still holds the tasks of its last one.
    tasks: t.tasks.length > 0 || !prev || prev.instanceId !== e.id ? t.tasks : prev.tasks,
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

/**
 * How long after the poll that saw an abort the aborting instance's own report may still arrive
 * (worker → supervisor → session), and still count as the same abort.
 */
const REPORT_SLACK_MS = 5_000;

/**
 * Whether an abort the monitor saw was the producer's own after all: under transaction version 2
 * its own abort bumps the epoch as the coordinator's does, and only the instance's report of an
 * abort of the same transaction (after it began, by the time the monitor saw it) tells them apart.
 */
export function reportedByProducer(entry: TxnEntry, c: CoordinatorEvent): boolean {
  if (!c.producerAbortPossible || c.startedAt === null) return false;
  const from = c.startedAt;
  return entry.history.some((h) => h.outcome === 'aborted' && h.ts >= from && h.ts <= c.seenAt + REPORT_SLACK_MS);
}

export type CoordinatorCounts = Record<CoordinatorKind, number>;

/** The coordinator's own doings for one id: aborts a producer reported as its own left out. */
export function coordinatorCounts(entry: TxnEntry): CoordinatorCounts {
  const counts: CoordinatorCounts = { 'timeout-abort': 0, 'fence-abort': 0, fence: 0 };
  for (const c of entry.coordinator) if (!reportedByProducer(entry, c)) counts[c.kind]++;
  return counts;
}

/** `<application id>-<process id>-<thread index>`: how exactly_once_v2 names a stream thread's producer. */
export interface StreamThreadId {
  applicationId: string;
  processId: string;
  thread: number;
}

const STREAM_THREAD_ID = /^(.+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)$/i;

export function parseTransactionalId(id: string): StreamThreadId | null {
  const m = STREAM_THREAD_ID.exec(id);
  return m ? { applicationId: m[1]!, processId: m[2]!, thread: Number(m[3]) } : null;
}

/** One line of a transactional id's history: an instance's report or the coordinator's own action. */
export interface TimelineItem {
  ts: number;
  source: 'instance' | 'coordinator';
  outcome: Outcome | CoordinatorKind;
  instanceId: string | null;
  /** The epoch it ended in (instances), or moved to (coordinator). */
  producerEpoch: number | null;
  epochBefore: number | null;
  durationMs: number | null;
  records: number | null;
  note: string | null;
}

const KIND_NOTES: Record<CoordinatorKind, string> = {
  'timeout-abort': 'open longer than its transaction timeout: aborted by the coordinator',
  'fence-abort': 'a new producer with this transactional id called InitProducerId: the open transaction was aborted',
  fence: 'a new producer with this transactional id called InitProducerId: the old one is fenced',
};

/** The instance whose InitProducerId produced the epoch a fence moved to, if one reported it. */
export function fencedBy(entry: TxnEntry, c: CoordinatorEvent): string | null {
  if (c.kind === 'timeout-abort') return null;
  return entry.inits.find((i) => i.producerId === c.producerId && i.producerEpoch === c.epochAfter)?.instanceId ?? null;
}

export function timeline(entry: TxnEntry): TimelineItem[] {
  const items: TimelineItem[] = entry.history.map((h) => ({
    ts: h.ts,
    source: 'instance',
    outcome: h.outcome,
    instanceId: h.instanceId,
    producerEpoch: h.producerEpoch,
    epochBefore: null,
    durationMs: h.durationMs,
    records: h.records,
    note: h.error,
  }));
  for (const c of entry.coordinator) {
    if (reportedByProducer(entry, c)) continue;
    const by = fencedBy(entry, c);
    items.push({
      ts: c.seenAt,
      source: 'coordinator',
      outcome: c.kind,
      instanceId: by,
      producerEpoch: c.epochAfter,
      epochBefore: c.epochBefore,
      durationMs: c.startedAt === null ? null : c.seenAt - c.startedAt,
      records: null,
      note: KIND_NOTES[c.kind] + (by ? ` (the new producer: ${by})` : '') + (c.producerAbortPossible ? ' (or by the producer itself: no instance reported it)' : ''),
    });
  }
  return items.sort((a, b) => a.ts - b.ts);
}

/** Instance states in which a producer can no longer end its transaction. */
const DEAD_STATES: ReadonlySet<InstanceState> = new Set<InstanceState>(['killed', 'frozen', 'crashed', 'stopped']);

export type HolderVerdict = 'dead' | 'orphaned' | 'live' | 'unreported';

export interface LsoHoldRow extends LsoHold {
  /** The hosted instance whose producer has the transactional id, when one reported it. */
  instanceId: string | null;
  instanceState: InstanceState | null;
  /**
   * dead: its hosted instance is killed, frozen, crashed or stopped — only the timeout ends it;
   * orphaned: not hosted, and no member of its application's group runs its process (Kafka
   * Streams members tell their process id); live: its instance runs, or a member of the group
   * runs its process, and may still end it; unreported: neither tells.
   */
  verdict: HolderVerdict;
  /** Until the timeout aborts it, counted down to `now`; ≤ 0: overdue. */
  timeLeftMs: number;
  heldForMs: number;
  /** Records read_committed readers cannot see yet. */
  behind: number;
}

/** The group's members' process ids, per group id (for Kafka Streams groups whose members tell them). */
export type GroupProcesses = Readonly<Record<string, readonly string[]>>;

function holderVerdict(transactionalId: string, instanceState: InstanceState | null, groupProcesses: GroupProcesses): HolderVerdict {
  if (instanceState !== null) return DEAD_STATES.has(instanceState) ? 'dead' : 'live';
  const thread = parseTransactionalId(transactionalId);
  const processes = thread ? groupProcesses[thread.applicationId] : undefined;
  if (!thread || !processes) return 'unreported';
  return processes.includes(thread.processId) ? 'live' : 'orphaned';
}

/** The partitions held back by open transactions, dead holders first, soonest to abort first. */
export function lsoHoldRows(
  state: TransactionsState,
  instanceStates: Readonly<Record<string, InstanceState>>,
  now: number,
  groupProcesses: GroupProcesses = {},
): LsoHoldRow[] {
  const rank: Record<HolderVerdict, number> = { dead: 0, orphaned: 1, unreported: 2, live: 3 };
  return state.lsoHeld
    .map((h) => {
      const client = state.byId[h.transactionalId]?.client ?? null;
      const instanceId = client?.instanceId ?? null;
      const instanceState = instanceId === null ? null : (instanceStates[instanceId] ?? null);
      const verdict = holderVerdict(h.transactionalId, instanceState, groupProcesses);
      return {
        ...h,
        instanceId,
        instanceState,
        verdict,
        timeLeftMs: h.since + h.timeoutMs - now,
        heldForMs: now - h.since,
        behind: h.highWatermark - h.lastStable,
      };
    })
    .sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.timeLeftMs - b.timeLeftMs || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export interface TxnRowView {
  transactionalId: string;
  /** Parsed from an exactly_once_v2 stream thread's id; null for other producers. */
  thread: StreamThreadId | null;
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
  coordinator: CoordinatorCounts;
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
        thread: parseTransactionalId(entry.transactionalId),
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
        coordinator: coordinatorCounts(entry),
        lastOutcome: entry.history[entry.history.length - 1] ?? null,
      };
    })
    .sort((a, b) => Number(b.hanging) - Number(a.hanging) || a.transactionalId.localeCompare(b.transactionalId));
}
