// What the monitor reports, as data: its snapshots and the events it emits (cluster.status,
// group.snapshot, group.rebalance, txn.snapshot, error), before the session stamps seq and ts on them.
// Pure zod: core/session/api.ts composes these into the console's contract.
import { z } from 'zod';

export const BrokerInfo = z.object({ nodeId: z.number().int(), host: z.string(), port: z.number().int() });
export type BrokerInfo = z.infer<typeof BrokerInfo>;

export const TopicPartitionList = z.array(z.object({ topic: z.string(), partitions: z.array(z.number().int()) }));

/** Burrow's partition statuses (lag-evaluator.ts): OK; WARN lag growing; STALL committing the same
 * offset with lag; STOP not committing with lag; REWIND committed offset went back; and ERR: the
 * monitor cannot tell (offsets unreadable). A group's is its worst partition's. */
export const LagStatus = z.enum(['OK', 'WARN', 'STALL', 'STOP', 'REWIND', 'ERR']);
export type LagStatus = z.infer<typeof LagStatus>;

/** Per host (`application.server`, "host:port"): the partitions its instance's tasks read. */
export const StreamsHostPartitions = z.object({ host: z.string(), partitions: TopicPartitionList });

/**
 * A Kafka Streams member as its group protocol ("stream") tells it: the SubscriptionInfo in its
 * join metadata and the AssignmentInfo in its assignment (streams-member.ts). Tasks are
 * `<subtopology>_<partition>`.
 */
export const StreamsMemberInfo = z.object({
  subscriptionVersion: z.number().int(),
  /** The newest user-data version the member knows (-1 in versions 1 and 2). */
  latestSupportedVersion: z.number().int(),
  /** The Kafka Streams instance (process): all its stream threads share it. */
  processId: z.string(),
  /** `application.server`, for interactive queries; null when not set. */
  userEndPoint: z.string().nullable(),
  /** Per task the member holds state for when it joined: the sum of its changelog offsets,
   * -2 for a task it was running as active (Kafka's LATEST_OFFSET), -3 when unknown. */
  taskOffsetSums: z.array(z.object({ task: z.string(), offsetSum: z.number() })),
  /** Non-zero when the member asks the group to shut the application down (v9+). */
  subscriptionErrorCode: z.number().int(),
  /** Null when the member has no AssignmentInfo (no assignment yet, or undecodable); the
   * fields after it are then empty. */
  assignmentVersion: z.number().int().nullable(),
  activeTasks: z.array(z.string()),
  /** Standby tasks, warm-ups included (the wire does not tell them apart). */
  standbyTasks: z.array(z.string()),
  /** Each assigned partition with its active task. */
  partitionTasks: z.array(z.object({ topic: z.string(), partition: z.number().int(), task: z.string() })),
  /** AssignorError code of the assignment: 0 none. */
  errorCode: z.number().int().nullable(),
  /** When the member is to rejoin for a probing rebalance (ms since epoch); null for never. */
  nextRebalanceAt: z.number().nullable(),
  /** The group's whole host map, as every member receives it (empty without `application.server`). */
  partitionsByHost: z.array(StreamsHostPartitions),
  standbyPartitionsByHost: z.array(StreamsHostPartitions),
});
export type StreamsMemberInfo = z.infer<typeof StreamsMemberInfo>;

export const GroupMember = z.object({
  memberId: z.string(),
  clientId: z.string(),
  clientHost: z.string(),
  /** Decoded from the consumer protocol; empty for non-consumer groups or undecodable data. */
  assignment: TopicPartitionList,
  /** The hosted instance this member belongs to, when the session can tell. */
  instanceId: z.string().nullable(),
  /** Its group.instance.id when it is a static member (DescribeGroups v4+); null for a dynamic one or when the description does not say. */
  groupInstanceId: z.string().nullable().optional(),
  /** Its Kafka Streams tasks, for members of groups with protocol "stream"; null otherwise or
   * when the user data does not decode. */
  streams: StreamsMemberInfo.nullable().optional(),
});
export type GroupMember = z.infer<typeof GroupMember>;

export const PartitionLag = z.object({
  topic: z.string(),
  partition: z.number().int(),
  /** null when the group has no committed offset for the partition. */
  committed: z.number().int().nullable(),
  /** High watermark. */
  end: z.number().int(),
  /** Last stable offset (what read_committed may read). */
  lso: z.number().int(),
  /** Records, transaction markers not counted. */
  lag: z.number().int(),
  /** Estimated: how long ago the oldest unconsumed record was appended; null without lag or data. */
  timeLagMs: z.number().nullable(),
  memberId: z.string().nullable(),
});
export type PartitionLag = z.infer<typeof PartitionLag>;

export const GroupSnapshot = z.object({
  groupId: z.string(),
  state: z.string(),
  protocolType: z.string(),
  protocol: z.string(),
  /** Counted by the monitor from observed rebalances (DescribeGroups has no generation id); the
   * real generation when a hosted instance reported it. */
  generation: z.number().int().nullable(),
  members: z.array(GroupMember),
  partitions: z.array(PartitionLag),
  totalLag: z.number().int(),
  totalTimeLagMs: z.number().nullable(),
  status: LagStatus,
});
export type GroupSnapshot = z.infer<typeof GroupSnapshot>;

