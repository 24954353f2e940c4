// The console's API contract: every command (name → argument and result schema) and every event
// the session publishes, as data. The Electron preload, the IPC handlers, the WebSocket bridge
// and the renderer's client are all typed from this file, and each side validates what it
// receives with these schemas. Pure zod: imported by core/ and by the renderer alike, so it
// composes only modules that import nothing but zod (core/monitor/types.ts, ./telemetry.ts and
// core/streams/runtime/telemetry.ts).
import { z } from 'zod';
import { BrokerInfo, ClusterStatusEvent, GroupRebalanceEvent, GroupSnapshotEvent, TxnSnapshotEvent } from '../monitor/types.js';

// ---------------------------------------------------------------- shared shapes

export const SaslConfig = z.discriminatedUnion('mechanism', [
  z.object({ mechanism: z.literal('plain'), username: z.string().min(1), password: z.string() }),
  z.object({ mechanism: z.literal('scram-sha-256'), username: z.string().min(1), password: z.string() }),
  z.object({ mechanism: z.literal('scram-sha-512'), username: z.string().min(1), password: z.string() }),
]);
export type SaslConfig = z.infer<typeof SaslConfig>;

/** host:port, as Kafka clients take it. */
export const BootstrapAddress = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');

export const ConnectionProfile = z.object({
  name: z.string().min(1).max(100),
  bootstrapServers: z.array(BootstrapAddress).min(1),
  ssl: z.boolean().default(false),
  sasl: SaslConfig.nullable().default(null),
});
export type ConnectionProfile = z.infer<typeof ConnectionProfile>;

export const APP_NAMES = ['bank-ledger', 'word-count', 'passthrough'] as const;
export const AppName = z.enum(APP_NAMES);
export type AppName = z.infer<typeof AppName>;

/** Kafka Streams' at_least_once and exactly_once_v2; at_most_once is a Streamwatch demonstration of loss, not a Kafka Streams guarantee. */
export const Guarantee = z.enum(['at_most_once', 'at_least_once', 'exactly_once_v2']);
export type Guarantee = z.infer<typeof Guarantee>;

/**
 * The timings instances.start offers, by name. 'kafka': Kafka 4.x's own defaults (ConsumerConfig
 * session.timeout.ms 45000 and heartbeat.interval.ms 3000, StreamsConfig
 * probing.rebalance.interval.ms 600000), which the runtime uses when given nothing. 'demo': the
 * console's short timings, so that a kill heals in seconds — an explicit, labelled choice.
 */
export const TIMINGS = {
  kafka: { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 3_000, probingRebalanceIntervalMs: 600_000, acceptableRecoveryLag: 10_000 },
  // acceptable.recovery.lag scaled to the demo's stores (hundreds of records a task, where
  // Kafka's 10 000 would count every instance as caught up on every task): the assignor then
  // prefers a standby or a warm-up copy over a cold instance, as it does on production-sized state.
  demo: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, probingRebalanceIntervalMs: 30_000, acceptableRecoveryLag: 100 },
} as const;
export type TimingsName = keyof typeof TIMINGS;

/** The timings an instance runs with: the named set, its session timeout overridden, the heartbeat at most a third of it (Kafka's advice). */
export function effectiveTimings(
  name: TimingsName,
  sessionTimeoutMs?: number,
): { sessionTimeoutMs: number; heartbeatIntervalMs: number; probingRebalanceIntervalMs: number; acceptableRecoveryLag: number } {
  const base = TIMINGS[name];
  if (sessionTimeoutMs === undefined) return { ...base };
  return { ...base, sessionTimeoutMs, heartbeatIntervalMs: Math.max(100, Math.min(base.heartbeatIntervalMs, Math.floor(sessionTimeoutMs / 3))) };
}

export const InstanceState = z.enum(['starting', 'running', 'frozen', 'stopping', 'stopped', 'killed', 'crashed']);
export type InstanceState = z.infer<typeof InstanceState>;

// What the monitor reports is the monitor's (core/monitor/types.ts); the contract composes it.
export { BrokerInfo, GroupMember, GroupSnapshot, LagStatus, PartitionLag, TopicPartitionList, TransactionSnapshot } from '../monitor/types.js';

