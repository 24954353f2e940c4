// The instances this console hosts: supervised workers running built-in apps, named
// <applicationId>-<n>. Commands go to the supervisor; what it and the instances report becomes
// instance.* events, and each instance's InstanceInfo (state, streams state, tasks) is kept here.
import type { z } from 'zod';
import { TIMINGS, effectiveTimings } from '../api.js';
import type { AppName, InstanceInfo } from '../api.js';
import { CommandFailure, errorText, issuesText } from '../errors.js';
import { Supervisor } from '../../supervisor/supervisor.js';
import type { SupervisorEvent } from '../../supervisor/supervisor.js';
import type { StreamsInstanceConfig } from '../../supervisor/streams-instance.js';
import type { StoreQuery, StoreQueryAnswer } from '../../supervisor/protocol.js';
import { builtInApp } from '../../apps/instances/catalog.js';
import { StreamsEvent } from '../../streams/index.js';
import { DEFAULT_PARTITIONS } from './connection.js';
import type { ClusterConnection } from './connection.js';
import type { Publisher } from './events.js';

/** The console's demonstration timings (api.ts's TIMINGS.demo), used when instances.start asks for them (its default), never silently. */
export const DEMO_TIMINGS = TIMINGS.demo;

const TERMINAL = new Set(['stopped', 'killed', 'crashed']);
const ACTIVE = new Set(['starting', 'running', 'frozen', 'stopping']);
const APPLICATION_ID = /^[a-zA-Z0-9._-]+$/;

export interface Hosted {
  info: InstanceInfo;
  /** The cluster it was started against (restart needs the same one). */
  bootstrap: string;
  input: string;
  output: string;
  /** Standby and warm-up tasks it holds, from its rebalance, task and metrics telemetry (interactive queries read them). */
  standby: string[];
}

/** instances.start's arguments, defaults applied. */
export interface InstancesStart {
  app: AppName;
  count: number;
  guarantee: InstanceInfo['guarantee'];
  applicationId?: string | undefined;
  partitions: number;
  timings: 'demo' | 'kafka';
  sessionTimeoutMs?: number | undefined;
  rebalanceProtocol: 'cooperative' | 'eager';
  numStandbyReplicas: number;
}

export class HostedInstances {
  readonly #events: Publisher;
  readonly #connection: ClusterConnection;
  readonly #onGeneration: (groupId: string, generation: number) => void;
  readonly #supervisor: Supervisor;
  readonly #instances = new Map<string, Hosted>();

  constructor(
    events: Publisher,
    deps: {
      connection: ClusterConnection;
      /** How often instance.resources is sampled; 0 disables. */
      resourceIntervalMs: number;
      /** The generation in each rebalance an instance reports. */
      onGeneration: (groupId: string, generation: number) => void;
    },
  ) {
    this.#events = events;
    this.#connection = deps.connection;
    this.#onGeneration = deps.onGeneration;
    this.#supervisor = new Supervisor({ resourceIntervalMs: deps.resourceIntervalMs });
    this.#supervisor.onEvent((e) => this.#onSupervisorEvent(e));
  }

