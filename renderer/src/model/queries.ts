// Interactive queries as the Query view shows them: which applications and stores can be asked,
// which tasks a store has, the store browser's form checked before it is sent, and where an answer
// came from (instance, task, active or standby, stale with its changelog lag) in words and tone.
import type { AppName, CommandArgs, CommandResult, InstanceInfo } from '../api/contract';
import type { Tone } from './tones';

export type QueryResult = CommandResult<'apps.queryKey'>;
export type BrowseResult = CommandResult<'apps.browseStore'>;
type Topology = CommandResult<'apps.describe'>;

export interface QueryableApp {
  applicationId: string;
  app: AppName;
  /** Live instances: the ones a query can reach. */
  instances: string[];
}

const LIVE = new Set(['starting', 'running', 'frozen', 'stopping']);

/** '<sub-topology>_<partition>' → its numbers; null for anything else. */
export function parseTaskId(id: string): { subtopology: number; partition: number } | null {
  const m = /^(\d+)_(\d+)$/.exec(id);
  return m === null ? null : { subtopology: Number(m[1]), partition: Number(m[2]) };
}

/** Application ids with a live instance, in first-seen order, with their app and instances. */
export function queryableApps(infos: readonly InstanceInfo[]): QueryableApp[] {
  const out = new Map<string, QueryableApp>();
  for (const info of infos) {
    if (!LIVE.has(info.state)) continue;
    const entry = out.get(info.applicationId) ?? { applicationId: info.applicationId, app: info.app, instances: [] };
    entry.instances.push(info.id);
    out.set(info.applicationId, entry);
  }
  return [...out.values()];
}

/** The stores an app keeps (a stateless app has none to query). */
export function storeNames(topology: Topology | null | undefined): string[] {
  return topology?.stores.map((s) => s.name) ?? [];
}

/**
 * The tasks of the store's sub-topology that the app's live instances hold, in task order: the
 * tasks a store browser can open.
 */
export function storeTasks(topology: Topology | null | undefined, store: string, infos: readonly InstanceInfo[], applicationId: string): string[] {
  const sub = topology?.stores.find((s) => s.name === store)?.subtopology;
  if (sub === undefined) return [];
  const tasks = new Set<string>();
  for (const info of infos) {
    if (info.applicationId !== applicationId || !LIVE.has(info.state)) continue;
    for (const t of info.tasks) if (parseTaskId(t)?.subtopology === sub) tasks.add(t);
  }
  return [...tasks].sort((a, b) => parseTaskId(a)!.partition - parseTaskId(b)!.partition);
}

export interface BrowseForm {
  applicationId: string;
  store: string;
  task: string;
  /** '' = any instance (the active owner first). */
  instanceId: string;
  from: string;
  to: string;
  limit: number;
}

/** The form as apps.browseStore arguments, or what is wrong with it. */
export function browseArgs(form: BrowseForm): { args: CommandArgs<'apps.browseStore'> } | { error: string } {
  if (form.applicationId === '') return { error: 'choose an application' };
  if (form.store === '') return { error: 'choose a store' };
  if (parseTaskId(form.task) === null) return { error: 'choose a task (<sub-topology>_<partition>)' };
  if (!Number.isInteger(form.limit) || form.limit < 1 || form.limit > 1000) return { error: 'the limit is a whole number from 1 to 1000' };
  // Keys compare as bytes; for the apps' UTF-8 string keys, code-point order is the same order.
  if (form.from !== '' && form.to !== '' && compareUtf8(form.from, form.to) > 0) return { error: `'from' (${form.from}) comes after 'to' (${form.to}): the range would be empty` };
  return {
    args: {
      applicationId: form.applicationId,
      store: form.store,
      task: form.task,
      limit: form.limit,
      ...(form.instanceId === '' ? {} : { instanceId: form.instanceId }),
      ...(form.from === '' ? {} : { from: form.from }),
      ...(form.to === '' ? {} : { to: form.to }),
    },
  };
}

function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export interface SourceLine {
  text: string;
  tone: Tone;
  /** Why the tone: current, or how it may trail. */
  freshness: string;
}

/** Where an answer came from, for the line under it. */
export function describeSource(r: Pick<QueryResult, 'instanceId' | 'task' | 'role' | 'stale' | 'changelogLag' | 'store'>): SourceLine {
  const text = `${r.instanceId} · task ${r.task} · ${r.role} · store ${r.store}`;
  if (!r.stale) return { text, tone: 'ok', freshness: 'current (the running active copy)' };
  const lag = r.changelogLag === null ? 'changelog lag not known yet' : r.changelogLag === 0 ? 'caught up with its changelog' : `${r.changelogLag} changelog record${r.changelogLag === 1 ? '' : 's'} behind`;
  return { text, tone: 'warn', freshness: `stale: ${r.role === 'standby' ? 'a standby copy' : 'an active copy still restoring'}, ${lag}` };
}

/** A store value as text: JSON objects indented, strings as they are. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '(no value)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** A value on one line, for the browser's table. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
