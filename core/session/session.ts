// The console service: one facade over the embedded broker, the kafkajs clients of the connected
// cluster, the supervisor and its instances, the load generator and verifier, the cluster
// monitor and the saved profiles. Commands come in by name with untrusted arguments (handle);
// everything that happens goes out as SessionEvents on one bus (onEvent, events.history).
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaConfig, SASLOptions } from 'kafkajs';
import '../kafkajs-fixes.js';
import type { z } from 'zod';
import { COMMANDS, isCommandName } from './api.js';
import type { AppName, CommandArgs, CommandName, CommandResult, ConnectionProfile, InstanceInfo, SessionEvent, SessionEventInput, StreamwatchApi } from './api.js';
import { EventBus } from './event-bus.js';
import { CommandFailure, connectionReason, describeKafkaFailure, errorText, formatMs, isAuthFailure, issuesText, plainMessage, withTimeout } from './errors.js';
import { exportEvents } from './export.js';
import { defaultMonitorFactory } from './monitor-seam.js';
import type { MonitorFactory, MonitorHandle } from './monitor-seam.js';
import { MemorySecretStore, ProfileStore } from './profiles.js';
import type { SecretStore } from './profiles.js';
import { startBroker } from '../broker/broker.js';
import type { BrokerOptions, RunningBroker } from '../broker/broker.js';
import { Supervisor } from '../supervisor/supervisor.js';
import type { SupervisorEvent } from '../supervisor/supervisor.js';
import type { StreamsInstanceConfig } from '../supervisor/streams-instance.js';
import { BUILT_IN_APPS, builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator, Verifier, bankLedgerTopology, passthroughTopology, wordCountTopology } from '../apps/index.js';
import type { LoadGeneratorStats, LoadKind, VerifierSnapshot } from '../apps/index.js';
import { StreamsEvent } from '../streams/index.js';
import type { Topology } from '../streams/index.js';

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

interface Connection {
  profile: ConnectionProfile;
  bootstrap: string;
  embedded: boolean;
  kafka: Kafka;
  admin: Admin;
  monitor: MonitorHandle | null;
}

interface ProbeResult {
  brokers: { nodeId: number; host: string; port: number }[];
  clusterId: string | null;
}

interface Hosted {
  info: InstanceInfo;
  /** The cluster it was started against (restart needs the same one). */
  bootstrap: string;
  input: string;
  output: string;
}

interface RunningLoad {
  app: AppName;
  generator: LoadGenerator;
  unsubscribe: () => void;
}

interface RunningVerifier {
  app: 'bank-ledger' | 'passthrough';
  verifier: Verifier;
  unsubscribe: () => void;
  reportedFailure: boolean;
}

const LOAD_KIND: Record<AppName, LoadKind> = { 'bank-ledger': 'transfers', passthrough: 'sequence', 'word-count': 'sentences' };
const DEFAULT_PARTITIONS = 6;
const TERMINAL = new Set(['stopped', 'killed', 'crashed']);
const ACTIVE = new Set(['starting', 'running', 'frozen', 'stopping']);
const APPLICATION_ID = /^[a-zA-Z0-9._-]+$/;
/** The verifier's throwaway consumer groups (core/apps/verifier.ts). */
const VERIFIER_GROUP_PREFIX = 'streamwatch-verifier';

/** The topology of a built-in app, for apps.describe and for its internal topics. */
export function builtInTopology(app: AppName, applicationId: string): Topology {
  const { input, output } = builtInApp(app).defaultTopics;
  switch (app) {
    case 'bank-ledger':
      return bankLedgerTopology({ applicationId, input, output });
    case 'word-count':
      return wordCountTopology({ applicationId, input, output });
    case 'passthrough':
      return passthroughTopology({ applicationId, input, output });
  }
}