export const TopologyNode = z.object({
  name: z.string(),
  kind: z.string(),
  topics: z.array(z.string()).optional(),
  store: z.string().optional(),
  repartition: z.boolean().optional(),
  children: z.array(z.string()).optional(),
});
export const TopologyDescription = z.object({
  applicationId: z.string().nullable(),
  subtopologies: z.array(z.object({ id: z.number().int(), nodes: z.array(z.looseObject(TopologyNode.shape)) })),
  stores: z.array(z.looseObject({ name: z.string(), changelogTopic: z.string().nullable(), subtopology: z.number().int() })),
});

export const InstanceInfo = z.object({
  id: z.string(),
  app: AppName,
  applicationId: z.string(),
  guarantee: Guarantee,
  state: InstanceState,
  startedAt: z.number(),
  exitCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  /** Streams state from the instance's telemetry (CREATED … RUNNING … NOT_RUNNING, ERROR). */
  streamsState: z.string().nullable(),
  tasks: z.array(z.string()),
});
export type InstanceInfo = z.infer<typeof InstanceInfo>;

export const EmbeddedState = z.enum(['stopped', 'starting', 'running', 'stopping', 'error']);

/** Where an interactive query's answer came from: which copy of which task, and whether it may trail the changelog. */
export const StoreReadSource = z.object({
  task: z.string(),
  partition: z.number().int().nonnegative(),
  instanceId: z.string(),
  role: z.enum(['active', 'standby']),
  /** Not a running active copy: a standby (or a restoring active) may be behind. */
  stale: z.boolean(),
  /** Changelog records the copy is behind (0 for a running active); null while unknown. */
  changelogLag: z.number().int().nonnegative().nullable(),
  store: z.string(),
});
export type StoreReadSource = z.infer<typeof StoreReadSource>;

// ---------------------------------------------------------------- commands

const none = z.object({}).strict();
const instanceRef = z.object({ id: z.string().min(1) });

