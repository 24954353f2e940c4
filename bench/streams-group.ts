// Instances of one stream app under a Supervisor, as the streams benchmark's supervised blocks
// (failover, pause) see them: instance states, every telemetry event with the instance that sent
// it, which instance runs which active task, what looked wrong, and a bounded wait for the group
// to settle (every task on exactly one running instance, quiet, output flowing).
import { StreamsEvent } from '../core/streams/index.js';
import { Supervisor, type InstanceState } from '../core/supervisor/supervisor.js';
import type { Kafka } from 'kafkajs';
import { deleteTopics } from './streams-common.js';
import type { OutputWatch, PacedLoad } from './streams-load.js';
import { sleep } from './util.js';

export interface Seen {
  id: string;
  event: StreamsEvent;
}

const SETTLE_QUIET_MS = 3000;
const SETTLE_TIMEOUT_MS = 60_000;

export class SupervisedGroup {
  readonly supervisor = new Supervisor({ resourceIntervalMs: 0 });
  readonly states = new Map<string, InstanceState>();
  readonly events: Seen[] = [];
  /** active tasks running per instance */
  readonly owners = new Map<string, Set<string>>();
  invalid = 0;
  /** what went on when something looked wrong: start, the fault, or the recovery after it */
  phase = 'start';
  readonly problems = new Map<string, number>();
  #lastChange = Date.now();

  constructor(
    private readonly module: string,
    private readonly partitions: number,
  ) {
    this.supervisor.onEvent((e) => {
      if (e.type === 'instance.state') {
        this.states.set(e.id, e.to);
        if (e.to === 'stopped' || e.to === 'killed' || e.to === 'crashed') this.ownersOf(e.id).clear();
        if (e.to === 'crashed') this.problem(`instance ${e.id} crashed: ${e.reason.slice(0, 160)}`);
      } else if (e.type === 'instance.error') {
        this.problem(`instance.error (${e.source}): ${e.message.slice(0, 160)}`);
      } else if (e.type === 'instance.telemetry') {
        const parsed = StreamsEvent.safeParse(e.event);
        if (!parsed.success) {
          this.invalid++;
          return;
        }
        this.#onTelemetry(e.id, parsed.data);
      }
    });
  }

