// A timeline of generations per group, joined from two sources: the monitor's group.rebalance
// events (cause, duration, members before/after, partitions moved) and each hosted instance's
// rebalance telemetry (its member id, tasks assigned / revoked / kept, JoinGroup+SyncGroup time).
// The instance's group is its application id.
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
}

export interface RebalancesState {
  entries: GenerationEntry[];
  nextId: number;
}

export const ENTRIES_KEPT = 200;
/** Instance telemetry without a generation joins a monitor entry this close in time. */
const JOIN_WINDOW_MS = 30_000;

export function initialRebalances(): RebalancesState {
  return { entries: [], nextId: 1 };
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

export function applyRebalances(state: RebalancesState, e: SessionEvent, applicationIdOf: (instanceId: string) => string | null): void {
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
  if (!t || t.type !== 'rebalance' || e.type !== 'instance.telemetry') return;
  const groupId = applicationIdOf(e.id);
  if (!groupId) return;
  let entry = findGeneration(state, groupId, t.generation);
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
