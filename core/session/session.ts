// The console service: one facade over the services in ./services — the connection to a
// cluster, the embedded cluster, the hosted instances, the load generator, the verifier and the
// cluster monitor — and the saved profiles. Commands come in by name with untrusted arguments
// (handle); everything that happens goes out as SessionEvents on one bus (onEvent, events.history).
// The facade routes commands, runs connect / disconnect / the embedded cluster's life one at a
// time, and decides what stops when the connection goes.
import { join } from 'node:path';
import type { z } from 'zod';
import { COMMANDS, isCommandName } from './api.js';
import type { CommandArgs, CommandName, CommandResult, ConnectionProfile, SessionEvent, SessionEventInput, StreamwatchApi } from './api.js';
import { EventBus } from './event-bus.js';
import { CommandFailure, connectionReason, describeKafkaFailure, isAuthFailure, issuesText, plainMessage, withTimeout } from './errors.js';
import { exportEvents } from './export.js';
import { defaultMonitorFactory } from './monitor-seam.js';
import type { MonitorFactory } from './monitor-seam.js';
import { MemorySecretStore, ProfileStore } from './profiles.js';
import type { SecretStore } from './profiles.js';
import type { BrokerOptions } from '../broker/broker.js';
import { AppReset, builtInTopology, describeTopology, listApps } from './services/apps.js';
import { ClusterConnection } from './services/connection.js';
import type { ProbeResult } from './services/connection.js';
import { EmbeddedCluster } from './services/embedded-cluster.js';
import type { Publisher } from './services/events.js';
import { GroupMembers } from './services/group-members.js';
import { HostedInstances } from './services/hosted-instances.js';
import { Load } from './services/load.js';
import { Monitoring } from './services/monitoring.js';
import { Queries } from './services/queries.js';
import { VERIFIER_GROUP_PREFIX, Verification } from './services/verification.js';

export { builtInTopology } from './services/apps.js';
export { kafkaConfig } from './services/connection.js';
export { DEMO_TIMINGS } from './services/hosted-instances.js';

export interface SessionOptions {
  /** Profiles and the embedded cluster's data live here. */
  stateDir: string;
  /** Port of the embedded broker on 127.0.0.1; 0 (the default) picks a free one. */
  embeddedPort?: number;
  /** Keep the embedded cluster's data in memory instead of <stateDir>/embedded (tests). */
  embeddedInMemory?: boolean;
  /** Further broker options (tests: shorter timeouts). */
  embeddedOptions?: Partial<BrokerOptions>;
  /** Where SASL passwords go; in memory only by default (see profiles.ts). */
  secretStore?: SecretStore;
  /** Capacity of each history ring (facts, samples); 5000 by default. */
  historySize?: number;
  /** Poll interval of the cluster monitor; 1000 ms by default. */
  monitorIntervalMs?: number;
  /** Builds the cluster monitor for a connection; null runs without one. Defaults to core/monitor's. */
  monitorFactory?: MonitorFactory | null;
  /** Bound on one connection attempt (TCP + handshake); 5000 ms by default. */
  connectTimeoutMs?: number;
  /** Bound on any command; 30 s by default (apps.reset: three times that). */
  commandTimeoutMs?: number;
  /** How often instance.resources is sampled; 1000 ms by default, 0 disables. */
  resourceIntervalMs?: number;
  /** verifier.snapshot at most this often; 500 ms by default. */
  verifierIntervalMs?: number;
  /** How long apps.reset waits for a group's remaining members to time out; 45 s by default. */
  resetWaitMs?: number;
}

type Args<C extends CommandName> = z.output<(typeof COMMANDS)[C]['args']>;
type Handlers = { [C in CommandName]: (args: Args<C>) => Promise<CommandResult<C>> };