  list(): InstanceInfo[] {
    return [...this.#instances.values()].map((h) => structuredClone(h.info));
  }

  /** The hosted instances of an application id, whatever their state. */
  ofApplication(applicationId: string): Hosted[] {
    return [...this.#instances.values()].filter((h) => h.info.applicationId === applicationId);
  }

  /** Where a task is now: the running instance holding it as active (if any), and those holding a standby copy. */
  holdersOf(applicationId: string, taskId: string): { active: string | null; standby: string[] } {
    const live = this.ofApplication(applicationId).filter((h) => ACTIVE.has(h.info.state));
    return {
      active: live.find((h) => h.info.tasks.includes(taskId))?.info.id ?? null,
      standby: live.filter((h) => h.standby.includes(taskId)).map((h) => h.info.id),
    };
  }

  /** An interactive query answered by the instance's app (Supervisor.query; rejects with its QueryError). */
  query(id: string, query: StoreQuery, timeoutMs?: number): Promise<StoreQueryAnswer> {
    this.#hosted(id);
    return this.#supervisor.query(id, query, timeoutMs);
  }

  /** An instance's consumer has the instance id as its client id. */
  memberInstance(clientId: string): string | null {
    return this.#instances.has(clientId) ? clientId : null;
  }

  /** Whether a hosted exactly-once instance runs under this group (its consumers read read_committed). */
  readCommitted(groupId: string): boolean {
    return [...this.#instances.values()].some((h) => h.info.applicationId === groupId && h.info.guarantee === 'exactly_once_v2');
  }

  async start(args: InstancesStart): Promise<{ ids: string[] }> {
    const conn = this.#connection.require();
    const app = builtInApp(args.app);
    const applicationId = args.applicationId ?? args.app;
    if (!APPLICATION_ID.test(applicationId)) throw new CommandFailure(`application id '${applicationId}' may contain only letters, digits, '.', '_' and '-'`, 'invalid_args');
    const other = [...this.#instances.values()].find((h) => h.info.applicationId === applicationId && h.info.app !== args.app && ACTIVE.has(h.info.state));
    if (other !== undefined) throw new CommandFailure(`application id '${applicationId}' is in use by ${other.info.id} (${other.info.app}); choose another`, 'conflict');
    const { input, output } = app.defaultTopics;
    await this.#connection.ensureTopics(conn, [input, output], args.partitions);

    const ids: string[] = [];
    for (let i = 0; i < args.count; i++) {
      let n = 1;
      while (this.#instances.has(`${applicationId}-${n}`)) n++;
      const id = `${applicationId}-${n}`;
      const config: z.input<typeof StreamsInstanceConfig> = {
        applicationId,
        bootstrapServers: conn.profile.bootstrapServers,
        processingGuarantee: args.guarantee,
        ssl: conn.profile.ssl,
        sasl: conn.profile.sasl,
        // The consumer's client id: how the monitor tells which member is which instance.
        clientId: id,
        // Static membership under the instance's own name: Restart within the session timeout keeps its tasks.
        groupInstanceId: id,
        rebalanceProtocol: args.rebalanceProtocol,
        numStandbyReplicas: args.numStandbyReplicas,
        // Kafka's defaults are the runtime's own; passed anyway, so what runs is what was chosen.
        ...effectiveTimings(args.timings, args.sessionTimeoutMs),
        app: { input, output },
      };
      this.#instances.set(id, {
        info: {
          id,
          app: args.app,
          applicationId,
          guarantee: args.guarantee,
          state: 'starting',
          startedAt: Date.now(),
          exitCode: null,
          lastError: null,
          streamsState: null,
          tasks: [],
        },
        bootstrap: conn.bootstrap,
        input,
        output,
        standby: [],
      });
      try {
        this.#supervisor.start(app.module, config, { id });
      } catch (error) {
        this.#instances.delete(id);
        throw new CommandFailure(`instance ${id} did not start: ${errorText(error)}`, 'internal');
      }
      ids.push(id);
    }
    return { ids };
  }

  /**
   * Kafka Streams' close with CloseOptions: remain in the group (its default on the classic
   * protocol; the static identity keeps the tasks until the session times out or Restart brings
   * it back) or leave it (the runtime removes its static member: the group rebalances at once).
   */
  stop(id: string, opts: { leaveGroup: boolean }): Promise<InstanceInfo['state']> {
    this.#hosted(id);
    return this.#supervisor.stop(id, 10_000, opts.leaveGroup ? 'requested (leave group)' : 'requested (remain in group)', { leaveGroup: opts.leaveGroup });
  }

  async kill(id: string): Promise<void> {
    this.#hosted(id);
    await this.#supervisor.kill(id);
  }

  freeze(id: string, seconds: number): void {
    this.#requireActive(id, 'freeze');
    this.#supervisor.freeze(id, seconds);
  }

  slow(id: string, msPerRecord: number): void {
    this.#requireActive(id, 'slow down');
    this.#supervisor.slow(id, msPerRecord);
  }

  /** Only against the cluster the instance was started on. */
  async restart(id: string): Promise<void> {
    const hosted = this.#hosted(id);
    if (ACTIVE.has(hosted.info.state)) throw new CommandFailure(`instance ${id} is ${hosted.info.state}; stop or kill it first`, 'conflict');
    const conn = this.#connection.require();
    if (conn.bootstrap !== hosted.bootstrap) {
      throw new CommandFailure(`instance ${id} was started against ${hosted.bootstrap}; the console is connected to ${conn.bootstrap} now — start new instances instead`, 'conflict');
    }
    await this.#connection.ensureTopics(conn, [hosted.input, hosted.output], DEFAULT_PARTITIONS);
    hosted.info.streamsState = null;
    hosted.info.tasks = [];
    hosted.standby = [];
    this.#supervisor.restart(id);
  }

  /** Stops the active ones among these (all hosted instances by default), announced first when there are any; failures are ignored. */
  async stopActive(
    reason: string,
    among: Iterable<Hosted> = this.#instances.values(),
    announce?: (active: Hosted[]) => void,
    opts: { leaveGroup?: boolean } = {},
  ): Promise<Hosted[]> {
    const active = [...among].filter((h) => ACTIVE.has(h.info.state));
    if (active.length > 0) announce?.(active);
    await Promise.all(active.map((h) => this.#supervisor.stop(h.info.id, 5000, reason, opts).catch(() => undefined)));
    return active;
  }

  /** Stops every worker. */
  close(): Promise<void> {
    return this.#supervisor.close();
  }

  #hosted(id: string): Hosted {
    const hosted = this.#instances.get(id);
    if (hosted === undefined) {
      const known = [...this.#instances.keys()];
      throw new CommandFailure(`no instance '${id}'${known.length > 0 ? ` (have ${known.join(', ')})` : ''}`, 'not_found');
    }
    return hosted;
  }

  #requireActive(id: string, what: string): Hosted {
    const hosted = this.#hosted(id);
    if (!ACTIVE.has(hosted.info.state) || hosted.info.state === 'stopping') throw new CommandFailure(`cannot ${what} instance ${id}: it is ${hosted.info.state}`, 'conflict');
    return hosted;
  }

  #onSupervisorEvent(e: SupervisorEvent): void {
    const hosted = this.#instances.get(e.id);
    if (hosted === undefined) return;
    switch (e.type) {
      case 'instance.state': {
        const info = hosted.info;
        const sup = this.#supervisor.list().find((i) => i.id === e.id);
        info.state = e.to;
        if (sup !== undefined) {
          info.startedAt = sup.startedAt;
          info.exitCode = sup.exitCode;
          info.lastError = sup.lastError;
        }
        if (TERMINAL.has(e.to)) {
          info.tasks = [];
          hosted.standby = [];
          if (info.streamsState !== 'NOT_RUNNING' && info.streamsState !== 'ERROR') info.streamsState = null;
        }
        this.#publishInstance(hosted, e.from, e.reason);
        return;
      }
      case 'instance.telemetry': {
        const parsed = StreamsEvent.safeParse(e.event);
        if (!parsed.success) {
          this.#events.publish({ type: 'error', source: `instance ${e.id}`, message: `invalid telemetry dropped: ${issuesText(parsed.error.issues, 3)}` });
          return;
        }
        const event = parsed.data;
        this.#events.publish({ type: 'instance.telemetry', id: e.id, event: event as unknown as Record<string, unknown> });
        this.#applyTelemetry(hosted, event);
        return;
      }
      case 'instance.resources':
        this.#events.publish({ type: 'instance.resources', id: e.id, elu: e.elu, heapUsed: e.heapUsed, heapTotal: e.heapTotal });
        return;
      case 'instance.error':
        hosted.info.lastError = e.message;
        this.#events.publish({ type: 'instance.error', id: e.id, message: e.message });
        return;
      case 'instance.exit':
        return;
    }
  }

  /** Streams state and tasks, from what the instance reports; an instance.state when they change. */
  #applyTelemetry(hosted: Hosted, event: StreamsEvent): void {
    const info = hosted.info;
    if (TERMINAL.has(info.state)) return;
    switch (event.type) {
      case 'state':
        if (info.streamsState === event.to) return;
        info.streamsState = event.to;
        this.#publishInstance(hosted, info.state, `streams ${event.from} → ${event.to}`);
        return;
      case 'rebalance': {
        if (event.generation !== null) this.#onGeneration(info.applicationId, event.generation);
        hosted.standby = [...(event.standby ?? []), ...(event.warmup ?? [])];
        this.#setTasks(hosted, [...event.kept, ...event.assigned], `rebalance${event.generation !== null ? ` (generation ${event.generation})` : ''}`);
        return;
      }
      case 'metrics':
        hosted.standby = event.tasks.filter((t) => t.role === 'standby' || t.role === 'warmup').map((t) => t.taskId);
        return;
      case 'task':
        // A standby given the task as active becomes it; a closed standby is gone.
        if ((event.role ?? 'active') === 'active' ? event.phase === 'created' : event.phase === 'closed') hosted.standby = hosted.standby.filter((t) => t !== event.taskId);
        if (event.phase === 'created' && !info.tasks.includes(event.taskId)) this.#setTasks(hosted, [...info.tasks, event.taskId], `task ${event.taskId} created`);
        else if ((event.phase === 'closed' || event.phase === 'migrated') && info.tasks.includes(event.taskId)) {
          this.#setTasks(hosted, info.tasks.filter((t) => t !== event.taskId), `task ${event.taskId} ${event.phase}`);
        }
        return;
      default:
        return;
    }
  }

  #setTasks(hosted: Hosted, tasks: string[], reason: string): void {
    const next = [...new Set(tasks)].sort(compareTaskIds);
    if (next.length === hosted.info.tasks.length && next.every((t, i) => t === hosted.info.tasks[i])) return;
    hosted.info.tasks = next;
    this.#publishInstance(hosted, hosted.info.state, reason);
  }

  #publishInstance(hosted: Hosted, from: InstanceInfo['state'] | null, reason: string): void {
    this.#events.publish({ type: 'instance.state', instance: structuredClone(hosted.info), from, reason });
  }
}

function compareTaskIds(a: string, b: string): number {
  const [as = 0, ap = 0] = a.split('_').map(Number);
  const [bs = 0, bp = 0] = b.split('_').map(Number);
  return as - bs || ap - bp || a.localeCompare(b);
}