/** A kafkajs config for a profile: TLS with the system's CAs when ssl, SASL plain / SCRAM. */
export function kafkaConfig(profile: ConnectionProfile, opts: { clientId: string; connectTimeoutMs: number; requestTimeoutMs: number; retries: number }): KafkaConfig {
  const config: KafkaConfig = {
    clientId: opts.clientId,
    brokers: profile.bootstrapServers,
    ssl: profile.ssl,
    connectionTimeout: opts.connectTimeoutMs,
    authenticationTimeout: opts.connectTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry: { retries: opts.retries, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.NOTHING,
  };
  if (profile.sasl !== null) {
    const { mechanism, username, password } = profile.sasl;
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  return config;
}

/** Resolves with null when host:port accepts a TCP connection within ms, else with why not. */
function tcpReachable(host: string, port: number, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(ms, () => done('connection timed out'));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(connectionReason(err) ?? err.message));
  });
}

/**
 * The console's demonstration timings, chosen so that a kill heals in seconds rather than Kafka's
 * 45 s session timeout: session 10 s, heartbeat 1 s, probing rebalances every 30 s (Kafka: 10 min,
 * at least 1 min). Used when instances.start asks for timings 'demo' (its default), never silently.
 */
export const DEMO_TIMINGS = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, probingRebalanceIntervalMs: 30_000 } as const;

