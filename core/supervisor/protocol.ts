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

export const ParentToWorker = z.discriminatedUnion('type', [StartMsg, StopMsg, SlowMsg, FreezeMsg]);
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

export const WorkerToParent = z.discriminatedUnion('type', [ReadyMsg, TelemetryMsg, StoppedMsg, ErrorMsg, MetricsMsg]);
export type WorkerToParent = z.infer<typeof WorkerToParent>;

export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
