// The Failover timeline: for each kill, freeze, crash or stop of a hosted instance, one row per
// task it ran as active, through the phases an operator waits out —
//   detection  the fault → the group starts rebalancing (the coordinator removed the member:
//              a session timeout after a kill or freeze, at once for a stop that leaves the group)
//   rebalance  → the task is assigned to its next owner (or back to a restarted static member)
//   restore    → the new owner's stores are caught up (records, and from where: the whole
//              changelog, its own checkpoint's delta, or a standby's copy)
//   first commit → the new owner's first commit (transaction) holding the task
// and the total unavailability, fault → first commit. Past failovers stay side by side so runs
// can be compared (no standby vs a standby vs a static restart).
import type { SessionEvent } from '../api/contract';
import { telemetryOf } from '../api/telemetry';

export type FaultKind = 'kill' | 'freeze' | 'crash' | 'stop';

export interface FailoverTask {
  taskId: string;
  /** Instances holding a standby / warm-up of the task when the fault happened. */
  standbysAtFault: string[];
  detectedAt: number | null;
  assignedAt: number | null;
  newOwner: string | null;
  restoreSource: string | null;
  restoreStartedAt: number | null;
  restoredAt: number | null;
  restoredRecords: number | null;
  firstProcessedAt: number | null;
  firstCommitAt: number | null;
}

export interface Failover {
  id: string;
  instanceId: string;
  applicationId: string;
  kind: FaultKind;
  at: number;
  guarantee: string;
  tasks: FailoverTask[];
}

/** What an instance's active task said since it was created there (created → restoring → running). */
interface TaskFacts {
  createdAt: number;
  restoreSource: string | null;
  restoreStartedAt: number | null;
  restoredAt: number | null;
  restored: number | null;
}

export interface FailoverState {
  failovers: Failover[];
  nextId: number;
  /** instance → task → its facts: a member creates (and may restore) a task in the assignment
   * callback, before it reports the rebalance that assigned it. */
  recent: Record<string, Record<string, TaskFacts>>;
  /** Per instance: application id, guarantee, active tasks and standby tasks now. */
  instances: Record<string, { applicationId: string; guarantee: string; active: string[]; standby: string[] }>;
}

export const FAILOVERS_KEPT = 20;
const LIVE = new Set(['starting', 'running']);
const FAULTS: Record<string, FaultKind> = { killed: 'kill', frozen: 'freeze', crashed: 'crash', stopping: 'stop' };

export function initialFailover(): FailoverState {
  return { failovers: [], nextId: 1, recent: {}, instances: {} };
}

function instance(state: FailoverState, id: string): FailoverState['instances'][string] | undefined {
  return state.instances[id];
}

/** Failovers of this application that may still be waiting for a phase. */
function open(state: FailoverState, applicationId: string): Failover[] {
  return state.failovers.filter((f) => f.applicationId === applicationId && f.tasks.some((t) => t.firstCommitAt === null));
}

function recordFault(state: FailoverState, id: string, kind: FaultKind, at: number): void {
  const inst = instance(state, id);
  if (!inst || inst.active.length === 0) return;
  const standbyHolders = (task: string) =>
    Object.entries(state.instances)
      .filter(([other, s]) => other !== id && s.applicationId === inst.applicationId && s.standby.includes(task))
      .map(([other]) => other);
  state.failovers.push({
    id: `f${state.nextId++}`,
    instanceId: id,
    applicationId: inst.applicationId,
    kind,
    at,
    guarantee: inst.guarantee,
    tasks: [...inst.active].sort().map((taskId) => ({
      taskId,
      standbysAtFault: standbyHolders(taskId),
      detectedAt: null,
      assignedAt: null,
      newOwner: null,
      restoreSource: null,
      restoreStartedAt: null,
      restoredAt: null,
      restoredRecords: null,
      firstProcessedAt: null,
      firstCommitAt: null,
    })),
  });
  if (state.failovers.length > FAILOVERS_KEPT) state.failovers.splice(0, state.failovers.length - FAILOVERS_KEPT);
  inst.active = [];
  inst.standby = [];
}