export class Session implements StreamwatchApi {
  readonly stateDir: string;
  readonly #options: SessionOptions;
  readonly #bus: EventBus;
  readonly #profiles: ProfileStore;
  readonly #supervisor: Supervisor;
  readonly #monitorFactory: MonitorFactory | null;
  readonly #connectTimeoutMs: number;
  readonly #commandTimeoutMs: number;
  readonly #handlers: Handlers;
  readonly #instances = new Map<string, Hosted>();
  #connection: Connection | null = null;
  #embedded: RunningBroker | null = null;
  #embeddedStarting: Promise<RunningBroker> | null = null;
  #embeddedUnsubscribe: (() => void) | null = null;
  #load: RunningLoad | null = null;
  #verifier: RunningVerifier | null = null;
  /** Connect, disconnect and the embedded cluster's life run one at a time. */
  #lifecycle: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | null = null;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.stateDir = options.stateDir;
    this.#bus = new EventBus({ historySize: options.historySize ?? 5000 });
    this.#profiles = new ProfileStore(join(options.stateDir, 'profiles.json'), options.secretStore ?? new MemorySecretStore());
    this.#monitorFactory = options.monitorFactory === undefined ? defaultMonitorFactory : options.monitorFactory;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.#supervisor = new Supervisor({ resourceIntervalMs: options.resourceIntervalMs ?? 1000 });
    this.#supervisor.onEvent((e) => this.#onSupervisorEvent(e));
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
    return this.#connection?.bootstrap ?? null;
  }

  /** Stops everything it started: load, verifier, monitor, instances, clients, the embedded broker. */
  close(): Promise<void> {
    this.#closed ??= this.#serial(async () => {
      await this.#teardown('the session is closing');
      await this.#supervisor.close();
      await this.#stopEmbedded();
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
          const probe = await this.#probe(full);
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
          const broker = await this.#startEmbedded();
          if (this.#connection?.embedded && this.#connection.bootstrap === broker.bootstrap) return { bootstrap: broker.bootstrap };
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
          if (this.#connection?.embedded) await this.#teardown('the embedded cluster is stopping');
          await this.#stopEmbedded();
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
        const conn = this.#requireConnection();
        const { topics } = await conn.admin.fetchTopicMetadata();
        return {
          topics: topics
            .map((t) => ({ name: t.name, partitions: t.partitions.length, internal: t.name.startsWith('__') }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        };
      },
      'topics.create': async ({ topic, partitions }) => {
        const conn = this.#requireConnection();
        const created = await conn.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
        if (!created) throw new CommandFailure(`topic '${topic}' already exists`, 'conflict');
        return {};
      },

      'apps.list': async () => ({
        apps: BUILT_IN_APPS.map((a) => ({ name: a.name as AppName, description: a.description, input: a.defaultTopics.input, output: a.defaultTopics.output })),
      }),
      'apps.describe': async ({ app, applicationId }) => describeTopology(builtInTopology(app, applicationId ?? app)),
      'apps.reset': ({ applicationId }) => this.#resetApp(applicationId),

      'instances.list': async () => ({ instances: [...this.#instances.values()].map((h) => structuredClone(h.info)) }),
      'instances.start': (args) => this.#startInstances(args),
      'instances.stop': async ({ id }) => {
        this.#hosted(id);
        // The console's Stop leaves the group, so the group heals at once (Kafka Streams' close()
        // remains in it by default; the instance's own CloseOptions decide).
        return { state: await this.#supervisor.stop(id, 10_000, 'requested', { leaveGroup: true }) };
      },
      'instances.kill': async ({ id }) => {
        this.#hosted(id);
        await this.#supervisor.kill(id);
        return {};
      },
      'instances.freeze': async ({ id, seconds }) => {
        this.#requireActive(id, 'freeze');
        this.#supervisor.freeze(id, seconds);
        return {};
      },
      'instances.slow': async ({ id, msPerRecord }) => {
        this.#requireActive(id, 'slow down');
        this.#supervisor.slow(id, msPerRecord);
        return {};
      },
      'instances.restart': async ({ id }) => {
        const hosted = this.#hosted(id);
        if (ACTIVE.has(hosted.info.state)) throw new CommandFailure(`instance ${id} is ${hosted.info.state}; stop or kill it first`, 'conflict');
        const conn = this.#requireConnection();
        if (conn.bootstrap !== hosted.bootstrap) {
          throw new CommandFailure(`instance ${id} was started against ${hosted.bootstrap}; the console is connected to ${conn.bootstrap} now — start new instances instead`, 'conflict');
        }
        await this.#ensureTopics(conn, [hosted.input, hosted.output], DEFAULT_PARTITIONS);
        hosted.info.streamsState = null;
        hosted.info.tasks = [];
        this.#supervisor.restart(id);
        return {};
      },

      'load.start': (args) => this.#startLoad(args),
      'load.pause': async () => {
        this.#requireLoad().generator.pause();
        this.#publishLoadStats(this.#requireLoad().generator.stats());
        return {};
      },
      'load.resume': async () => {
        this.#requireLoad().generator.resume();
        this.#publishLoadStats(this.#requireLoad().generator.stats());
        return {};
      },
      'load.setRate': async ({ ratePerSecond }) => {
        this.#requireLoad().generator.setRate(ratePerSecond);
        this.#publishLoadStats(this.#requireLoad().generator.stats());
        return {};
      },
      'load.stop': async () => {
        await this.#stopLoad();
        return {};
      },

      'events.history': async ({ afterSeq }) => ({ events: this.#bus.history(afterSeq) }),
      'events.export': async ({ format }) => exportEvents(this.#bus.history(0), format),
    };
  }

  // ---------------------------------------------------------------- cluster connection

  /** Connects to the cluster briefly: its brokers and id, or a CommandFailure saying why not. */
  async #probe(profile: ConnectionProfile): Promise<ProbeResult> {
    const bootstrap = profile.bootstrapServers.join(',');
    const kafka = new Kafka(kafkaConfig(profile, { clientId: 'streamwatch-probe', connectTimeoutMs: this.#connectTimeoutMs, requestTimeoutMs: this.#connectTimeoutMs, retries: 1 }));
    const admin = kafka.admin();
    const bound = this.#connectTimeoutMs * 2 + 1000;
    try {
      const cluster = await withTimeout(
        (async () => {
          await admin.connect();
          return admin.describeCluster();
        })(),
        bound,
        `connecting to ${bootstrap}`,
      ).catch((error: unknown) => {
        if (error instanceof CommandFailure && error.code === 'timeout') {
          throw new CommandFailure(`cannot reach ${bootstrap}: no answer from a Kafka broker within ${formatMs(bound)}`, 'unreachable');
        }
        throw probeFailure(error, profile, bootstrap);
      });
      // A classic: the bootstrap server answers, but advertises addresses this machine cannot reach.
      for (const b of cluster.brokers) {
        const reason = await tcpReachable(b.host, b.port, this.#connectTimeoutMs);
        if (reason !== null) {
          throw new CommandFailure(
            `reached ${bootstrap}, but broker ${b.nodeId} advertises ${b.host}:${b.port}, which cannot be reached (${reason}); check the broker's advertised.listeners`,
            'unreachable',
          );
        }
      }
      return {
        brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
        clusterId: cluster.clusterId || null,
      };
    } finally {
      void admin.disconnect().catch(() => {});
    }
  }

  async #connect(profile: ConnectionProfile, embedded: boolean): Promise<string> {
    const bootstrap = profile.bootstrapServers.join(',');
    this.#progress('connect', `connecting to ${bootstrap}`, 0, false);
    let probe: ProbeResult;
    try {
      probe = await this.#probe(profile);
    } catch (error) {
      const failure = this.#failure(error, 'cluster.connect', bootstrap);
      this.#progress('connect', failure.message, null, true);
      throw failure;
    }
    if (this.#connection !== null) await this.#teardown(`switching to ${bootstrap}`);
    const kafka = new Kafka(kafkaConfig(profile, { clientId: 'streamwatch', connectTimeoutMs: this.#connectTimeoutMs, requestTimeoutMs: 30_000, retries: 3 }));
    const admin = kafka.admin();
    await withTimeout(admin.connect(), this.#connectTimeoutMs * 2, `connecting to ${bootstrap}`).catch((error: unknown) => {
      void admin.disconnect().catch(() => {});
      throw describeKafkaFailure(error, `connecting to ${bootstrap}`, bootstrap);
    });
    const conn: Connection = { profile, bootstrap, embedded, kafka, admin, monitor: null };
    this.#connection = conn;
    this.#publish({ type: 'cluster.status', connected: true, embedded, bootstrap, brokers: probe.brokers, clusterId: probe.clusterId, error: null, retryInMs: null });
    this.#progress('connect', `connected to ${bootstrap}`, 1, true);
    if (this.#monitorFactory !== null) {
      try {
        conn.monitor = this.#monitorFactory({
          kafka,
          bootstrap,
          profile,
          intervalMs: this.#options.monitorIntervalMs ?? 1000,
          emit: (e) => {
            if (this.#connection === conn) this.#publish(e);
          },
          embedded,
          // An instance's consumer has the instance id as its client id.
          memberInstance: (clientId) => (this.#instances.has(clientId) ? clientId : null),
          readCommitted: (groupId) => [...this.#instances.values()].some((h) => h.info.applicationId === groupId && h.info.guarantee === 'exactly_once_v2'),
          groupFilter: (groupId) => !groupId.startsWith(`${VERIFIER_GROUP_PREFIX}-`),
        });
        await conn.monitor.start();
      } catch (error) {
        this.#publish({ type: 'error', source: 'monitor', message: `the cluster monitor did not start: ${errorText(error)}` });
      }
    }
    return bootstrap;
  }

  /** Stops everything bound to the connected cluster and drops its clients. */
  async #teardown(reason: string): Promise<void> {
    const conn = this.#connection;
    await this.#stopLoad();
    await this.#stopVerifier();
    const active = [...this.#instances.values()].filter((h) => ACTIVE.has(h.info.state));
    await Promise.all(active.map((h) => this.#supervisor.stop(h.info.id, 5000, reason).catch(() => undefined)));
    if (conn === null) return;
    this.#connection = null;
    try {
      await conn.monitor?.stop();
    } catch (error) {
      this.#publish({ type: 'error', source: 'monitor', message: `stopping the cluster monitor failed: ${errorText(error)}` });
    }
    await withTimeout(conn.admin.disconnect(), 5000, 'disconnecting').catch(() => undefined);
    this.#publish({ type: 'cluster.status', connected: false, embedded: conn.embedded, bootstrap: conn.bootstrap, brokers: [], clusterId: null, error: null, retryInMs: null });
  }

  #requireConnection(): Connection {
    if (this.#connection === null) throw new CommandFailure('not connected to a cluster: connect to one or start the embedded cluster first', 'not_connected');
    return this.#connection;
  }

  // ---------------------------------------------------------------- the embedded cluster

  #startEmbedded(): Promise<RunningBroker> {
    if (this.#embedded !== null) return Promise.resolve(this.#embedded);
    this.#embeddedStarting ??= (async () => {
      const dataDir = this.#options.embeddedInMemory ? null : join(this.stateDir, 'embedded');
      const port = this.#options.embeddedPort ?? 0;
      let started = false;
      this.#publish({ type: 'embedded.status', state: 'starting', bootstrap: null, message: `starting the embedded cluster${dataDir ? ` (data in ${dataDir})` : ' (in memory)'}` });
      this.#progress('embedded', 'starting the embedded cluster', 0, false);
      try {
        const broker = await startBroker({
          ...this.#options.embeddedOptions,
          host: '127.0.0.1',
          port,
          dataDir,
          logger: (level, message) => {
            if (!started) this.#progress('embedded', message, null, false);
            else if (level === 'error') this.#publish({ type: 'error', source: 'embedded', message });
          },
        });
        started = true;
        this.#embedded = broker;
        this.#embeddedUnsubscribe = broker.broker.onEvent((e) => {
          // The embedded coordinator knows the real generation of every group.
          if (e.type === 'group.rebalance.completed' && this.#connection?.embedded) this.#connection.monitor?.noteGeneration(e.groupId, e.generationId);
        });
        this.#publish({ type: 'embedded.status', state: 'running', bootstrap: broker.bootstrap, message: `the embedded cluster listens on ${broker.bootstrap}` });
        this.#progress('embedded', `the embedded cluster listens on ${broker.bootstrap}`, 1, true);
        return broker;
      } catch (error) {
        const message = `the embedded cluster did not start: ${errorText(error)}`;
        this.#publish({ type: 'embedded.status', state: 'error', bootstrap: null, message });
        this.#progress('embedded', message, null, true);
        throw new CommandFailure(message, 'conflict');
      } finally {
        this.#embeddedStarting = null;
      }
    })();
    return this.#embeddedStarting;
  }

  async #stopEmbedded(): Promise<void> {
    await this.#embeddedStarting?.catch(() => undefined);
    const broker = this.#embedded;
    if (broker === null) return;
    this.#publish({ type: 'embedded.status', state: 'stopping', bootstrap: broker.bootstrap, message: 'stopping the embedded cluster' });
    this.#embeddedUnsubscribe?.();
    this.#embeddedUnsubscribe = null;
    this.#embedded = null;
    await broker.close();
    this.#publish({ type: 'embedded.status', state: 'stopped', bootstrap: null, message: 'the embedded cluster stopped' });
  }

  // ---------------------------------------------------------------- instances

  async #startInstances(args: Args<'instances.start'>): Promise<{ ids: string[] }> {
    const conn = this.#requireConnection();
    const app = builtInApp(args.app);
    const applicationId = args.applicationId ?? args.app;
    if (!APPLICATION_ID.test(applicationId)) throw new CommandFailure(`application id '${applicationId}' may contain only letters, digits, '.', '_' and '-'`, 'invalid_args');
    const other = [...this.#instances.values()].find((h) => h.info.applicationId === applicationId && h.info.app !== args.app && ACTIVE.has(h.info.state));
    if (other !== undefined) throw new CommandFailure(`application id '${applicationId}' is in use by ${other.info.id} (${other.info.app}); choose another`, 'conflict');
    const { input, output } = app.defaultTopics;
    await this.#ensureTopics(conn, [input, output], args.partitions);

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
        ...(args.timings === 'demo' ? DEMO_TIMINGS : {}),
        app: { input, output },
      };
      if (args.sessionTimeoutMs !== undefined) {
        config.sessionTimeoutMs = args.sessionTimeoutMs;
        config.heartbeatIntervalMs = Math.max(100, Math.min(args.timings === 'demo' ? 1000 : 3000, Math.floor(args.sessionTimeoutMs / 3)));
      }
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

  async #ensureTopics(conn: Connection, topics: string[], partitions: number): Promise<void> {
    const existing = new Set(await conn.admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await conn.admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
    this.#progress('topics', `created ${missing.map((t) => `'${t}'`).join(' and ')} with ${partitions} partition${partitions === 1 ? '' : 's'}`, 1, true);
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
          if (info.streamsState !== 'NOT_RUNNING' && info.streamsState !== 'ERROR') info.streamsState = null;
        }
        this.#publishInstance(hosted, e.from, e.reason);
        return;
      }
      case 'instance.telemetry': {
        const parsed = StreamsEvent.safeParse(e.event);
        if (!parsed.success) {
          this.#publish({ type: 'error', source: `instance ${e.id}`, message: `invalid telemetry dropped: ${issuesText(parsed.error.issues, 3)}` });
          return;
        }
        const event = parsed.data;
        this.#publish({ type: 'instance.telemetry', id: e.id, event: event as unknown as Record<string, unknown> });
        this.#applyTelemetry(hosted, event);
        return;
      }
      case 'instance.resources':
        this.#publish({ type: 'instance.resources', id: e.id, elu: e.elu, heapUsed: e.heapUsed, heapTotal: e.heapTotal });
        return;
      case 'instance.error':
        hosted.info.lastError = e.message;
        this.#publish({ type: 'instance.error', id: e.id, message: e.message });
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
        if (event.generation !== null) this.#connection?.monitor?.noteGeneration(info.applicationId, event.generation);
        this.#setTasks(hosted, [...event.kept, ...event.assigned], `rebalance${event.generation !== null ? ` (generation ${event.generation})` : ''}`);
        return;
      }
      case 'task':
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
    this.#publish({ type: 'instance.state', instance: structuredClone(hosted.info), from, reason });
  }

  // ---------------------------------------------------------------- apps.reset

  async #resetApp(applicationId: string): Promise<Record<string, never>> {
    const conn = this.#requireConnection();
    const task = `reset ${applicationId}`;
    const mine = [...this.#instances.values()].filter((h) => h.info.applicationId === applicationId);
    const active = mine.filter((h) => ACTIVE.has(h.info.state));
    if (active.length > 0) {
      this.#progress(task, `stopping ${active.map((h) => h.info.id).join(', ')}`, 0, false);
      await Promise.all(active.map((h) => this.#supervisor.stop(h.info.id, 5000, 'app reset').catch(() => undefined)));
    }

    // The group: only an empty group can be deleted; members of killed or frozen instances
    // (or of programs elsewhere) stay until their session times out.
    const waitMs = this.#options.resetWaitMs ?? 45_000;
    const deadline = Date.now() + waitMs;
    this.#progress(task, `deleting consumer group '${applicationId}' (its committed offsets)`, 0.3, false);
    for (;;) {
      const code = await this.#deleteGroup(conn.admin, applicationId);
      if (code === null || code === 'GROUP_ID_NOT_FOUND') break;
      if (code !== 'NON_EMPTY_GROUP') throw new CommandFailure(`cannot delete consumer group '${applicationId}': ${code}`, 'internal');
      if (Date.now() >= deadline) {
        const members = await this.#groupMembers(conn.admin, applicationId);
        throw new CommandFailure(
          `consumer group '${applicationId}' still has members after ${formatMs(waitMs)} (${members || 'unknown'}); stop the programs using it, or wait for their session timeout and reset again`,
          'conflict',
        );
      }
      this.#progress(task, `waiting for the members of '${applicationId}' to leave or time out`, 0.4, false);
      await new Promise((r) => setTimeout(r, 1000));
    }

    // Internal topics: what the app's topology names, and whatever else follows Kafka Streams'
    // naming under this application id (an app of another shape run under it earlier).
    const known = new Set<string>();
    const app = mine[0]?.info.app ?? (BUILT_IN_APPS.some((a) => a.name === applicationId) ? (applicationId as AppName) : null);
    if (app !== null) {
      const topology = builtInTopology(app, applicationId);
      for (const s of topology.describe().stores) if (s.changelogTopic !== null) known.add(s.changelogTopic);
      for (const t of topology.repartitionTopics()) known.add(t);
    }
    const existing = await conn.admin.listTopics();
    const internal = existing.filter(
      (t) => known.has(t) || (t.startsWith(`${applicationId}-`) && (t.endsWith('-changelog') || t.endsWith('-repartition'))),
    );
    if (internal.length > 0) {
      this.#progress(task, `deleting ${internal.join(', ')}`, 0.7, false);
      await conn.admin.deleteTopics({ topics: internal, timeout: 10_000 });
    }
    for (const h of mine) {
      h.info.tasks = [];
    }
    this.#progress(task, `reset '${applicationId}': committed offsets deleted${internal.length > 0 ? `, ${internal.length} internal topic${internal.length === 1 ? '' : 's'} deleted` : ''}`, 1, true);
    return {};
  }

  /** null when deleted, else the Kafka error type for the group. */
  async #deleteGroup(admin: Admin, groupId: string): Promise<string | null> {
    try {
      await admin.deleteGroups([groupId]);
      return null;
    } catch (error) {
      const groups = findGroupsError(error);
      const entry = groups?.find((g) => g.groupId === groupId);
      const type = entry?.error?.type;
      if (typeof type === 'string') return type;
      throw error;
    }
  }

  async #groupMembers(admin: Admin, groupId: string): Promise<string> {
    try {
      const { groups } = await admin.describeGroups([groupId]);
      return (groups[0]?.members ?? []).map((m) => `${m.clientId} from ${m.clientHost}`).join(', ');
    } catch {
      return '';
    }
  }

  // ---------------------------------------------------------------- load and verifier

  async #startLoad(args: Args<'load.start'>): Promise<Record<string, never>> {
    const conn = this.#requireConnection();
    await this.#stopLoad();
    const { input, output } = builtInApp(args.app).defaultTopics;
    await this.#ensureTopics(conn, [input, output], DEFAULT_PARTITIONS);
    const generator = new LoadGenerator({ kafka: conn.kafka, topic: input, ratePerSecond: args.ratePerSecond, keys: args.keys, kind: LOAD_KIND[args.app] });
    const unsubscribe = generator.onProgress((stats) => this.#publishLoadStats(stats));
    const load: RunningLoad = { app: args.app, generator, unsubscribe };
    this.#load = load;
    try {
      await withTimeout(generator.start(), this.#connectTimeoutMs * 2, 'starting the load generator');
    } catch (error) {
      this.#load = null;
      unsubscribe();
      void generator.stop().catch(() => undefined);
      throw describeKafkaFailure(error, 'starting the load generator', conn.bootstrap);
    }
    this.#publishLoadStats(generator.stats());
    if (args.app === 'bank-ledger' || args.app === 'passthrough') await this.#startVerifier(conn, args.app);
    return {};
  }

  async #stopLoad(): Promise<void> {
    const load = this.#load;
    if (load === null) return;
    this.#load = null;
    try {
      await withTimeout(load.generator.stop(), 10_000, 'stopping the load generator');
    } catch (error) {
      this.#publish({ type: 'error', source: 'load', message: errorText(error) });
    }
    this.#publishLoadStats(load.generator.stats());
    load.unsubscribe();
  }

  #requireLoad(): RunningLoad {
    if (this.#load === null) throw new CommandFailure('no load is running; start one with load.start', 'not_found');
    return this.#load;
  }

  #publishLoadStats(stats: LoadGeneratorStats): void {
    this.#publish({
      type: 'load.stats',
      state: stats.state,
      sent: stats.sent,
      acked: stats.acked,
      failed: stats.failed,
      ratePerSecond: stats.ratePerSecond,
      targetRatePerSecond: stats.targetRatePerSecond,
      lastError: stats.lastError,
    });
  }

  /** One verifier at a time; a running one for the same app is kept (it reads the topics whole). */
  async #startVerifier(conn: Connection, app: 'bank-ledger' | 'passthrough'): Promise<void> {
    if (this.#verifier?.app === app && this.#verifier.verifier.snapshot().state === 'running') return;
    await this.#stopVerifier();
    const { input, output } = builtInApp(app).defaultTopics;
    const verifier = new Verifier({ kafka: conn.kafka, app, inputTopic: input, outputTopic: output, updateIntervalMs: this.#options.verifierIntervalMs ?? 500 });
    const running: RunningVerifier = { app, verifier, unsubscribe: () => {}, reportedFailure: false };
    running.unsubscribe = verifier.onUpdate((s) => this.#publishVerifier(running, s));
    this.#verifier = running;
    try {
      await withTimeout(verifier.start(), this.#connectTimeoutMs * 3, 'starting the verifier');
    } catch (error) {
      this.#publish({ type: 'error', source: 'verifier', message: `the verifier did not start: ${describeKafkaFailure(error, 'starting the verifier', conn.bootstrap).message}` });
      if (this.#verifier === running) this.#verifier = null;
      running.unsubscribe();
      void verifier.stop().catch(() => undefined);
    }
  }

  async #stopVerifier(): Promise<void> {
    const running = this.#verifier;
    if (running === null) return;
    this.#verifier = null;
    running.unsubscribe();
    await withTimeout(running.verifier.stop(), 10_000, 'stopping the verifier').catch(() => undefined);
  }

  #publishVerifier(running: RunningVerifier, s: VerifierSnapshot): void {
    if (this.#verifier !== running) return;
    if (s.state === 'failed' && !running.reportedFailure) {
      running.reportedFailure = true;
      this.#publish({ type: 'error', source: 'verifier', message: `the verifier stopped: ${s.error ?? 'unknown error'}` });
    }
    this.#publish({
      type: 'verifier.snapshot',
      app: s.app,
      inputs: s.inputs,
      outputs: s.outputs,
      missing: s.missing,
      duplicated: s.duplicated,
      outOfOrder: s.outOfOrder,
      pending: s.pending,
      moneyConserved: s.money?.conserved ?? null,
    });
  }

  // ---------------------------------------------------------------- plumbing

  #publish(event: SessionEventInput): void {
    this.#bus.publish(event);
  }

  #progress(task: string, message: string, fraction: number | null, done: boolean): void {
    this.#publish({ type: 'progress', task, message, fraction, done });
  }

  /** Runs lifecycle work one at a time, in call order. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lifecycle.then(work, work);
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  /** Any error as a CommandFailure a Kafka user can read. */
  #failure(error: unknown, command: string, bootstrap = this.#connection?.bootstrap): CommandFailure {
    if (error instanceof CommandFailure) return error;
    if (bootstrap !== undefined && (connectionReason(error) !== null || isAuthFailure(error))) return describeKafkaFailure(error, command, bootstrap);
    const message = plainMessage(error);
    if (/^no instance /.test(message)) return new CommandFailure(message, 'not_found');
    if (/ is (starting|running|frozen|stopping)|is not running/.test(message)) return new CommandFailure(message, 'conflict');
    return new CommandFailure(`${command} failed: ${message}`, 'internal');
  }
}

/** describe() in the contract's shape: each node's successors also as `children`. */
function describeTopology(topology: Topology): CommandResult<'apps.describe'> {
  const d = topology.describe();
  return {
    applicationId: d.applicationId,
    subtopologies: d.subtopologies.map((s) => ({ id: s.id, nodes: s.nodes.map((n) => ({ ...n, children: [...n.successors] })) })),
    stores: d.stores.map((s) => ({ ...s })),
  };
}

/** A failed probe in a Kafka user's words, with the likely TLS / SASL mismatch named. */
function probeFailure(error: unknown, profile: ConnectionProfile, bootstrap: string): CommandFailure {
  if (profile.sasl !== null && /does not support the requested API version|UNSUPPORTED_VERSION|UNSUPPORTED_SASL_MECHANISM/i.test(plainMessage(error))) {
    return new CommandFailure(`authentication to ${bootstrap} failed: the listener does not accept SASL ${profile.sasl.mechanism.toUpperCase()} (is it a SASL listener?)`, 'auth_failed');
  }
  const failure = describeKafkaFailure(error, `connecting to ${bootstrap}`, bootstrap);
  if (profile.ssl && failure.code === 'unreachable' && /reset|closed|timed out/.test(failure.message) && !/TLS/.test(failure.message)) {
    return new CommandFailure(`${failure.message} — is it a TLS listener? The profile asks for TLS`, 'unreachable');
  }
  return failure;
}

function compareTaskIds(a: string, b: string): number {
  const [as = 0, ap = 0] = a.split('_').map(Number);
  const [bs = 0, bp = 0] = b.split('_').map(Number);
  return as - bs || ap - bp || a.localeCompare(b);
}

interface GroupsError {
  groupId: string;
  error?: { type?: unknown };
}

/** kafkajs' KafkaJSDeleteGroupsError carries per-group errors in `groups`. */
function findGroupsError(error: unknown): GroupsError[] | null {
  let e: unknown = error;
  const seen = new Set<unknown>();
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const groups = (e as { groups?: unknown }).groups;
    if (Array.isArray(groups)) return groups as GroupsError[];
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return null;
}