export class Session implements StreamwatchApi {
  readonly stateDir: string;
  readonly #bus: EventBus;
  readonly #events: Publisher;
  readonly #profiles: ProfileStore;
  readonly #commandTimeoutMs: number;
  readonly #handlers: Handlers;
  readonly #connection: ClusterConnection;
  readonly #embedded: EmbeddedCluster;
  readonly #monitoring: Monitoring;
  readonly #instances: HostedInstances;
  readonly #groupMembers: GroupMembers;
  readonly #verification: Verification;
  readonly #load: Load;
  readonly #reset: AppReset;
  readonly #queries: Queries;
  /** Connect, disconnect and the embedded cluster's life run one at a time. */
  #lifecycle: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | null = null;

  constructor(options: SessionOptions) {
    this.stateDir = options.stateDir;
    this.#bus = new EventBus({ historySize: options.historySize ?? 5000 });
    this.#events = {
      publish: (event) => this.#bus.publish(event),
      progress: (task, message, fraction, done) => this.#bus.publish({ type: 'progress', task, message, fraction, done }),
    };
    this.#profiles = new ProfileStore(join(options.stateDir, 'profiles.json'), options.secretStore ?? new MemorySecretStore());
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.#connection = new ClusterConnection(this.#events, connectTimeoutMs);
    this.#groupMembers = new GroupMembers({ connection: this.#connection, requestTimeoutMs: connectTimeoutMs * 2 });
    this.#instances = new HostedInstances(this.#events, {
      connection: this.#connection,
      resourceIntervalMs: options.resourceIntervalMs ?? 1000,
      onGeneration: (groupId, generation) => this.#monitoring.noteGeneration(groupId, generation),
    });
    this.#monitoring = new Monitoring(this.#events, {
      factory: options.monitorFactory === undefined ? defaultMonitorFactory : options.monitorFactory,
      intervalMs: options.monitorIntervalMs ?? 1000,
      isCurrent: (conn) => this.#connection.current === conn,
      memberInstance: (clientId) => this.#instances.memberInstance(clientId),
      readCommitted: (groupId) => this.#instances.readCommitted(groupId),
      groupFilter: (groupId) => !groupId.startsWith(`${VERIFIER_GROUP_PREFIX}-`),
    });
    this.#embedded = new EmbeddedCluster(this.#events, {
      stateDir: options.stateDir,
      port: options.embeddedPort ?? 0,
      inMemory: options.embeddedInMemory ?? false,
      brokerOptions: options.embeddedOptions,
      // The embedded coordinator knows the real generation of every group.
      onGeneration: (groupId, generation) => {
        if (this.#connection.current?.embedded) this.#monitoring.noteGeneration(groupId, generation);
      },
    });
    this.#verification = new Verification(this.#events, { connectTimeoutMs, intervalMs: options.verifierIntervalMs ?? 500 });
    this.#load = new Load(this.#events, { connection: this.#connection, verification: this.#verification, connectTimeoutMs });
    this.#reset = new AppReset(this.#events, { connection: this.#connection, instances: this.#instances, groupMembers: this.#groupMembers, waitMs: options.resetWaitMs ?? 45_000 });
    this.#queries = new Queries({ connection: this.#connection, instances: this.#instances });
    this.#handlers = this.#makeHandlers();
  }

  // ---------------------------------------------------------------- the public surface

  /** Runs a command given by name with untrusted arguments; rejects with a CommandFailure only. */
  async handle(command: string, args: unknown): Promise<unknown> {
    if (!isCommandName(command)) throw new CommandFailure(`unknown command '${String(command)}'`, 'unknown_command');
    if (this.#closed !== null) throw new CommandFailure('the session is closed', 'conflict');
    const spec = COMMANDS[command];
    const parsed = spec.args.safeParse(args ?? {});
    if (!parsed.success) {
      throw new CommandFailure(`invalid arguments for ${command}: ${issuesText(parsed.error.issues)}`, 'invalid_args');
    }
    const timeoutMs = command === 'apps.reset' ? this.#commandTimeoutMs * 3 : this.#commandTimeoutMs;
    let result: unknown;
    try {
      const run = this.#handlers[command] as (a: unknown) => Promise<unknown>;
      result = await withTimeout(run(parsed.data), timeoutMs, command);
    } catch (error) {
      throw this.#failure(error, command);
    }
    const checked = spec.result.safeParse(result);
    if (!checked.success) {
      const message = `${command} produced an invalid result (${issuesText(checked.error.issues)})`;
      this.#publish({ type: 'error', source: 'session', message });
      throw new CommandFailure(`internal error: ${message}`, 'invalid_result');
    }
    return checked.data;
  }

  /** handle(), typed for in-process callers (the Electron main process, tests). */
  command<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    return this.handle(name, args) as Promise<CommandResult<C>>;
  }

  /** Every published event, in seq order; returns the unsubscriber. */
  onEvent(listener: (event: SessionEvent) => void): () => void {
    return this.#bus.subscribe(listener);
  }

  /** Publishes an event from outside (the shells' own notices). Invalid events become `error` events. */
  publish(event: SessionEventInput): void {
    this.#publish(event);
  }

  history(afterSeq = 0): SessionEvent[] {
    return this.#bus.history(afterSeq);
  }

  get connectedBootstrap(): string | null {
    return this.#connection.current?.bootstrap ?? null;
  }

  /** Stops everything it started: load, verifier, monitor, instances, clients, the embedded broker. */
  close(): Promise<void> {
    this.#closed ??= this.#serial(async () => {
      await this.#teardown('the session is closing');
      await this.#instances.close();
      await this.#embedded.stop();
    });
    return this.#closed;
  }

  // ---------------------------------------------------------------- commands

  #makeHandlers(): Handlers {
    return {
      'cluster.test': async ({ profile }) => {
        const full = await this.#profiles.withSecret(profile);
        const bootstrap = full.bootstrapServers.join(',');
        try {
          const probe = await this.#connection.probe(full);
          const n = probe.brokers.length;
          return {
            ok: true,
            message: `connected to ${bootstrap}: ${n} broker${n === 1 ? '' : 's'}${probe.clusterId ? `, cluster id ${probe.clusterId}` : ''}`,
            brokers: probe.brokers,
            clusterId: probe.clusterId,
          };
        } catch (error) {
          return { ok: false, message: this.#failure(error, 'cluster.test', bootstrap).message, brokers: [], clusterId: null };
        }
      },
      'cluster.connect': ({ profile }) =>
        this.#serial(async () => {
          const full = await this.#profiles.withSecret(profile);
          return { bootstrap: await this.#connect(full, false) };
        }),
      'cluster.useEmbedded': () =>
        this.#serial(async () => {
          const broker = await this.#embedded.start();
          const current = this.#connection.current;
          if (current?.embedded && current.bootstrap === broker.bootstrap) return { bootstrap: broker.bootstrap };
          const profile: ConnectionProfile = { name: 'embedded', bootstrapServers: [broker.bootstrap], ssl: false, sasl: null };
          return { bootstrap: await this.#connect(profile, true) };
        }),
      'cluster.disconnect': () =>
        this.#serial(async () => {
          await this.#teardown('disconnected');
          return {};
        }),
      'embedded.stop': () =>
        this.#serial(async () => {
          if (this.#connection.current?.embedded) await this.#teardown('the embedded cluster is stopping');
          await this.#embedded.stop();
          return {};
        }),

      'profiles.list': async () => ({ profiles: await this.#profiles.list() }),
      'profiles.save': async ({ profile }) => {
        await this.#profiles.save(profile);
        return {};
      },
      'profiles.delete': async ({ name }) => {
        if (!(await this.#profiles.delete(name))) throw new CommandFailure(`no saved profile '${name}'`, 'not_found');
        return {};
      },

      'topics.list': async () => {
        const conn = this.#connection.require();
        const { topics } = await conn.admin.fetchTopicMetadata();
        return {
          topics: topics
            .map((t) => ({ name: t.name, partitions: t.partitions.length, internal: t.name.startsWith('__') }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        };
      },
      'topics.create': async ({ topic, partitions }) => {
        const conn = this.#connection.require();
        const created = await conn.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
        if (!created) throw new CommandFailure(`topic '${topic}' already exists`, 'conflict');
        return {};
      },

      'apps.list': async () => listApps(),
      'apps.describe': async ({ app, applicationId }) => describeTopology(builtInTopology(app, applicationId ?? app)),
      'apps.queryKey': (args) => this.#queries.queryKey(args),
      'apps.browseStore': (args) => this.#queries.browseStore(args),
      'apps.reset': async ({ applicationId }) => {
        await this.#reset.reset(applicationId);
        return {};
      },

      'instances.list': async () => ({ instances: this.#instances.list() }),
      'instances.start': (args) => this.#instances.start(args),
      'instances.stop': async ({ id, leaveGroup }) => ({ state: await this.#instances.stop(id, { leaveGroup }) }),
      'instances.kill': async ({ id }) => {
        await this.#instances.kill(id);
        return {};
      },
      'instances.freeze': async ({ id, seconds }) => {
        this.#instances.freeze(id, seconds);
        return {};
      },
      'instances.slow': async ({ id, msPerRecord }) => {
        this.#instances.slow(id, msPerRecord);
        return {};
      },
      'instances.restart': async ({ id }) => {
        await this.#instances.restart(id);
        return {};
      },

      'groups.removeMember': (member) => this.#groupMembers.remove(member),

      'load.start': async (args) => {
        await this.#load.start(args);
        return {};
      },
      'load.pause': async () => {
        this.#load.pause();
        return {};
      },
      'load.resume': async () => {
        this.#load.resume();
        return {};
      },
      'load.setRate': async ({ ratePerSecond }) => {
        this.#load.setRate(ratePerSecond);
        return {};
      },
      'load.stop': async () => {
        await this.#load.stop();
        return {};
      },

      'events.history': async ({ afterSeq }) => ({ events: this.#bus.history(afterSeq) }),
      'events.export': async ({ format }) => exportEvents(this.#bus.history(0), format),
    };
  }

  // ---------------------------------------------------------------- connecting and disconnecting

  async #connect(profile: ConnectionProfile, embedded: boolean): Promise<string> {
    const bootstrap = profile.bootstrapServers.join(',');
    this.#events.progress('connect', `connecting to ${bootstrap}`, 0, false);
    let probe: ProbeResult;
    try {
      probe = await this.#connection.probe(profile);
    } catch (error) {
      const failure = this.#failure(error, 'cluster.connect', bootstrap);
      this.#events.progress('connect', failure.message, null, true);
      throw failure;
    }
    if (this.#connection.current !== null) await this.#teardown(`switching to ${bootstrap}`);
    const conn = await this.#connection.open(profile, embedded, probe);
    await this.#monitoring.start(conn);
    return bootstrap;
  }

  /** Stops everything bound to the connected cluster (load, verifier, instances, monitor) and drops its clients. */
  async #teardown(reason: string): Promise<void> {
    const conn = this.#connection.current;
    await this.#load.stop();
    await this.#verification.stop();
    await this.#instances.stopActive(reason);
    if (conn === null) return;
    this.#connection.detach();
    await this.#monitoring.stop();
    await this.#connection.close(conn);
  }

  // ---------------------------------------------------------------- plumbing

  #publish(event: SessionEventInput): void {
    this.#events.publish(event);
  }

  /** Runs lifecycle work one at a time, in call order. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lifecycle.then(work, work);
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  /** Any error as a CommandFailure a Kafka user can read. */
  #failure(error: unknown, command: string, bootstrap = this.#connection.current?.bootstrap): CommandFailure {
    if (error instanceof CommandFailure) return error;
    if (bootstrap !== undefined && (connectionReason(error) !== null || isAuthFailure(error))) return describeKafkaFailure(error, command, bootstrap);
    const message = plainMessage(error);
    if (/^no instance /.test(message)) return new CommandFailure(message, 'not_found');
    if (/ is (starting|running|frozen|stopping)|is not running/.test(message)) return new CommandFailure(message, 'conflict');
    return new CommandFailure(`${command} failed: ${message}`, 'internal');
  }
}
