// What a group member reports about each rebalance round, for the console's telemetry (the
// runtime turns these into StreamsEvents). Names and payloads live together so they cannot drift.
import type { TopicPartition } from '../../protocol/consumer-protocol.js';
import type { RebalanceProtocol } from './membership.js';

interface Base {
  at: number;
  groupId: string;
  /** '' before the coordinator has named one. */
  memberId: string;
  groupInstanceId: string | null;
}

export type GroupMemberEvent =
  | (Base & {
      type: 'group.join.started';
      reason: string;
      rebalanceProtocol: RebalanceProtocol;
      /** The generation this member was in; -1 when none or lost. */
      previousGenerationId: number;
      revoked: TopicPartition[];
      lost: TopicPartition[];
    })
  | (Base & {
      type: 'group.join.completed';
      generationId: number;
      leaderId: string;
      isLeader: boolean;
      protocolName: string | null;
      joinMs: number;
    })
  | (Base & {
      type: 'group.rebalance.completed';
      reason: string;
      rebalanceProtocol: RebalanceProtocol;
      generationId: number;
      leaderId: string;
      isLeader: boolean;
      protocolName: string | null;
      /** This member's whole assignment. */
      assigned: TopicPartition[];
      added: TopicPartition[];
      kept: TopicPartition[];
      revoked: TopicPartition[];
      /** A follow-up (cooperative) rebalance comes next. */
      followUp: boolean;
      /** On the leader: what it handed every member. */
      groupAssignment: Record<string, TopicPartition[]> | null;
      joinMs: number;
      syncMs: number;
      totalMs: number;
    })
  | (Base & { type: 'group.rebalance.failed'; reason: string; error: string; willRetry: boolean })
  | (Base & { type: 'group.member.failed'; error: string })
  | (Base & { type: 'group.member.closed'; leftGroup: boolean });

export type GroupMemberEventType = GroupMemberEvent['type'];