function markDetected(state: FailoverState, applicationId: string, at: number): void {
  for (const f of open(state, applicationId)) {
    if (at < f.at) continue;
    for (const t of f.tasks) t.detectedAt ??= at;
  }
}

/** A task of a failover, waiting for its new owner's next step. */
function waiting(state: FailoverState, applicationId: string, taskId: string, owner: string | null): FailoverTask[] {
  const out: FailoverTask[] = [];
  for (const f of open(state, applicationId)) {
    for (const t of f.tasks) if (t.taskId === taskId && (owner === null ? t.newOwner === null : t.newOwner === owner)) out.push(t);
  }
  return out;
}

/** A window opened late learns instances from the instances list, not from state events. */
export type InstanceLookup = (instanceId: string) => { applicationId: string; guarantee: string } | null;

function rememberFacts(state: FailoverState, instanceId: string, t: { taskId: string; phase: string; restoreSource?: string | undefined; restored?: number | undefined }, ts: number): void {
  const byTask = (state.recent[instanceId] ??= {});
  if (t.phase === 'closed' || t.phase === 'migrated') {
    delete byTask[t.taskId];
    return;
  }
  let facts = byTask[t.taskId];
  if (t.phase === 'created' && (!facts || facts.restoredAt !== null)) facts = byTask[t.taskId] = { createdAt: ts, restoreSource: null, restoreStartedAt: null, restoredAt: null, restored: null };
  if (!facts) return;
  if (t.restoreSource) facts.restoreSource = t.restoreSource;
  if (t.phase === 'restoring') facts.restoreStartedAt ??= ts;
  if (t.phase === 'restored') {
    facts.restoredAt ??= ts;
    facts.restored = t.restored ?? facts.restored;
  }
  if (t.phase === 'running') {
    facts.restoredAt ??= ts;
    facts.restored ??= 0;
  }
}

export function applyFailover(state: FailoverState, e: SessionEvent, lookup: InstanceLookup = () => null): void {
  if (e.type === 'instance.state') {
    const { id, applicationId, guarantee, state: to } = e.instance;
    const inst = (state.instances[id] ??= { applicationId, guarantee, active: [], standby: [] });
    inst.guarantee = guarantee;
    const kind = FAULTS[to];
    if (kind && (e.from === null || LIVE.has(e.from))) recordFault(state, id, kind, e.ts);
    return;
  }
  if (e.type === 'group.rebalance') {
    if (e.phase === 'started') markDetected(state, e.groupId, e.ts);
    return;
  }
  const t = telemetryOf(e);
  if (!t || e.type !== 'instance.telemetry') return;
  let inst = instance(state, e.id);
  if (!inst) {
    const known = lookup(e.id);
    if (!known) return;
    inst = state.instances[e.id] = { ...known, active: [], standby: [] };
  }
  const app = inst.applicationId;
  switch (t.type) {
    case 'rebalance': {
      // The join started durationMs before this member's rebalance completed.
      if (t.generation !== null) markDetected(state, app, e.ts - t.durationMs);
      inst.active = [...new Set([...t.assigned, ...t.kept])];
      inst.standby = [...(t.standby ?? []), ...(t.warmup ?? [])];
      for (const taskId of t.assigned) {
        for (const row of waiting(state, app, taskId, null)) {
          const f = state.failovers.find((x) => x.tasks.includes(row))!;
          const facts = state.recent[e.id]?.[taskId];
          const early = facts && facts.createdAt >= f.at ? facts : null;
          row.detectedAt ??= e.ts - t.durationMs;
          row.assignedAt = Math.min(e.ts, early?.createdAt ?? e.ts);
          row.newOwner = e.id;
          if (early) {
            row.restoreSource = early.restoreSource;
            row.restoreStartedAt = early.restoreStartedAt;
            row.restoredAt = early.restoredAt;
            row.restoredRecords = early.restored;
          }
        }
      }
      return;
    }
    case 'task': {
      if ((t.role ?? 'active') !== 'active') return;
      rememberFacts(state, e.id, t, e.ts);
      for (const row of waiting(state, app, t.taskId, e.id)) {
        if (t.restoreSource) row.restoreSource = t.restoreSource;
        if (t.phase === 'restoring') row.restoreStartedAt ??= e.ts;
        if (t.phase === 'restored') {
          row.restoredAt ??= e.ts;
          row.restoredRecords = t.restored ?? row.restoredRecords;
        }
        if (t.phase === 'running') {
          row.restoredAt ??= e.ts;
          row.restoredRecords ??= 0;
        }
        // Moved on again before its first commit: the row stays open for the next owner.
        if ((t.phase === 'closed' || t.phase === 'migrated') && row.firstCommitAt === null) {
          row.newOwner = null;
          row.assignedAt = null;
        }
      }
      return;
    }
    case 'pause':
      if (t.kind !== 'assigned') return;
      for (const row of waiting(state, app, t.taskId, e.id)) row.firstProcessedAt ??= t.firstProcessedAt;
      return;
    case 'txn':
      if (t.phase !== 'committed') return;
      for (const taskId of t.tasks) for (const row of waiting(state, app, taskId, e.id)) if (row.restoredAt !== null) row.firstCommitAt ??= e.ts;
      return;
    case 'commit':
      // at_least_once commits every running task's offsets together.
      if (t.guarantee === 'exactly_once_v2') return;
      for (const taskId of inst.active) for (const row of waiting(state, app, taskId, e.id)) if (row.restoredAt !== null) row.firstCommitAt ??= e.ts;
      return;
    default:
      return;
  }
}

