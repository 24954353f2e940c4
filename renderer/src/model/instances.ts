// Hosted instances: the session's InstanceInfo, refined by each instance's telemetry (streams state,
// tasks, throughput, errors) and resources (event-loop utilisation, heap).
import type { InstanceInfo, SessionEvent } from '../api/contract';
import { telemetryOf } from '../api/telemetry';
import { pushCapped, pushSample, type Point } from './series';

export interface TaskRow {
  taskId: string;
  phase: string;
  restored: number | null;
  toRestore: number | null;
  processed: number | null;
}

export interface InstanceMetrics {
  ts: number;
  inPerSec: number;
  outPerSec: number;
  processLatencyMs: number | null;
  commitLatencyMs: number | null;
}

export interface InstanceResources {
  ts: number;
  elu: number;
  heapUsed: number | null;
  heapTotal: number | null;
}

export interface InstanceRow {
  info: InstanceInfo;
  /** From telemetry when newer than the info. */
  streamsState: string | null;
  tasks: Record<string, TaskRow>;
  metrics: InstanceMetrics | null;
  resources: InstanceResources | null;
  memberId: string | null;
  generation: number | null;
  isLeader: boolean;
  lastCommit: { ts: number; durationMs: number } | null;
  errors: { ts: number; message: string; fatal: boolean }[];
}

export interface InstancesState {
  byId: Record<string, InstanceRow>;
  /** Summed over live instances, one point per second. */
  inSeries: Point[];
  outSeries: Point[];
}

export const LIVE_STATES: ReadonlySet<string> = new Set(['starting', 'running', 'frozen', 'stopping']);
const ENDED_STATES: ReadonlySet<string> = new Set(['stopped', 'killed', 'crashed']);
const ERRORS_KEPT = 8;
/** Metrics older than this are not counted in totals (a frozen instance reports nothing). */
export const METRICS_STALE_MS = 10_000;

export function initialInstances(): InstancesState {
  return { byId: {}, inSeries: [], outSeries: [] };
}

function newRow(info: InstanceInfo): InstanceRow {
  const tasks: Record<string, TaskRow> = {};
  for (const t of info.tasks) tasks[t] = { taskId: t, phase: 'assigned', restored: null, toRestore: null, processed: null };
  return {
    info,
    streamsState: info.streamsState,
    tasks,
    metrics: null,
    resources: null,
    memberId: null,
    generation: null,
    isLeader: false,
    lastCommit: null,
    errors: [],
  };
}

function upsertInfo(state: InstancesState, info: InstanceInfo): InstanceRow {
  const row = state.byId[info.id];
  if (!row) {
    const created = newRow(info);
    state.byId[info.id] = created;
    return created;
  }
  row.info = info;
  if (info.streamsState) row.streamsState = info.streamsState;
  if (ENDED_STATES.has(info.state)) {
    row.tasks = {};
    row.metrics = null;
    row.resources = null;
    row.memberId = null;
    row.generation = null;
    row.isLeader = false;
    row.streamsState = info.streamsState ?? 'NOT_RUNNING';
  } else {
    for (const t of info.tasks) row.tasks[t] ??= { taskId: t, phase: 'assigned', restored: null, toRestore: null, processed: null };
  }
  return row;
}

/** The result of instances.list: the authoritative set. */
export function applyInstanceList(state: InstancesState, infos: InstanceInfo[]): void {
  for (const info of infos) upsertInfo(state, info);
}

export function applyInstances(state: InstancesState, e: SessionEvent): void {
  switch (e.type) {
    case 'instance.state':
      upsertInfo(state, e.instance);
      return;
    case 'instance.resources': {
      const row = state.byId[e.id];
      if (row) row.resources = { ts: e.ts, elu: e.elu, heapUsed: e.heapUsed, heapTotal: e.heapTotal };
      return;
    }
    case 'instance.error': {
      const row = state.byId[e.id];
      if (row) pushCapped(row.errors, { ts: e.ts, message: e.message, fatal: false }, ERRORS_KEPT);
      return;
    }
    case 'instance.telemetry': {
      const row = state.byId[e.id];
      const t = telemetryOf(e);
      if (!row || !t) return;
      switch (t.type) {
        case 'state':
          row.streamsState = t.to;
          return;
        case 'rebalance': {
          row.memberId = t.memberId;
          row.generation = t.generation;
          row.isLeader = t.isLeader;
          for (const id of t.revoked) delete row.tasks[id];
          for (const id of [...t.assigned, ...t.kept]) row.tasks[id] ??= { taskId: id, phase: 'assigned', restored: null, toRestore: null, processed: null };
          return;
        }
        case 'task': {
          if (t.phase === 'closed' || t.phase === 'migrated') {
            delete row.tasks[t.taskId];
            return;
          }
          const task = (row.tasks[t.taskId] ??= { taskId: t.taskId, phase: t.phase, restored: null, toRestore: null, processed: null });
          task.phase = t.phase;
          if (t.restored !== undefined) task.restored = t.restored;
          if (t.toRestore !== undefined) task.toRestore = t.toRestore;
          return;
        }
        case 'commit':
          row.lastCommit = { ts: e.ts, durationMs: t.durationMs };
          return;
        case 'error':
          pushCapped(row.errors, { ts: e.ts, message: t.message, fatal: t.fatal }, ERRORS_KEPT);
          return;
        case 'metrics': {
          row.metrics = {
            ts: e.ts,
            inPerSec: t.recordsInPerSec,
            outPerSec: t.recordsOutPerSec,
            processLatencyMs: t.processLatencyMs,
            commitLatencyMs: t.commitLatencyMs,
          };
          const tasks: Record<string, TaskRow> = {};
          for (const m of t.tasks) {
            const prev = row.tasks[m.taskId];
            tasks[m.taskId] = { taskId: m.taskId, phase: m.phase, restored: prev?.restored ?? null, toRestore: prev?.toRestore ?? null, processed: m.processed };
          }
          row.tasks = tasks;
          const totals = throughputTotals(state, e.ts);
          pushSample(state.inSeries, e.ts, totals.inPerSec);
          pushSample(state.outSeries, e.ts, totals.outPerSec);
          return;
        }
        default:
          return;
      }
    }
    default:
      return;
  }
}

/** Records in/out per second over instances that are live and reported recently. */
export function throughputTotals(state: InstancesState, now: number): { inPerSec: number; outPerSec: number; reporting: number } {
  let inPerSec = 0;
  let outPerSec = 0;
  let reporting = 0;
  for (const row of Object.values(state.byId)) {
    const m = row.metrics;
    if (!m || row.info.state !== 'running' || now - m.ts > METRICS_STALE_MS) continue;
    inPerSec += m.inPerSec;
    outPerSec += m.outPerSec;
    reporting++;
  }
  return { inPerSec, outPerSec, reporting };
}

export function instanceList(state: InstancesState): InstanceRow[] {
  return Object.values(state.byId).sort((a, b) => a.info.startedAt - b.info.startedAt || a.info.id.localeCompare(b.info.id));
}

export function countByState(state: InstancesState): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of Object.values(state.byId)) counts[row.info.state] = (counts[row.info.state] ?? 0) + 1;
  return counts;
}

export function isLive(row: InstanceRow): boolean {
  return LIVE_STATES.has(row.info.state);
}