/** name → { args, result }. Adding a command is adding a row. */
export const COMMANDS = {
  /** Try a profile without switching to it: brokers and controller, or a message saying why not. */
  'cluster.test': {
    args: z.object({ profile: ConnectionProfile }),
    result: z.object({ ok: z.boolean(), message: z.string(), brokers: z.array(BrokerInfo), clusterId: z.string().nullable() }),
  },
  'cluster.connect': { args: z.object({ profile: ConnectionProfile }), result: z.object({ bootstrap: z.string() }) },
  /** Start the embedded broker (if it is not running) and connect to it. */
  'cluster.useEmbedded': { args: none, result: z.object({ bootstrap: z.string() }) },
  'cluster.disconnect': { args: none, result: none },
  'embedded.stop': { args: none, result: none },

  'profiles.list': { args: none, result: z.object({ profiles: z.array(ConnectionProfile) }) },
  'profiles.save': { args: z.object({ profile: ConnectionProfile }), result: none },
  'profiles.delete': { args: z.object({ name: z.string() }), result: none },

  'topics.list': {
    args: none,
    result: z.object({ topics: z.array(z.object({ name: z.string(), partitions: z.number().int(), internal: z.boolean() })) }),
  },
  'topics.create': {
    args: z.object({ topic: z.string().min(1).max(249).regex(/^[a-zA-Z0-9._-]+$/), partitions: z.number().int().min(1).max(1000) }),
    result: none,
  },

  'apps.list': {
    args: none,
    result: z.object({ apps: z.array(z.object({ name: AppName, description: z.string(), input: z.string(), output: z.string() })) }),
  },
  'apps.describe': { args: z.object({ app: AppName, applicationId: z.string().optional() }), result: TopologyDescription },
  /**
   * Interactive query: the key's task (the key serialized with the store's key serde, placed with
   * Kafka's murmur2 partitioner), read from the instance holding it as active — or, when that
   * cannot answer, from a standby, marked stale with its changelog lag.
   */
  'apps.queryKey': {
    args: z.object({ applicationId: z.string().min(1), store: z.string().min(1), key: z.string() }),
    result: z.object({ found: z.boolean(), value: z.unknown(), key: z.string(), ...StoreReadSource.shape }),
  },
  /** A task's store, keys from..to (inclusive, in byte order) up to limit, and its entry count; instanceId picks the copy. */
  'apps.browseStore': {
    args: z.object({
      applicationId: z.string().min(1),
      instanceId: z.string().min(1).optional(),
      task: z.string().regex(/^\d+_\d+$/, 'expected a task id <subtopology>_<partition>'),
      store: z.string().min(1),
      from: z.string().optional(),
      to: z.string().optional(),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    result: z.object({ entries: z.array(z.object({ key: z.unknown(), value: z.unknown() })), count: z.number().int().nonnegative(), ...StoreReadSource.shape }),
  },
  /** Stop its instances, delete its committed offsets and internal topics (fresh start). */
  'apps.reset': { args: z.object({ applicationId: z.string().min(1) }), result: none },

  'instances.list': { args: none, result: z.object({ instances: z.array(InstanceInfo) }) },
  /** Creates the app's input/output topics when missing (partitions: default 6). */
  'instances.start': {
    args: z.object({
      app: AppName,
      count: z.number().int().min(1).max(16).default(1),
      guarantee: Guarantee.default('exactly_once_v2'),
      applicationId: z.string().min(1).optional(),
      partitions: z.number().int().min(1).max(256).default(6),
      /**
       * TIMINGS by name: 'demo' (the console's default, named as such): session timeout 10 s,
       * heartbeat 1 s, a probing rebalance every 30 s, so a kill heals in seconds, and
       * acceptable.recovery.lag 100 for its small stores; 'kafka': Kafka's own defaults (45 s, 3 s,
       * 10 min, 10 000). sessionTimeoutMs overrides either (effectiveTimings).
       */
      timings: z.enum(['demo', 'kafka']).default('demo'),
      sessionTimeoutMs: z.number().int().min(1000).max(300_000).optional(),
      rebalanceProtocol: z.enum(['cooperative', 'eager']).default('cooperative'),
      numStandbyReplicas: z.number().int().min(0).max(3).default(0),
    }),
    result: z.object({ ids: z.array(z.string()) }),
  },
  /**
   * leaveGroup false (the default, as Kafka Streams' CloseOptions on the classic protocol): the
   * instance remains in the group, its tasks wait for the session timeout or its static identity's
   * return; true: it leaves and the group rebalances at once.
   */
  'instances.stop': { args: instanceRef.extend({ leaveGroup: z.boolean().default(false) }), result: z.object({ state: InstanceState }) },
  'instances.kill': { args: instanceRef, result: none },
  'instances.freeze': { args: instanceRef.extend({ seconds: z.number().positive().max(600) }), result: none },
  'instances.slow': { args: instanceRef.extend({ msPerRecord: z.number().min(0).max(10_000) }), result: none },
  'instances.restart': { args: instanceRef, result: none },

  /**
   * Removes a member from a consumer group on its behalf (a dead or frozen one, before its session
   * times out): a static member by its group.instance.id, as Admin.removeMembersFromConsumerGroup;
   * a dynamic one by its member id. The group rebalances at once.
   */
  'groups.removeMember': {
    args: z
      .object({ groupId: z.string().min(1), memberId: z.string(), groupInstanceId: z.string().min(1).nullable() })
      .refine((a) => a.memberId !== '' || a.groupInstanceId !== null, { message: 'a dynamic member needs its member id', path: ['memberId'] }),
    result: z.object({ groupId: z.string(), memberId: z.string(), groupInstanceId: z.string().nullable() }),
  },

  'load.start': {
    args: z.object({ app: AppName, ratePerSecond: z.number().min(0).max(100_000), keys: z.number().int().min(1).max(100_000).default(100) }),
    result: none,
  },
  'load.pause': { args: none, result: none },
  'load.resume': { args: none, result: none },
  'load.setRate': { args: z.object({ ratePerSecond: z.number().min(0).max(100_000) }), result: none },
  'load.stop': { args: none, result: none },

  /** The bounded history, for a window opened late: events after `afterSeq`. */
  'events.history': { args: z.object({ afterSeq: z.number().int().min(0).default(0) }), result: z.object({ events: z.array(z.unknown()) }) },
  'events.export': { args: z.object({ format: z.enum(['json', 'csv']) }), result: z.object({ filename: z.string(), content: z.string() }) },
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandArgs<C extends CommandName> = z.input<(typeof COMMANDS)[C]['args']>;
export type CommandResult<C extends CommandName> = z.output<(typeof COMMANDS)[C]['result']>;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(COMMANDS, name);
}

/** A failed command, as it crosses a boundary: a message a Kafka user understands. */
export const CommandError = z.object({ message: z.string(), code: z.string().optional() });
export type CommandError = z.infer<typeof CommandError>;

// ---------------------------------------------------------------- events

const ev = { seq: z.number().int(), ts: z.number() };

/** Everything the session publishes: one union, in the order it happened (seq). */
export const SessionEvent = z.discriminatedUnion('type', [
  z.object({ ...ev, ...ClusterStatusEvent.shape }),
  z.object({ ...ev, type: z.literal('embedded.status'), state: EmbeddedState, bootstrap: z.string().nullable(), message: z.string() }),
  z.object({ ...ev, type: z.literal('instance.state'), instance: InstanceInfo, from: InstanceState.nullable(), reason: z.string() }),
  /** A StreamsEvent from the instance (core/streams/runtime/telemetry.ts), validated there; readers parse it with TelemetryView. */
  z.object({ ...ev, type: z.literal('instance.telemetry'), id: z.string(), event: z.record(z.string(), z.unknown()) }),
  z.object({ ...ev, type: z.literal('instance.resources'), id: z.string(), elu: z.number(), heapUsed: z.number().nullable(), heapTotal: z.number().nullable() }),
  z.object({ ...ev, type: z.literal('instance.error'), id: z.string(), message: z.string() }),
  z.object({ ...ev, ...GroupSnapshotEvent.shape }),
  z.object({ ...ev, ...GroupRebalanceEvent.shape }),
  z.object({ ...ev, ...TxnSnapshotEvent.shape }),
  z.object({
    ...ev,
    type: z.literal('verifier.snapshot'),
    app: AppName,
    inputs: z.number().int(),
    outputs: z.number().int(),
    missing: z.number().int(),
    duplicated: z.number().int(),
    outOfOrder: z.number().int(),
    pending: z.number().int(),
    moneyConserved: z.boolean().nullable(),
  }),
  z.object({
    ...ev,
    type: z.literal('load.stats'),
    state: z.string(),
    sent: z.number().int(),
    acked: z.number().int(),
    failed: z.number().int(),
    ratePerSecond: z.number(),
    targetRatePerSecond: z.number(),
    lastError: z.string().nullable(),
  }),
  /** Long work in progress (starting the cluster, restoring state, resetting an app). */
  z.object({ ...ev, type: z.literal('progress'), task: z.string(), message: z.string(), fraction: z.number().min(0).max(1).nullable(), done: z.boolean() }),
  z.object({ ...ev, type: z.literal('error'), source: z.string(), message: z.string() }),
]);
export type SessionEvent = z.infer<typeof SessionEvent>;
export type SessionEventType = SessionEvent['type'];
/** An event before the session stamps seq and ts on it. */
export type SessionEventInput = SessionEvent extends infer E ? (E extends unknown ? Omit<E, 'seq' | 'ts'> : never) : never;

// ---------------------------------------------------------------- instance telemetry

/** What instance.telemetry carries: StreamsEvent (the session validates with it) and TelemetryView (loose, for readers). */
export { StreamsEvent, TelemetryView } from './telemetry.js';

// ---------------------------------------------------------------- transport frames

/** WebSocket frames (the IPC bridge carries the same request/response objects). */
export const ClientFrame = z.object({ id: z.number().int(), command: z.string(), args: z.unknown() });
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ServerFrame = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('result'), id: z.number().int(), result: z.unknown() }),
  z.object({ kind: z.literal('error'), id: z.number().int(), error: CommandError }),
  z.object({ kind: z.literal('event'), event: z.unknown() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** What the preload exposes as window.streamwatch, and what the web client implements. */
export interface StreamwatchApi {
  command<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResult<C>>;
  /** Every session event, validated; returns an unsubscribe function. */
  onEvent(listener: (event: SessionEvent) => void): () => void;
}