export interface PhaseDurations {
  detectionMs: number | null;
  rebalanceMs: number | null;
  restoreMs: number | null;
  firstCommitMs: number | null;
  /** Fault → first commit (the task's output visible again); null while still waiting. */
  totalMs: number | null;
}

/** Each phase's length; a phase not reached yet is null. */
export function phases(f: Failover, t: FailoverTask): PhaseDurations {
  const span = (from: number | null, to: number | null) => (from !== null && to !== null ? Math.max(0, to - from) : null);
  return {
    detectionMs: span(f.at, t.detectedAt),
    rebalanceMs: span(t.detectedAt ?? f.at, t.assignedAt),
    restoreMs: span(t.restoreStartedAt ?? t.assignedAt, t.restoredAt),
    firstCommitMs: span(t.restoredAt !== null && t.assignedAt !== null ? Math.max(t.restoredAt, t.assignedAt) : t.restoredAt, t.firstCommitAt),
    totalMs: span(f.at, t.firstCommitAt),
  };
}

export interface FailoverSummary {
  id: string;
  label: string;
  tasks: number;
  done: number;
  withStandby: number;
  restoredRecords: number;
  sources: string[];
  detectionMaxMs: number | null;
  restoreMaxMs: number | null;
  totalMaxMs: number | null;
  totalMedianMs: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function max(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

const KIND_WORDS: Record<FaultKind, string> = { kill: 'kill', freeze: 'freeze', crash: 'crash', stop: 'stop' };

/** One line per failover, for comparing runs. */
export function summarize(f: Failover): FailoverSummary {
  const ps = f.tasks.map((t) => phases(f, t));
  const totals = ps.map((p) => p.totalMs).filter((x): x is number => x !== null);
  const restarted = f.tasks.some((t) => t.newOwner === f.instanceId);
  return {
    id: f.id,
    label: `${KIND_WORDS[f.kind]} ${f.instanceId}${restarted ? ' (restarted, same member)' : ''}`,
    tasks: f.tasks.length,
    done: totals.length,
    withStandby: f.tasks.filter((t) => t.standbysAtFault.length > 0).length,
    restoredRecords: f.tasks.reduce((n, t) => n + (t.restoredRecords ?? 0), 0),
    sources: [...new Set(f.tasks.map((t) => t.restoreSource).filter((s): s is string => s !== null))].sort(),
    detectionMaxMs: max(ps.map((p) => p.detectionMs)),
    restoreMaxMs: max(ps.map((p) => p.restoreMs)),
    totalMaxMs: max(totals),
    totalMedianMs: median(totals),
  };
}

/** Newest first, optionally of one application. */
export function failoverList(state: FailoverState, applicationId: string | null): Failover[] {
  return state.failovers.filter((f) => applicationId === null || f.applicationId === applicationId).slice().reverse();
}
