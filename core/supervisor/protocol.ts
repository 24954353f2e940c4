/**
 * Messages crossing the worker-thread boundary. Both sides validate what they receive
 * with these schemas; an invalid message is reported as an error, never trusted.
 */
import { z } from 'zod';

// ---- parent → worker ----
export const StartMsg = z.object({ type: z.literal('start'), app: z.string().min(1), config: z.unknown(), stateDir: z.string().min(1) });
/** leaveGroup: the stream app leaves its consumer group on close (Kafka Streams' CloseOptions); default it remains. */
export const StopMsg = z.object({ type: z.literal('stop'), reason: z.string(), leaveGroup: z.boolean().optional() });
export const SlowMsg = z.object({ type: z.literal('slow'), msPerRecord: z.number().finite().nonnegative() });
export const FreezeMsg = z.object({ type: z.literal('freeze'), seconds: z.number().finite().positive() });


// ---- interactive queries (request → one reply with the same requestId) ----
/** Bytes cross the boundary as Uint8Array (a Buffer arrives as one after structured cloning). */
const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (Uint8Array)');
const QueryTarget = {
  store: z.string().min(1),
  /** The task's partition; with the store it names the task. */
  partition: z.number().int().nonnegative(),
  /** Kafka Streams' enableStaleStores(): standbys and restoring tasks may answer too. */
  staleStores: z.boolean(),
};
/** A read of one task's store, as KafkaStreams.store(StoreQueryParameters) then get / range. */
export const StoreQuery = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('get'), ...QueryTarget, key: Bytes }),
  z.object({ kind: z.literal('range'), ...QueryTarget, from: Bytes.nullable(), to: Bytes.nullable(), limit: z.number().int().positive().max(10_000) }),
]);
export type StoreQuery = z.infer<typeof StoreQuery>;

/** Which copy answered, and how far behind its changelog it is (null: not known yet). */
const Answered = {
  taskId: z.string(),
  role: z.enum(['active', 'standby', 'warmup']),
  phase: z.string(),
  changelogLag: z.number().int().nonnegative().nullable(),
};
export const StoreQueryAnswer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('get'), ...Answered, value: Bytes.nullable() }),
  z.object({ kind: z.literal('range'), ...Answered, entries: z.array(z.object({ key: Bytes, value: Bytes })), count: z.number().int().nonnegative() }),
]);
export type StoreQueryAnswer = z.infer<typeof StoreQueryAnswer>;

/**
 * Why an instance could not answer: the app serves no queries, or (the runtime's reasons) the
 * store is unknown, the instance has not started / has stopped / is rebalancing (active-only
 * reads), or it holds no copy of the task.
 */
export const QUERY_FAILURES = ['no-queries', 'unknown-store', 'not-started', 'stopped', 'rebalancing', 'not-hosted', 'failed'] as const;
export type QueryFailure = (typeof QUERY_FAILURES)[number];

export const QueryMsg = z.object({ type: z.literal('query'), requestId: z.number().int().nonnegative(), query: StoreQuery });

export const ParentToWorker = z.discriminatedUnion('type', [StartMsg, StopMsg, SlowMsg, FreezeMsg, QueryMsg]);
export type ParentToWorker = z.infer<typeof ParentToWorker>;

// ---- worker → parent ----
export const ReadyMsg = z.object({ type: z.literal('ready') });
export const TelemetryMsg = z.object({ type: z.literal('telemetry'), event: z.unknown() });
export const StoppedMsg = z.object({ type: z.literal('stopped') });
export const ErrorMsg = z.object({
  type: z.literal('error'),
  message: z.string(),
  stack: z.string().optional(),
  /** true when the app failed (run threw / uncaught); the worker exits non-zero afterwards */
  fatal: z.boolean().optional(),
});
/** Sampled in the worker: process.memoryUsage() is per-process, so heap comes from v8.getHeapStatistics() (per isolate). */
export const MetricsMsg = z.object({
  type: z.literal('metrics'),
  heapUsed: z.number(),
  heapTotal: z.number(),
  externalMemory: z.number(),
});

export const QueryResultMsg = z.object({ type: z.literal('query.result'), requestId: z.number().int().nonnegative(), answer: StoreQueryAnswer });
export const QueryFailedMsg = z.object({ type: z.literal('query.failed'), requestId: z.number().int().nonnegative(), reason: z.enum(QUERY_FAILURES), message: z.string() });

export const WorkerToParent = z.discriminatedUnion('type', [ReadyMsg, TelemetryMsg, StoppedMsg, ErrorMsg, MetricsMsg, QueryResultMsg, QueryFailedMsg]);
export type WorkerToParent = z.infer<typeof WorkerToParent>;

export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
