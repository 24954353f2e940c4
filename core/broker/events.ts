// The broker's event feed: facts with timestamps that the console shows (group states, members
// joining and leaving, rebalances). One discriminated union; payload types live beside the names.
import type { GroupState } from './groups/group.js';
import type { TxnState } from './transactions/transaction.js';

export type MemberLeaveReason = 'leave-group' | 'session-timeout' | 'rebalance-timeout' | 'fenced' | 'group-deleted';

export type BrokerEvent =
  | { type: 'group.state'; at: number; groupId: string; from: GroupState; to: GroupState }
  | { type: 'group.member.joined'; at: number; groupId: string; memberId: string; clientId: string; clientHost: string; groupInstanceId: string | null }
  | { type: 'group.member.left'; at: number; groupId: string; memberId: string; reason: MemberLeaveReason }
  | { type: 'group.rebalance.started'; at: number; groupId: string; generationId: number; reason: string }
  | {
      type: 'group.rebalance.completed';
      at: number;
      groupId: string;
      generationId: number;
      protocol: string | null;
      leader: string | null;
      durationMs: number;
      /** memberId → topic → partitions, decoded from the consumer protocol when it is one. */
      assignment: Record<string, Record<string, number[]>>;
    }
  | { type: 'group.offsets.committed'; at: number; groupId: string; offsets: { topic: string; partition: number; offset: number }[] }
  | { type: 'group.deleted'; at: number; groupId: string }
  | {
      type: 'txn.state';
      at: number;
      transactionalId: string;
      producerId: number;
      producerEpoch: number;
      from: TxnState;
      to: TxnState;
      /** "topic/partition" of the partitions in the transaction. */
      partitions: string[];
    }
  | {
      type: 'txn.fenced';
      at: number;
      transactionalId: string;
      producerId: number;
      oldEpoch: number;
      newEpoch: number;
      reason: 'init-producer-id' | 'timeout' | 'broker-restart';
    }
  | { type: 'txn.committed' | 'txn.aborted'; at: number; transactionalId: string; producerId: number; producerEpoch: number; partitions: number; durationMs: number };

export type BrokerEventType = BrokerEvent['type'];
export type EventSink = (e: BrokerEvent) => void;
