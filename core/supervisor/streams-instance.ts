// Runs a KafkaStreams app as a supervised instance: the worker's config becomes the streams
// config (validated here, since it crossed a thread boundary), telemetry is relayed, `slow`
// reaches the runtime as a per-record delay, and a graceful stop is KafkaStreams.close() —
// commit or abort open transactions, then leave the group.
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { InvalidStateStoreError, KafkaStreams, PROCESSING_GUARANTEES, takeRange } from '../streams/index.js';
import type { QueriedStore } from '../streams/index.js';
import { CRASH_POINTS } from '../streams/runtime/crash-points.js';
import type { Topology } from '../streams/index.js';
import type { InstanceContext, QueryReply } from './app.js';
import type { StoreQuery } from './protocol.js';

export const StreamsInstanceConfig = z.object({
  applicationId: z.string().min(1),
  bootstrapServers: z.array(z.string().min(1)).min(1),
  processingGuarantee: z.enum(PROCESSING_GUARANTEES).default('exactly_once_v2'),
  commitIntervalMs: z.number().int().positive().optional(),
  sessionTimeoutMs: z.number().int().positive().optional(),
  heartbeatIntervalMs: z.number().int().positive().optional(),
  rebalanceProtocol: z.enum(['cooperative', 'eager']).optional(),
  /** Static membership (KIP-345): the console gives each instance its own name, so Restart keeps its tasks. */
  groupInstanceId: z.string().min(1).nullable().optional(),
  numStandbyReplicas: z.number().int().min(0).optional(),
  acceptableRecoveryLag: z.number().int().min(0).optional(),
  maxWarmupReplicas: z.number().int().positive().optional(),
  probingRebalanceIntervalMs: z.number().int().positive().optional(),
  clientId: z.string().min(1).optional(),
  /** transaction.timeout.ms under exactly_once_v2 (Kafka Streams: 10 s). */
  transactionTimeoutMs: z.number().int().positive().optional(),
  /** state.dir; absent: the directory the supervisor keeps for this instance; null: every store in memory. */
  stateDir: z.string().min(1).nullable().optional(),
  compressionType: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).optional(),
  /** Tests only: the instance dies at this point of its commit path, as a crash would. */
  crashAt: z.enum(CRASH_POINTS).nullable().optional(),
  /** TLS and SASL for the instance's clients, as the console's connection profile has them. */
  ssl: z.boolean().default(false),
  sasl: z
    .object({ mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), username: z.string().min(1), password: z.string() })
    .nullable()
    .default(null),
  /** Topic names and app-specific settings the app's topology builder reads. */
  app: z.record(z.string(), z.unknown()).default({}),
});
export type StreamsInstanceConfig = z.infer<typeof StreamsInstanceConfig>;

export async function runStreamsInstance(ctx: InstanceContext, build: (config: StreamsInstanceConfig) => Topology): Promise<void> {
  const parsed = StreamsInstanceConfig.safeParse(ctx.config);
  if (!parsed.success) {
    throw new Error(`invalid instance config: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ')}`);
  }
  const { app: _app, ssl, sasl, probingRebalanceIntervalMs, stateDir, ...streamsConfig } = parsed.data;
  const kafka = { ssl, ...(sasl === null ? {} : { sasl: sasl as SASLOptions }) };
  // A probing interval under Kafka's one-minute minimum is a demonstration timing, passed as such.
  const probing =
    probingRebalanceIntervalMs === undefined ? {} : probingRebalanceIntervalMs < 60_000 ? { demoTimings: { probingRebalanceIntervalMs } } : { probingRebalanceIntervalMs };
  const streams = new KafkaStreams(build(parsed.data), {
    ...streamsConfig,
    ...probing,
    stateDir: stateDir === undefined ? ctx.stateDir : stateDir,
    kafka,
    recordDelayMs: () => ctx.delayPerRecord(),
  });
  streams.onEvent((e) => ctx.emit(e));
  ctx.serveQueries((query) => answerQuery(streams, query));
  const stopRequested = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await streams.start();
  const failure = await Promise.race([stopRequested.then(() => null), streams.failed()]);
  // Queries go on being answered while closing: the streams state (PENDING_SHUTDOWN) refuses them with its reason.
  await streams.close(ctx.stopOptions());
  if (failure !== null) throw failure;
}

/** One interactive query: the store Kafka Streams' store(StoreQueryParameters) would pick, read at once. */
export function answerQuery(streams: KafkaStreams, query: StoreQuery): QueryReply {
  let queried: QueriedStore;
  try {
    queried = streams.store({ storeName: query.store, partition: query.partition, staleStores: query.staleStores });
  } catch (err) {
    if (err instanceof InvalidStateStoreError) return { reason: err.reason, message: err.message };
    throw err;
  }
  const answered = { taskId: queried.taskId, role: queried.role, phase: queried.phase, changelogLag: queried.changelogLag };
  if (query.kind === 'get') return { answer: { kind: 'get', ...answered, value: queried.store.get(Buffer.from(query.key)) } };
  const bound = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b));
  const entries = takeRange(queried.store, bound(query.from), bound(query.to), query.limit).map(([key, value]) => ({ key, value }));
  return { answer: { kind: 'range', ...answered, entries, count: queried.store.approximateNumEntries() } };
}
