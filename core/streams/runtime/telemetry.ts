// The typed feed a running app publishes: one discriminated union, validated with zod wherever it
// crosses a thread or process boundary (the supervisor relays it, the console consumes it).
import { z } from 'zod';

export const STREAMS_STATES = ['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING', 'ERROR'] as const;
export type StreamsState = (typeof STREAMS_STATES)[number];
const State = z.enum(STREAMS_STATES);

export const TXN_PHASES = ['begin', 'offsets-added', 'committing', 'committed', 'aborting', 'aborted', 'fenced'] as const;
export type TxnPhase = (typeof TXN_PHASES)[number];

export const TASK_PHASES = ['created', 'restoring', 'restored', 'running', 'closed', 'migrated'] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

const base = { at: z.number() };
const TopicPartitionOffset = z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() });

export const StreamsEvent = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('state'), from: State, to: State, reason: z.string() }),
  z.object({
    ...base,
    type: z.literal('rebalance'),
    generation: z.number().int().nullable(),
    memberId: z.string(),
    leaderId: z.string(),
    isLeader: z.boolean(),
    assigned: z.array(z.string()),
    revoked: z.array(z.string()),
    kept: z.array(z.string()),
    /** JoinGroup + SyncGroup as kafkajs measured it. */
    durationMs: z.number(),
  }),
  z.object({
    ...base,
    type: z.literal('task'),
    taskId: z.string(),
    phase: z.enum(TASK_PHASES),
    reason: z.string().optional(),
    /** restore progress: records applied so far / to apply, over all the task's stores */
    restored: z.number().int().optional(),
    toRestore: z.number().int().optional(),
    durationMs: z.number().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('txn'),
    taskId: z.string(),
    transactionalId: z.string(),
    phase: z.enum(TXN_PHASES),
    producerId: z.number().int().nullable(),
    producerEpoch: z.number().int().nullable(),
    /** time since the transaction began, for the phases that end or advance it */
    durationMs: z.number().optional(),
    records: z.number().int().optional(),
    error: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('commit'),
    guarantee: z.enum(['at_most_once', 'at_least_once', 'exactly_once']),
    offsets: z.array(TopicPartitionOffset),
    durationMs: z.number(),
  }),
  z.object({ ...base, type: z.literal('error'), message: z.string(), taskId: z.string().optional(), fatal: z.boolean() }),
  /** kafkajs's own warnings and errors (reconnects, rejoins), which would otherwise go to stdout. */
  z.object({ ...base, type: z.literal('log'), level: z.enum(['error', 'warn']), message: z.string() }),
  z.object({
    ...base,
    type: z.literal('metrics'),
    recordsInPerSec: z.number(),
    recordsOutPerSec: z.number(),
    /** mean time to process one record (topology only), over the last interval */
    processLatencyMs: z.number().nullable(),
    commitLatencyMs: z.number().nullable(),
    commitLatencyMaxMs: z.number().nullable(),
    tasks: z.array(
      z.object({
        taskId: z.string(),
        phase: z.enum(TASK_PHASES),
        processed: z.number().int(),
        positions: z.array(TopicPartitionOffset),
      }),
    ),
  }),
]);
export type StreamsEvent = z.infer<typeof StreamsEvent>;

/** An event as it is built: `at` is stamped when it is published. */
export type StreamsEventInput = StreamsEvent extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never;
