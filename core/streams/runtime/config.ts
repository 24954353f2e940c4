// What a streams app is configured with. Validated with zod because a config often arrives as
// data (from the console, across a worker boundary), and a bad value must fail with its name.
import { z } from 'zod';
import type { KafkaConfig } from 'kafkajs';

export const PROCESSING_GUARANTEES = ['at_most_once', 'at_least_once', 'exactly_once'] as const;
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
  sessionTimeoutMs: z.number().int().positive().default(10_000),
  heartbeatIntervalMs: z.number().int().positive().default(1_000),
  /** How long one fetch may wait for data: bounds how soon a resumed partition is fetched. */
  fetchMaxWaitMs: z.number().int().positive().default(250),
  /** Replication factor of the internal topics the app creates (changelogs, repartition). */
  replicationFactor: z.number().int().positive().default(1),
  transactionTimeoutMs: z.number().int().positive().default(60_000),
});

export type StreamsConfigInput = z.input<typeof StreamsConfigSchema> & {
  /** Extra kafkajs client settings (ssl, sasl, connection timeouts); brokers come from bootstrapServers. */
  kafka?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator'>;
  /** Per-record delay in ms, read before each record: how the supervisor's `slow` reaches the runtime. */
  recordDelayMs?: () => number;
};

export type StreamsConfig = z.output<typeof StreamsConfigSchema> & {
  clientId: string;
  commitIntervalMs: number;
  kafka: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator'>;
  recordDelayMs: () => number;
};

export class StreamsConfigError extends Error {
  override readonly name = 'StreamsConfigError';
}

export function resolveConfig(input: StreamsConfigInput): StreamsConfig {
  const { kafka, recordDelayMs, ...rest } = input;
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
    commitIntervalMs: c.commitIntervalMs ?? (c.processingGuarantee === 'exactly_once' ? 100 : 30_000),
    kafka: kafka ?? {},
    recordDelayMs: recordDelayMs ?? (() => 0),
  };
}
