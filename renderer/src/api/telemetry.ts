// What an `instance.telemetry` event carries: a StreamsEvent from the instance's runtime. The
// renderer may not import core/streams, so this mirrors core/streams/runtime/telemetry.ts — loosely
// (phases and states as strings, extra fields kept) so a new phase does not blank a view.
import { z } from 'zod';
import type { SessionEvent } from './contract';
import { describeZodError } from './errors';

const base = { at: z.number() };
const TopicPartitionOffset = z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() });

export const Telemetry = z.discriminatedUnion('type', [
  z.looseObject({ ...base, type: z.literal('state'), from: z.string(), to: z.string(), reason: z.string() }),
  z.looseObject({
    ...base,
    type: z.literal('rebalance'),
    generation: z.number().int().nullable(),
    memberId: z.string(),
    leaderId: z.string(),
    isLeader: z.boolean(),
    assigned: z.array(z.string()),
    revoked: z.array(z.string()),
    kept: z.array(z.string()),
    durationMs: z.number(),
  }),
  z.looseObject({
    ...base,
    type: z.literal('task'),
    taskId: z.string(),
    phase: z.string(),
    reason: z.string().optional(),
    restored: z.number().int().optional(),
    toRestore: z.number().int().optional(),
    durationMs: z.number().optional(),
  }),
  z.looseObject({
    ...base,
    type: z.literal('txn'),
    tasks: z.array(z.string()),
    transactionalId: z.string(),
    phase: z.string(),
    producerId: z.number().int().nullable(),
    producerEpoch: z.number().int().nullable(),
    durationMs: z.number().optional(),
    records: z.number().int().optional(),
    error: z.string().optional(),
  }),
  z.looseObject({ ...base, type: z.literal('commit'), guarantee: z.string(), offsets: z.array(TopicPartitionOffset), durationMs: z.number() }),
  z.looseObject({ ...base, type: z.literal('error'), message: z.string(), taskId: z.string().optional(), fatal: z.boolean() }),
  z.looseObject({ ...base, type: z.literal('log'), level: z.string(), message: z.string() }),
  z.looseObject({
    ...base,
    type: z.literal('metrics'),
    recordsInPerSec: z.number(),
    recordsOutPerSec: z.number(),
    processLatencyMs: z.number().nullable(),
    commitLatencyMs: z.number().nullable(),
    commitLatencyMaxMs: z.number().nullable(),
    tasks: z.array(
      z.looseObject({ taskId: z.string(), phase: z.string(), processed: z.number().int(), positions: z.array(TopicPartitionOffset) }),
    ),
  }),
]);
export type Telemetry = z.infer<typeof Telemetry>;
export type TelemetryOf<T extends Telemetry['type']> = Extract<Telemetry, { type: T }>;

const KNOWN = new Set<string>(['state', 'rebalance', 'task', 'txn', 'commit', 'error', 'log', 'metrics']);

export type TelemetryParse =
  | { kind: 'ok'; telemetry: Telemetry }
  /** A type this console does not know yet: shown in the log, not an error. */
  | { kind: 'unknown'; type: string }
  | { kind: 'invalid'; error: string };

type TelemetryEvent = Extract<SessionEvent, { type: 'instance.telemetry' }>;
const cache = new WeakMap<object, TelemetryParse>();

/** Parsed once per event object, whichever store asks first. */
export function parseTelemetry(event: TelemetryEvent): TelemetryParse {
  const hit = cache.get(event);
  if (hit) return hit;
  let result: TelemetryParse;
  const type = event.event['type'];
  if (typeof type === 'string' && !KNOWN.has(type)) {
    result = { kind: 'unknown', type };
  } else {
    const parsed = Telemetry.safeParse(event.event);
    result = parsed.success
      ? { kind: 'ok', telemetry: parsed.data }
      : { kind: 'invalid', error: `telemetry ${String(type)}: ${describeZodError(parsed.error)}` };
  }
  cache.set(event, result);
  return result;
}

/** The telemetry inside a session event, if it is one and it is valid. */
export function telemetryOf(event: SessionEvent): Telemetry | null {
  if (event.type !== 'instance.telemetry') return null;
  const parsed = parseTelemetry(event);
  return parsed.kind === 'ok' ? parsed.telemetry : null;
}
