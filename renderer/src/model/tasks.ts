// The Tasks view's model: per application, tasks × instances — who runs each task (active), who
// keeps a copy of its state (standby, warm-up), in which phase (restoring with progress and
// source, running, suspended), and each copy's changelog lag. Hosted instances tell it through
// their telemetry (task, rebalance and metrics events); an application Streamwatch does not host
// tells it through Kafka Streams' own group protocol, decoded by the monitor into each member's
// `streams` summary (active and standby tasks from AssignmentInfo).
import type { SessionEvent } from '../api/contract';
import { telemetryOf } from '../api/telemetry';

export type TaskRole = 'active' | 'standby' | 'warmup';

export interface TaskCell {
  role: TaskRole;
  /** created, restoring, restored, running, suspended — or 'assigned' before the task says more. */
  phase: string;
  restored: number | null;
  toRestore: number | null;
  /** changelog (full), checkpoint (delta after the task's own checkpoint), standby (promoted copy plus delta). */
  restoreSource: string | null;
  /** Standby / warm-up: records between its stores and the changelog's end. */
  changelogLag: number | null;
  /** When this member got the task in this role: a fresh cell is drawn as a move. */
  since: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TaskRow {
  taskId: string;
  /** Source and repartition partitions the task consumes (changelogs are not group partitions). */
  partitions: TopicPartition[];
  /** Column (instance id, or a non-hosted member's client) → its copy of the task. */
  cells: Record<string, TaskCell>;
}

export interface AppTasks {
  applicationId: string;
  /** Hosted: from instance telemetry; otherwise from the group protocol's user data. */
  source: 'telemetry' | 'group-protocol';
  tasks: Record<string, TaskRow>;
  /** Columns in order of appearance. */
  columns: string[];
}

export interface TasksState {
  apps: Record<string, AppTasks>;
  /** Instance → application id, for instance events that do not carry it. */
  appOf: Record<string, string>;
}

const ENDED = new Set(['stopped', 'killed', 'crashed']);

export function initialTasks(): TasksState {
  return { apps: {}, appOf: {} };
}

function appTasks(state: TasksState, applicationId: string, source: AppTasks['source']): AppTasks {
  let app = state.apps[applicationId];
  if (!app || (app.source !== source && source === 'telemetry')) {
    app = { applicationId, source, tasks: {}, columns: [] };
    state.apps[applicationId] = app;
  }
  return app;
}

function row(app: AppTasks, taskId: string): TaskRow {
  return (app.tasks[taskId] ??= { taskId, partitions: [], cells: {} });
}

function addColumn(app: AppTasks, column: string): void {
  if (!app.columns.includes(column)) app.columns.push(column);
}

function setCell(app: AppTasks, taskId: string, column: string, role: TaskRole, ts: number, patch: Partial<TaskCell> = {}): TaskCell {
  addColumn(app, column);
  const r = row(app, taskId);
  const prev = r.cells[column];
  const cell: TaskCell =
    prev && prev.role === role
      ? prev
      : { role, phase: 'assigned', restored: null, toRestore: null, restoreSource: null, changelogLag: null, since: ts };
  Object.assign(cell, patch);
  r.cells[column] = cell;
  return cell;
}

function dropCell(app: AppTasks, taskId: string, column: string): void {
  const r = app.tasks[taskId];
  if (r) delete r.cells[column];
}

/** Keep only the listed tasks of these roles in a column. */
function retain(app: AppTasks, column: string, roles: readonly TaskRole[], keep: ReadonlySet<string>): void {
  for (const r of Object.values(app.tasks)) {
    const cell = r.cells[column];
    if (cell && roles.includes(cell.role) && !keep.has(r.taskId)) delete r.cells[column];
  }
}

function dropColumn(app: AppTasks, column: string): void {
  for (const r of Object.values(app.tasks)) delete r.cells[column];
}

function asRole(role: string | undefined): TaskRole {
  return role === 'standby' || role === 'warmup' ? role : 'active';
}

function applyGroupProtocol(state: TasksState, e: Extract<SessionEvent, { type: 'group.snapshot' }>, hosted: (applicationId: string) => boolean): void {
  const g = e.group;
  if (hosted(g.groupId)) return;
  const summaries = g.members.map((m) => ({ member: m, streams: m.streams ?? null }));
  if (!summaries.some((s) => s.streams)) return;
  const app = appTasks(state, g.groupId, 'group-protocol');
  const prev = app;
  const next: AppTasks = { applicationId: g.groupId, source: 'group-protocol', tasks: {}, columns: [] };
  for (const { member, streams } of summaries) {
    if (!streams) continue;
    const column = streams.userEndPoint || `${member.clientId} (${member.clientHost})`;
    addColumn(next, column);
    for (const [role, ids] of [
      ['active', streams.activeTasks],
      ['standby', streams.standbyTasks],
    ] as const) {
      for (const id of ids) {
        const old = prev.tasks[id]?.cells[column];
        const cell = setCell(next, id, column, role, old?.role === role ? old.since : e.ts, { phase: 'running' });
        if (old?.role === role) cell.since = old.since;
      }
    }
    for (const p of streams.partitionTasks) {
      const r = row(next, p.task);
      if (!r.partitions.some((x) => x.topic === p.topic && x.partition === p.partition)) r.partitions.push({ topic: p.topic, partition: p.partition });
    }
  }
  state.apps[g.groupId] = next;
}

/** What the instances store knows better (a window opened late learns instances from a list, not events). */
export interface TasksContext {
  applicationIdOf?: (instanceId: string) => string | null;
  hosted?: (applicationId: string) => boolean;
}

export function applyTasks(state: TasksState, e: SessionEvent, ctx: TasksContext = {}): void {
  const hosted = ctx.hosted ?? ((id: string) => Object.values(state.appOf).includes(id));
  if (e.type === 'instance.state') {
    const id = e.instance.id;
    state.appOf[id] = e.instance.applicationId;
    const app = state.apps[e.instance.applicationId];
    if (ENDED.has(e.instance.state) && app) dropColumn(app, id);
    return;
  }
  if (e.type === 'group.snapshot') {
    applyGroupProtocol(state, e, hosted);
    return;
  }
  const t = telemetryOf(e);
  if (!t || e.type !== 'instance.telemetry') return;
  const applicationId = state.appOf[e.id] ?? ctx.applicationIdOf?.(e.id);
  if (!applicationId) return;
  const app = appTasks(state, applicationId, 'telemetry');
  const column = e.id;
  switch (t.type) {
    case 'rebalance': {
      const active = new Set([...t.assigned, ...t.kept]);
      const standby = new Set(t.standby ?? []);
      const warmup = new Set(t.warmup ?? []);
      retain(app, column, ['active'], active);
      retain(app, column, ['standby', 'warmup'], new Set([...standby, ...warmup]));
      // One active owner per task in a generation: another column still showing it active is
      // a member the group moved on from (frozen, or not yet reporting its revocation).
      for (const id of active) {
        for (const [other, cell] of Object.entries(app.tasks[id]?.cells ?? {})) if (other !== column && cell.role === 'active') dropCell(app, id, other);
        setCell(app, id, column, 'active', e.ts);
      }
      for (const id of standby) setCell(app, id, column, 'standby', e.ts);
      for (const id of warmup) setCell(app, id, column, 'warmup', e.ts);
      return;
    }
    case 'task': {
      const role = asRole(t.role);
      if (t.phase === 'closed' || t.phase === 'migrated') {
        if (app.tasks[t.taskId]?.cells[column]?.role === role) dropCell(app, t.taskId, column);
        return;
      }
      const patch: Partial<TaskCell> = { phase: t.phase };
      if (t.restored !== undefined) patch.restored = t.restored;
      if (t.toRestore !== undefined) patch.toRestore = t.toRestore;
      if (t.restoreSource !== undefined) patch.restoreSource = t.restoreSource;
      if (t.changelogLag !== undefined) patch.changelogLag = t.changelogLag;
      setCell(app, t.taskId, column, role, e.ts, patch);
      return;
    }
    case 'metrics': {
      // The instance's full task list: the truth for this column.
      const listed = new Set(t.tasks.map((m) => m.taskId));
      retain(app, column, ['active', 'standby', 'warmup'], listed);
      for (const m of t.tasks) {
        const role = asRole(m.role);
        const patch: Partial<TaskCell> = { phase: m.phase };
        if (m.changelogLag !== undefined) patch.changelogLag = m.changelogLag;
        setCell(app, m.taskId, column, role, e.ts, patch);
        if (role === 'active' && m.positions.length > 0) row(app, m.taskId).partitions = m.positions.map((p) => ({ topic: p.topic, partition: p.partition })).sort(byTopicPartition);
      }
      return;
    }
    default:
      return;
  }
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic.localeCompare(b.topic) || a.partition - b.partition;
}

/** "1_10" after "1_9": subtopology, then partition, numerically. */
export function compareTaskIds(a: string, b: string): number {
  const [as, ap] = a.split('_').map(Number);
  const [bs, bp] = b.split('_').map(Number);
  return (as ?? 0) - (bs ?? 0) || (ap ?? 0) - (bp ?? 0) || a.localeCompare(b);
}

export function taskRows(app: AppTasks): TaskRow[] {
  return Object.values(app.tasks)
    .filter((r) => Object.keys(r.cells).length > 0)
    .sort((a, b) => compareTaskIds(a.taskId, b.taskId));
}

/** A task's active owner (the column), if it has one. */
export function activeOwner(r: TaskRow): string | null {
  for (const [column, cell] of Object.entries(r.cells)) if (cell.role === 'active') return column;
  return null;
}

/** Summary counts for one application: tasks, with an active owner, standbys, restoring. */
export function taskCounts(app: AppTasks): { tasks: number; owned: number; standbys: number; restoring: number } {
  let owned = 0;
  let standbys = 0;
  let restoring = 0;
  const rows = taskRows(app);
  for (const r of rows) {
    if (activeOwner(r) !== null) owned++;
    for (const cell of Object.values(r.cells)) {
      if (cell.role !== 'active') standbys++;
      if (cell.phase === 'restoring') restoring++;
    }
  }
  return { tasks: rows.length, owned, standbys, restoring };
}

/** How a cell reads: "running", "restoring 120/400 · checkpoint delta", "standby · lag 12". */
export function describeCell(cell: TaskCell): string {
  const source = cell.restoreSource ? ` · ${RESTORE_SOURCE_WORDS[cell.restoreSource] ?? cell.restoreSource}` : '';
  if (cell.role !== 'active') {
    const lag = cell.changelogLag === null ? '' : ` · lag ${cell.changelogLag}`;
    return `${cell.role === 'warmup' ? 'warm-up' : 'standby'}${lag}`;
  }
  if (cell.phase === 'restoring') {
    const progress = cell.toRestore !== null ? ` ${cell.restored ?? 0}/${cell.toRestore}` : '';
    return `restoring${progress}${source}`;
  }
  if (cell.phase === 'restored' || (cell.phase === 'running' && cell.restoreSource)) return `${cell.phase}${source}`;
  return cell.phase;
}

export const RESTORE_SOURCE_WORDS: Record<string, string> = {
  changelog: 'full restore',
  checkpoint: 'checkpoint delta',
  standby: 'standby promotion',
};
