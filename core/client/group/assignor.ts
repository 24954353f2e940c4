// What the group leader runs between JoinGroup and SyncGroup (Kafka's ConsumerPartitionAssignor):
// every member's subscription in, every member's partitions and user data out. The protocol
// name in JoinGroup is the assignor's (Kafka Streams registers "stream"). Kafka Streams'
// StreamsPartitionAssignor carries task offset sums in the subscription's user data and task
// info in the assignment's; `subscriptionUserData` and `onAssignment` are where that goes.
import type { ConsumerAssignment, ConsumerSubscription, TopicPartition } from '../../protocol/consumer-protocol.js';

export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  subscription: ConsumerSubscription;
}

export interface AssignmentMetadata {
  /** Partition count of every subscribed topic that exists. */
  partitionCounts: ReadonlyMap<string, number>;
}

export interface MemberAssignment {
  partitions: TopicPartition[];
  userData?: Buffer | null;
}

export interface GroupAssignor {
  /** The protocol name this member offers in JoinGroup. */
  readonly name: string;
  /** User data for this member's subscription, asked for at every join. */
  subscriptionUserData?(topics: readonly string[]): Buffer | null;
  /** On the leader: the assignment of every member (a member left out gets nothing). */
  assign(members: readonly AssignorMember[], metadata: AssignmentMetadata): Map<string, MemberAssignment> | Promise<Map<string, MemberAssignment>>;
  /** This member's assignment of `generationId` arrived, before the rebalance callbacks run. */
  onAssignment?(assignment: ConsumerAssignment, generationId: number): void;
}