  #onTelemetry(id: string, ev: StreamsEvent): void {
    this.events.push({ id, event: ev });
    if (ev.type === 'task') {
      if (ev.role !== undefined && ev.role !== 'active') return;
      this.#lastChange = Date.now();
      if (ev.phase === 'running') this.ownersOf(id).add(ev.taskId);
      if (ev.phase === 'closed' || ev.phase === 'migrated' || ev.phase === 'suspended') this.ownersOf(id).delete(ev.taskId);
      if (ev.phase === 'migrated') this.problem(`task migrated on ${id}: ${(ev.reason ?? '').replace(/\d+/g, 'N').slice(0, 100)}`);
    } else if (ev.type === 'txn' && (ev.phase === 'fenced' || ev.phase === 'aborted')) {
      this.problem(`txn ${ev.phase} on ${id}`);
    } else if (ev.type === 'rebalance') {
      this.#lastChange = Date.now();
    } else if (ev.type === 'error') {
      this.problem(`error event on ${id}${ev.fatal ? ' (fatal)' : ''}: ${ev.message.replace(/\d+/g, 'N').slice(0, 160)}`);
    } else if (ev.type === 'log') {
      // Rejoin chatter comes with every rebalance: counted over the block, not per phase.
      this.problem(`${ev.level} (log event): ${ev.message.replace(/\d+/g, 'N').slice(0, 160)}`, false);
    }
  }

  problem(what: string, withPhase = true): void {
    const key = withPhase ? `[${this.phase}] ${what}` : what;
    this.problems.set(key, (this.problems.get(key) ?? 0) + 1);
  }

  ownersOf(id: string): Set<string> {
    let s = this.owners.get(id);
    if (s === undefined) this.owners.set(id, (s = new Set()));
    return s;
  }

  start(id: string, config: Record<string, unknown>): void {
    this.ownersOf(id).clear();
    this.supervisor.start(this.module, config, { id });
  }

  /** Telemetry events after index `from` (an earlier `events.length`), from `id` or from anyone but `not`. */
  since(from: number, who: { id?: string; not?: string } = {}): Seen[] {
    return this.events.slice(from).filter((s) => (who.id === undefined || s.id === who.id) && (who.not === undefined || s.id !== who.not));
  }

  /** Null when settled, else why not. */
  #settledNow(ids: readonly string[], watch: OutputWatch): string | null {
    if (!ids.every((id) => this.states.get(id) === 'running')) return `instances ${ids.map((id) => `${id}=${this.states.get(id)}`).join(' ')}`;
    const count = new Map<string, number>();
    for (const id of ids) for (const t of this.ownersOf(id)) count.set(t, (count.get(t) ?? 0) + 1);
    if (count.size !== this.partitions || [...count.values()].some((c) => c !== 1)) return `tasks ${JSON.stringify(Object.fromEntries(count))}`;
    if (ids.some((id) => this.ownersOf(id).size === 0)) return 'an instance holds no task';
    if (Date.now() - this.#lastChange < SETTLE_QUIET_MS) return 'task events in the last 3 s';
    const now = Date.now();
    const dry = Array.from({ length: this.partitions }, (_, p) => p).filter((p) => now - watch.last(p) > 1500);
    if (dry.length > 0) return `no output for 1.5 s on partitions ${dry.join(',')}`;
    return null;
  }

  /** Waits (bounded) until `ids` share the tasks, restarting a crashed one; null when settled, else why not. */
  async settle(ids: readonly string[], watch: OutputWatch, timeoutMs = SETTLE_TIMEOUT_MS): Promise<string | null> {
    const t = Date.now();
    let why: string | null = 'not checked';
    while (Date.now() - t < timeoutMs) {
      for (const id of ids) if (this.states.get(id) === 'crashed') this.supervisor.restart(id);
      why = this.#settledNow(ids, watch);
      if (why === null) return null;
      await sleep(200);
    }
    return why;
  }

  describeOwners(ids: readonly string[]): string {
    return ids.map((id) => `${id}=[${[...this.ownersOf(id)].sort().join(',')}]`).join(' ');
  }

  /** Stops every instance still up, then the supervisor. */
  async close(): Promise<void> {
    const up = [...this.states].filter(([, s]) => s === 'running' || s === 'frozen' || s === 'starting').map(([id]) => id);
    await Promise.all(up.map((id) => this.supervisor.stop(id, 10_000)));
    await this.supervisor.close();
  }
}

/** Stops the load, the instances and the watch, deletes the topics; notes on what looked wrong, prefixed with `label`. */
export async function tearDown(kafka: Kafka, label: string, parts: { group: SupervisedGroup; load: PacedLoad; watch: OutputWatch; topics: string[] }): Promise<string[]> {
  const { group, load, watch } = parts;
  group.phase = 'shutdown';
  await load.stop();
  await group.close();
  await watch.stop();
  await deleteTopics(kafka, parts.topics);
  const notes: string[] = [];
  if (group.invalid > 0) notes.push(`${label}: ${group.invalid} telemetry events failed StreamsEvent validation`);
  if (watch.misplaced > 0) notes.push(`${label}: ${watch.misplaced} output batches on a partition their key does not map to`);
  if (load.failed > 0) notes.push(`${label}: ${load.failed} of ${load.sent} input records failed to send`);
  notes.push(`${label}: input ${load.acked} records acked, output consumer saw ${watch.records} (read_uncommitted: aborted ones included)`);
  for (const [what, n] of group.problems) notes.push(`${label}: ${n}× ${what}`);
  return notes;
}
