// A timeline of generations per group, joined from two sources: the monitor's group.rebalance
// events (cause, duration, members before/after, partitions moved) and each hosted instance's
// rebalance telemetry (its member id, tasks assigned / revoked / kept, JoinGroup+SyncGroup time).
// The instance's group is its application id. Each generation also collects the processing
// pause of every task (telemetry 'pause': how long a task did not process across the rebalance,
// for tasks that stayed and tasks that moved), and the instance faults that came before it, from
// which rebalance-causes.ts names the cause.
import type { SessionEvent } from '../api/contract';
import { telemetryOf } from '../api/telemetry';

export interface MemberChange {
  instanceId: string;
  memberId: string;
  isLeader: boolean;
  assigned: string[];
  revoked: string[];
  kept: string[];
  durationMs: number;
  ts: number;
  /** revoke (gives tasks up; a follow-up round hands them over), assign, probing. */
  round: string | null;
  protocol: string | null;
  /** Why this member (re)joined, in the client's words. */
  reason: string | null;
  /** Tasks taken away without a clean hand-over (its generation was lost). */
  lost: string[];
  standby: string[];
  warmup: string[];
}

/** How long a task did not process across this rebalance. */
export interface TaskPause {
  taskId: string;
  instanceId: string;
  /** kept: stayed with its member; moved: new to this member. */
  kind: 'kept' | 'moved';
  pauseMs: number;
  /** moved: the member that processed it before, when it said when it last did. */
  from: string | null;
}

/** An instance fault or restart the session reported (instance.state). */
export interface InstanceFault {
  instanceId: string;
  groupId: string;
  kind: 'kill' | 'freeze' | 'crash' | 'stop' | 'start';
  ts: number;
}

export interface Moved {
  topic: string;
  partition: number;
  from: string | null;
  to: string | null;
}

export interface GenerationEntry {
  id: string;
  groupId: string;
  generation: number | null;
  startedTs: number | null;
  completedTs: number | null;
  cause: string;
  durationMs: number | null;
  membersBefore: string[];
  membersAfter: string[];
  moved: Moved[];
  members: MemberChange[];
  /** The monitor reported this generation complete (its duration and moves are authoritative). */
  monitorCompleted: boolean;
  pauses: TaskPause[];
  /** Instances that rejoined this generation as static members after a restart: no rebalance. */
  staticRejoins: { instanceId: string; ts: number }[];
}

export interface RebalancesState {
  entries: GenerationEntry[];
  nextId: number;
  faults: InstanceFault[];
  /** group → task → who processed it last and when (from suspended / closed / migrated tasks). */
  lastProcessed: Record<string, Record<string, { instanceId: string; at: number }>>;
  /** Instances started again since their last rebalance telemetry (a static rejoin may follow). */
  restarted: Record<string, true>;
}

export const ENTRIES_KEPT = 200;
/** Instance telemetry without a generation joins a monitor entry this close in time. */
const JOIN_WINDOW_MS = 30_000;

const FAULTS_KEPT = 100;
const FAULT_KINDS: Record<string, InstanceFault['kind']> = { killed: 'kill', frozen: 'freeze', crashed: 'crash', stopping: 'stop', starting: 'start' };

export function initialRebalances(): RebalancesState {
  return { entries: [], nextId: 1, faults: [], lastProcessed: {}, restarted: {} };
}

function create(state: RebalancesState, groupId: string, generation: number | null): GenerationEntry {
  const entry: GenerationEntry = {
    id: `r${state.nextId++}`,
    groupId,
    generation,
    startedTs: null,
    completedTs: null,
    cause: '',
    durationMs: null,
    membersBefore: [],
    membersAfter: [],
    moved: [],
    members: [],
    monitorCompleted: false,
    pauses: [],
    staticRejoins: [],
  };
  state.entries.push(entry);
  if (state.entries.length > ENTRIES_KEPT) state.entries.splice(0, state.entries.length - ENTRIES_KEPT);
  return entry;
}

function findGeneration(state: RebalancesState, groupId: string, generation: number | null): GenerationEntry | undefined {
  if (generation === null) return undefined;
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const e = state.entries[i]!;
    if (e.groupId === groupId && e.generation === generation) return e;
  }
  return undefined;
}

/** A rebalance the monitor saw start and that has not completed. */
function findOpen(state: RebalancesState, groupId: string): GenerationEntry | undefined {
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const e = state.entries[i]!;
    if (e.groupId === groupId && e.startedTs !== null && e.completedTs === null) return e;
  }
  return undefined;
}

function remove(state: RebalancesState, entry: GenerationEntry): void {
  const i = state.entries.indexOf(entry);
  if (i >= 0) state.entries.splice(i, 1);
}

function recordFault(state: RebalancesState, e: Extract<SessionEvent, { type: 'instance.state' }>): void {
  const kind = FAULT_KINDS[e.instance.state];
  if (!kind || e.from === e.instance.state) return;
  if (kind === 'start' && e.from !== null) state.restarted[e.instance.id] = true;
  state.faults.push({ instanceId: e.instance.id, groupId: e.instance.applicationId, kind, ts: e.ts });
  if (state.faults.length > FAULTS_KEPT) state.faults.splice(0, state.faults.length - FAULTS_KEPT);
}

/** The generation an instance is in now: the newest entry it reported a rebalance in. */
function currentEntryOf(state: RebalancesState, groupId: string, instanceId: string): GenerationEntry | undefined {
  for (let i = state.entries.length - 1; i >= 0; i--) {
    const e = state.entries[i]!;
    if (e.groupId === groupId && e.members.some((m) => m.instanceId === instanceId)) return e;
  }
  return undefined;
}

