// What a streams app is configured with. Validated with zod because a config often arrives as
// data (from the console, across a worker boundary), and a bad value must fail with its name.
import { z } from 'zod';
import type { KafkaConfig } from 'kafkajs';
import { CRASH_POINTS } from './crash-points.js';

/**
 * Kafka Streams 4.x's processing.guarantee values, at_least_once (the default) and
 * exactly_once_v2, plus at_most_once: Streamwatch's demonstration of loss (offsets committed
 * before processing), not a Kafka Streams guarantee.
 */
export const PROCESSING_GUARANTEES = ['at_most_once', 'at_least_once', 'exactly_once_v2'] as const;
export type ProcessingGuarantee = (typeof PROCESSING_GUARANTEES)[number];

export const StreamsConfigSchema = z.object({
  /** Group id, transactional-id prefix and internal-topic prefix, as in Kafka Streams. */
  applicationId: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'legal characters are letters, digits, . _ -'),
  bootstrapServers: z.array(z.string().min(1)).min(1),
  /** Names this instance in telemetry and client ids; defaults to the application id. */
  clientId: z.string().min(1).optional(),
  processingGuarantee: z.enum(PROCESSING_GUARANTEES).default('at_least_once'),
  /** Kafka Streams' defaults: 100 ms under exactly-once, 30 s otherwise. */
  commitIntervalMs: z.number().int().positive().optional(),
  /**
   * How the group rebalances: Kafka Streams 4.x is cooperative (KIP-429: tasks that stay keep
   * processing); eager (every member gives up everything first) is selectable, to compare.
   */
  rebalanceProtocol: z.enum(['cooperative', 'eager']).default('cooperative'),
  /** KIP-345 static membership: a restart within the session timeout keeps the member and its tasks. */
  groupInstanceId: z.string().min(1).nullable().default(null),
  /** Kafka's consumer defaults, as Kafka Streams leaves them: session.timeout.ms 45 s, heartbeat.interval.ms 3 s. */
  sessionTimeoutMs: z.number().int().positive().default(45_000),
  heartbeatIntervalMs: z.number().int().positive().default(3_000),
  /** max.poll.interval.ms (5 min): the rebalance timeout sent in JoinGroup. */
  maxPollIntervalMs: z.number().int().positive().default(300_000),
  /** metadata.max.age.ms (5 min): how often the group leader refreshes the source topics' metadata, rejoining when partitions were added. */
  metadataMaxAgeMs: z.number().int().positive().default(300_000),
  /** fetch.max.wait.ms: how long one fetch may wait for data (bounds how soon a resumed partition is read). */
  fetchMaxWaitMs: z.number().int().positive().default(500),
  /** num.standby.replicas: copies of each stateful task's stores kept current on other instances. */
  numStandbyReplicas: z.number().int().min(0).default(0),
  /** acceptable.recovery.lag: a client this close to a task's changelog end counts as caught up. */
  acceptableRecoveryLag: z.number().int().min(0).default(10_000),
  /** max.warmup.replicas: warm-up copies placed at once where an active task should move. */
  maxWarmupReplicas: z.number().int().positive().default(2),
  /** probing.rebalance.interval.ms (10 min): how often warm-ups are checked for being caught up. */
  probingRebalanceIntervalMs: z.number().int().min(60_000, 'Kafka Streams requires at least 60000').default(600_000),
  /** Replication factor of the internal topics the app creates (changelogs, repartition). */
  replicationFactor: z.number().int().positive().default(1),
  /** transaction.timeout.ms: Kafka Streams sets 10 s under exactly_once_v2 (a dead thread's transaction blocks its partitions' LSO that long). */
  transactionTimeoutMs: z.number().int().positive().default(10_000),
  /** The producer's compression.type (Kafka's default: none; a topic's own setting is the broker's business). */
  compressionType: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
  /** Tests only: the thread dies at this point of its first commit that reaches it (see crash-points.ts). */
  crashAt: z.enum(CRASH_POINTS).nullable().default(null),
  /** state.dir: where persistent stores and checkpoints live; null keeps every store in memory. */
  stateDir: z.string().min(1).nullable().default(null),
});

export type StreamsConfigInput = z.input<typeof StreamsConfigSchema> & {
  /** Extra kafkajs client settings (ssl, sasl, connection timeouts); brokers come from bootstrapServers. */
  kafka?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator'>;
  /** Per-record delay in ms, read before each record: how the supervisor's `slow` reaches the runtime. */
  recordDelayMs?: () => number;
  /**
   * Timings shorter than Kafka allows, for demonstrations only (the console's "demo timings"):
   * probing rebalances more often than once a minute. Named so they are never silent.
   */
  demoTimings?: { probingRebalanceIntervalMs?: number };
};

export type StreamsConfig = z.output<typeof StreamsConfigSchema> & {
  clientId: string;
  /** Set when demoTimings changed a Kafka minimum, so telemetry can say so. */
  demoTimings: { probingRebalanceIntervalMs?: number } | null;
  commitIntervalMs: number;
  kafka: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator'>;
  recordDelayMs: () => number;
};

export class StreamsConfigError extends Error {
  override readonly name = 'StreamsConfigError';
}

export function resolveConfig(input: StreamsConfigInput): StreamsConfig {
  const { kafka, recordDelayMs, demoTimings, ...rest } = input;
  const parsed = StreamsConfigSchema.safeParse(rest);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new StreamsConfigError(`invalid streams config: ${issues}`);
  }
  const c = parsed.data;
  if (c.heartbeatIntervalMs >= c.sessionTimeoutMs) {
    throw new StreamsConfigError(`heartbeatIntervalMs (${c.heartbeatIntervalMs}) must be below sessionTimeoutMs (${c.sessionTimeoutMs})`);
  }
  return {
    ...c,
    clientId: c.clientId ?? c.applicationId,
    commitIntervalMs: c.commitIntervalMs ?? (c.processingGuarantee === 'exactly_once_v2' ? 100 : 30_000),
    ...(demoTimings?.probingRebalanceIntervalMs !== undefined ? { probingRebalanceIntervalMs: demoTimings.probingRebalanceIntervalMs } : {}),
    demoTimings: demoTimings ?? null,
    kafka: kafka ?? {},
    recordDelayMs: recordDelayMs ?? (() => 0),
  };
}
