// The typed feed a running app publishes: one discriminated union, validated with zod wherever it
// crosses a thread or process boundary (the supervisor relays it, the console consumes it).
import { z } from 'zod';

export const STREAMS_STATES = ['CREATED', 'REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING', 'ERROR'] as const;
export type StreamsState = (typeof STREAMS_STATES)[number];
const State = z.enum(STREAMS_STATES);

export const TXN_PHASES = ['init', 'begin', 'offsets-added', 'committing', 'committed', 'aborting', 'aborted', 'fenced', 'epoch-bumped'] as const;
export type TxnPhase = (typeof TXN_PHASES)[number];

/**
 * Kafka Streams' task states (created, restoring, running, suspended, closed), plus two moments
 * the console shows: 'restored' (restore done, about to run) and 'migrated' (closed dirty because
 * the task may already run elsewhere: lost generation, fenced producer).
 */
/**
 * Why a task was closed as migrated (Kafka Streams' TaskMigratedException): the group moved on
 * without this member (a commit with an old generation refused, or the heartbeat told so), the
 * producer's epoch was bumped by another producer with its transactional id, or its transaction
 * outlived transaction.timeout.ms and the coordinator aborted it.
 */
export const MIGRATION_CAUSES = ['generation', 'epoch', 'timeout', 'lost'] as const;
export type MigrationCause = (typeof MIGRATION_CAUSES)[number];

export const PROCESSING_GUARANTEE_NAMES = ['at_most_once', 'at_least_once', 'exactly_once_v2'] as const;

export const TASK_PHASES = ['created', 'restoring', 'restored', 'running', 'suspended', 'closed', 'migrated'] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

/** An active task processes; a standby keeps a copy of its state; a warm-up is a standby placed to take over. */
export const TASK_ROLES = ['active', 'standby', 'warmup'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

/**
 * Where a restored task's state came from: the changelog from its start (full), its own
 * checkpoint on disk plus the changelog after it (checkpoint delta), or a standby's copy plus the delta.
 */
export const RESTORE_SOURCES = ['changelog', 'checkpoint', 'standby'] as const;
export type RestoreSource = (typeof RESTORE_SOURCES)[number];

export const REBALANCE_PROTOCOLS = ['eager', 'cooperative'] as const;

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
    /** JoinGroup + SyncGroup. */
    durationMs: z.number(),
    protocol: z.enum(REBALANCE_PROTOCOLS).optional(),
    /** Why this member joined: 'joining the group', 'probing rebalance', 'revoked partitions: follow-up rebalance', … */
    reason: z.string().optional(),
    /** Tasks taken away without a clean hand-over (the generation was lost). */
    lost: z.array(z.string()).optional(),
    /** revoke: this member gave tasks up and a follow-up round hands them over; probing: warm-ups checked; assign: the rest. */
    round: z.enum(['revoke', 'assign', 'probing']).optional(),
    /** Standby and warm-up tasks of this member in the new generation. */
    standby: z.array(z.string()).optional(),
    warmup: z.array(z.string()).optional(),
    /** A cooperative follow-up rebalance comes next (this member gave partitions up). */
    followUp: z.boolean().optional(),
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
    role: z.enum(TASK_ROLES).optional(),
    restoreSource: z.enum(RESTORE_SOURCES).optional(),
    /** Standby / warm-up: records between its stores and the changelog's end. */
    changelogLag: z.number().int().nullable().optional(),
    /** On suspended / closed / migrated: when the task last processed a record here (null: never). */
    lastProcessedAt: z.number().nullable().optional(),
    /** On created (exactly_once_v2): partitions whose committed offset waits for another transaction to end (UNSTABLE_OFFSET_COMMIT). */
    unstableOffsets: z.array(z.object({ topic: z.string(), partition: z.number().int() })).optional(),
    /** On migrated: why (the reason says it in words). */
    migration: z.enum(MIGRATION_CAUSES).optional(),
    /** Stateful tasks on restored / closed: the changelog offsets of the task's checkpoint, if it has one. */
    checkpoint: z.array(TopicPartitionOffset).optional(),
  }),
  /**
   * How long a task could not process across a rebalance. kept (it stayed with this member): from
   * the start of the rebalance's callbacks — for eager, its suspension before rejoining — until it
   * is processable again (cooperative: when the callbacks let go of the thread, near zero);
   * assigned (new here): from its creation until its first record. For a task that moved, the
   * console joins this with the old owner's lastProcessedAt.
   */
  z.object({
    ...base,
    type: z.literal('pause'),
    taskId: z.string(),
    /** kept: stayed with this member through a rebalance; assigned: new to this member. */
    kind: z.enum(['kept', 'assigned']),
    /** kept: when it was processable again; assigned: its first record here. */
    firstProcessedAt: z.number(),
    /** kept: not processable for this long; assigned: from its creation here to its first record. */
    pauseMs: z.number(),
  }),
  z.object({
    ...base,
    type: z.literal('txn'),
    /** exactly_once_v2: the stream thread's transactional id, <application id>-<process id>-<thread index>. */
    transactionalId: z.string(),
    phase: z.enum(TXN_PHASES),
    producerId: z.number().int().nullable(),
    producerEpoch: z.number().int().nullable(),
    /** The tasks whose records or offsets the transaction holds. */
    tasks: z.array(z.string()),
    /** Output partitions in the transaction (committing, committed, aborting, aborted). */
    partitions: z.array(z.object({ topic: z.string(), partition: z.number().int() })).optional(),
    /** committed: the consumed offsets committed with it. */
    offsets: z.array(TopicPartitionOffset).optional(),
    /** time since the transaction began, for the phases that end or advance it */
    durationMs: z.number().optional(),
    records: z.number().int().optional(),
    error: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('commit'),
    guarantee: z.enum(PROCESSING_GUARANTEE_NAMES),
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
        role: z.enum(TASK_ROLES).optional(),
        changelogLag: z.number().int().nullable().optional(),
      }),
    ),
  }),
]);
export type StreamsEvent = z.infer<typeof StreamsEvent>;

/** An event as it is built: `at` is stamped when it is published. */
export type StreamsEventInput = StreamsEvent extends infer E ? (E extends unknown ? Omit<E, 'at'> : never) : never;