function applyTaskTelemetry(state: RebalancesState, groupId: string, instanceId: string, t: NonNullable<ReturnType<typeof telemetryOf>>): void {
  if (t.type === 'task') {
    const closing = t.phase === 'suspended' || t.phase === 'closed' || t.phase === 'migrated';
    if (closing && (t.role ?? 'active') === 'active' && typeof t.lastProcessedAt === 'number') {
      (state.lastProcessed[groupId] ??= {})[t.taskId] = { instanceId, at: t.lastProcessedAt };
    }
    return;
  }
  if (t.type !== 'pause') return;
  const entry = currentEntryOf(state, groupId, instanceId);
  if (!entry) return;
  let pause: TaskPause = { taskId: t.taskId, instanceId, kind: 'kept', pauseMs: t.pauseMs, from: null };
  if (t.kind === 'assigned') {
    // A moved task was not processed from its last record at the old owner until its first here.
    const last = state.lastProcessed[groupId]?.[t.taskId];
    const before = last && last.instanceId !== instanceId && last.at <= t.firstProcessedAt ? last : null;
    pause = { ...pause, kind: 'moved', pauseMs: before ? t.firstProcessedAt - before.at : t.pauseMs, from: before?.instanceId ?? null };
  }
  const i = entry.pauses.findIndex((p) => p.taskId === pause.taskId && p.instanceId === instanceId);
  if (i >= 0) entry.pauses[i] = pause;
  else entry.pauses.push(pause);
}

export function applyRebalances(state: RebalancesState, e: SessionEvent, applicationIdOf: (instanceId: string) => string | null): void {
  if (e.type === 'instance.state') {
    recordFault(state, e);
    return;
  }
  if (e.type === 'group.rebalance') {
    if (e.phase === 'started') {
      const entry = findOpen(state, e.groupId) ?? create(state, e.groupId, null);
      entry.startedTs ??= e.ts;
      entry.cause = e.cause;
      entry.membersBefore = e.membersBefore;
      return;
    }
    const open = findOpen(state, e.groupId);
    const known = findGeneration(state, e.groupId, e.generation);
    let entry = known ?? open;
    if (!entry) entry = create(state, e.groupId, e.generation);
    if (known && open && open !== known) {
      known.startedTs = open.startedTs;
      if (!known.cause) known.cause = open.cause;
      if (known.membersBefore.length === 0) known.membersBefore = open.membersBefore;
      remove(state, open);
    }
    entry.generation = e.generation ?? entry.generation;
    entry.completedTs = e.ts;
    entry.monitorCompleted = true;
    if (e.cause) entry.cause = e.cause;
    entry.durationMs = e.durationMs ?? (entry.startedTs !== null ? e.ts - entry.startedTs : entry.durationMs);
    if (e.membersBefore.length) entry.membersBefore = e.membersBefore;
    entry.membersAfter = e.membersAfter;
    entry.moved = e.moved;
    return;
  }
  const t = telemetryOf(e);
  if (!t || e.type !== 'instance.telemetry') return;
  const groupId = applicationIdOf(e.id);
  if (!groupId) return;
  if (t.type !== 'rebalance') {
    applyTaskTelemetry(state, groupId, e.id, t);
    return;
  }
  const restarted = state.restarted[e.id] === true;
  delete state.restarted[e.id];
  let entry = findGeneration(state, groupId, t.generation);
  // A restarted static member handed back the generation the group already had: it rejoined
  // without a rebalance (KIP-345).
  if (entry && restarted && entry.completedTs !== null && entry.completedTs < e.ts - t.durationMs) entry.staticRejoins.push({ instanceId: e.id, ts: e.ts });
  if (!entry) {
    const open = findOpen(state, groupId);
    const recent = [...state.entries].reverse().find((x) => x.groupId === groupId && x.generation === null && Math.abs((x.completedTs ?? x.startedTs ?? 0) - e.ts) < JOIN_WINDOW_MS);
    entry = open ?? (t.generation === null ? recent : undefined) ?? create(state, groupId, t.generation);
    if (t.generation !== null && entry.generation === null) entry.generation = t.generation;
  }
  const change: MemberChange = {
    instanceId: e.id,
    memberId: t.memberId,
    isLeader: t.isLeader,
    assigned: t.assigned,
    revoked: t.revoked,
    kept: t.kept,
    durationMs: t.durationMs,
    ts: e.ts,
    round: t.round ?? null,
    protocol: t.protocol ?? null,
    reason: t.reason ?? null,
    lost: t.lost ?? [],
    standby: t.standby ?? [],
    warmup: t.warmup ?? [],
  };
  const i = entry.members.findIndex((m) => m.instanceId === e.id);
  if (i >= 0) entry.members[i] = change;
  else entry.members.push(change);
  if (!entry.monitorCompleted) {
    // Only the instances have spoken: the rebalance took as long as the slowest member's join + sync.
    entry.durationMs = Math.max(entry.durationMs ?? 0, t.durationMs);
    if (entry.startedTs === null) entry.completedTs = Math.max(entry.completedTs ?? 0, e.ts);
  }
}

/** Newest first, optionally for one group. */
export function timeline(state: RebalancesState, groupId: string | null): GenerationEntry[] {
  return state.entries
    .filter((e) => groupId === null || e.groupId === groupId)
    .slice()
    .sort((a, b) => (b.completedTs ?? b.startedTs ?? 0) - (a.completedTs ?? a.startedTs ?? 0));
}

export function rebalanceGroups(state: RebalancesState): string[] {
  return [...new Set(state.entries.map((e) => e.groupId))].sort();
}