/**
 * Kinds of what a transaction coordinator does without the producer asking (transaction-watcher.ts):
 * timeout-abort: the transaction outlived its timeout and was aborted (epoch fenced);
 * fence-abort: a new producer with the same transactional id called InitProducerId while the
 * transaction was open, which fenced the old epoch and aborted it;
 * fence: the same without an open transaction: only the epoch moved, the old producer is fenced.
 */
export const COORDINATOR_EVENT_KINDS = ['timeout-abort', 'fence-abort', 'fence'] as const;

export const CoordinatorEvent = z.object({
  kind: z.enum(COORDINATOR_EVENT_KINDS),
  /** The poll that saw it; it happened since the poll before. */
  seenAt: z.number(),
  producerId: z.number().int(),
  epochBefore: z.number().int(),
  epochAfter: z.number().int(),
  /** When the aborted transaction began; null for a fence without one. */
  startedAt: z.number().nullable(),
  partitions: TopicPartitionList,
  /**
   * Under transaction version 2 (KIP-890) the coordinator bumps the epoch on every commit and
   * abort, so a producer's own abort looks the same from the cluster: only the producer's own
   * report (instance telemetry) tells them apart.
   */
  producerAbortPossible: z.boolean(),
});
export type CoordinatorEvent = z.infer<typeof CoordinatorEvent>;

export const TransactionSnapshot = z.object({
  transactionalId: z.string(),
  state: z.string(),
  producerId: z.number().int(),
  producerEpoch: z.number().int(),
  timeoutMs: z.number().int(),
  /** When the open transaction started (ms since epoch), null when none is open. */
  startedAt: z.number().nullable(),
  partitions: TopicPartitionList,
  /** Open longer than its timeout: the coordinator should have aborted it. */
  hanging: z.boolean(),
  /** What the coordinator did to this id on its own, as the monitor saw it between polls: oldest first, the most recent 20. */
  coordinatorEvents: z.array(CoordinatorEvent),
});
export type TransactionSnapshot = z.infer<typeof TransactionSnapshot>;

/** A partition whose last stable offset an open transaction holds back: read_committed readers stop there. */
export const LsoHold = z.object({
  topic: z.string(),
  partition: z.number().int(),
  lastStable: z.number().int(),
  highWatermark: z.number().int(),
  /** The earliest-begun open transaction on the partition. */
  transactionalId: z.string(),
  producerId: z.number().int(),
  producerEpoch: z.number().int(),
  since: z.number(),
  timeoutMs: z.number().int(),
  /** Until the transaction's timeout runs out; ≤ 0: overdue, the coordinator aborts it at its next check. */
  timeLeftMs: z.number(),
});
export type LsoHold = z.infer<typeof LsoHold>;

// ---------------------------------------------------------------- events

export const ClusterStatusEvent = z.object({
  type: z.literal('cluster.status'),
  connected: z.boolean(),
  embedded: z.boolean(),
  bootstrap: z.string().nullable(),
  brokers: z.array(BrokerInfo),
  clusterId: z.string().nullable(),
  /** Why the cluster is unreachable, and when the monitor tries again. */
  error: z.string().nullable(),
  retryInMs: z.number().nullable(),
});
export type ClusterStatusEvent = z.infer<typeof ClusterStatusEvent>;

export const GroupSnapshotEvent = z.object({ type: z.literal('group.snapshot'), group: GroupSnapshot });
export type GroupSnapshotEvent = z.infer<typeof GroupSnapshotEvent>;

export const GroupRebalanceEvent = z.object({
  type: z.literal('group.rebalance'),
  groupId: z.string(),
  generation: z.number().int().nullable(),
  phase: z.enum(['started', 'completed']),
  /** What the monitor saw change: a member joined / left, or unknown. */
  cause: z.string(),
  durationMs: z.number().nullable(),
  membersBefore: z.array(z.string()),
  membersAfter: z.array(z.string()),
  /** Partitions whose owner changed, completed phase only. */
  moved: z.array(z.object({ topic: z.string(), partition: z.number().int(), from: z.string().nullable(), to: z.string().nullable() })),
});
export type GroupRebalanceEvent = z.infer<typeof GroupRebalanceEvent>;

export const TxnSnapshotEvent = z.object({
  type: z.literal('txn.snapshot'),
  transactions: z.array(TransactionSnapshot),
  supported: z.boolean(),
  /** Partitions held back by open transactions, by when they began. */
  lsoHeld: z.array(LsoHold),
});
export type TxnSnapshotEvent = z.infer<typeof TxnSnapshotEvent>;

/** A problem the monitor ran into (source 'monitor'), once per distinct problem until it clears. */
export const MonitorErrorEvent = z.object({ type: z.literal('error'), source: z.string(), message: z.string() });
export type MonitorErrorEvent = z.infer<typeof MonitorErrorEvent>;

/** Everything the monitor emits. */
export const MonitorEvent = z.discriminatedUnion('type', [ClusterStatusEvent, GroupSnapshotEvent, GroupRebalanceEvent, TxnSnapshotEvent, MonitorErrorEvent]);
export type MonitorEvent = z.infer<typeof MonitorEvent>;
