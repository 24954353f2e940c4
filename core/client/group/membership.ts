// One member's view of a classic consumer group, as a state machine with no sockets and no
// timers (Kafka's AbstractCoordinator + the partition bookkeeping of ConsumerCoordinator): it
// builds each request from what it knows, is fed each response, and answers what the driver
// (group-member.ts) must do next — call back revoked / assigned / lost partitions, rejoin,
// retry, or stop. States and their legal transitions are the table below.
//
// The rebalance protocols differ in two places. Before joining, eager gives up every partition
// (revoked); cooperative keeps them and sends them as owned partitions. After SyncGroup,
// cooperative revokes only the partitions no longer assigned and, if there were any, asks for
// a follow-up rebalance so they can be handed on (ConsumerCoordinator.onJoinComplete). When the
// generation was lost (unknown member, illegal generation) the partitions are lost, not revoked:
// another member may already own them.
import { partitionKey } from '../assigned-partitions.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeSubscription,
  type ConsumerAssignment,
  type ConsumerSubscription,
  type TopicPartition,
} from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  HeartbeatRequestInput,
  JoinGroupRequestInput,
  JoinGroupResponse,
  LeaveGroupRequestInput,
  OffsetCommitRequestInput,
  SyncGroupRequestInput,
  SyncGroupResponse,
} from '../../protocol/schema/generated/index.js';
import { KafkaResponseError } from '../errors.js';
import { metadataChangedReason, sameSnapshot, type MetadataSnapshot } from './metadata-snapshot.js';

export type RebalanceProtocol = 'eager' | 'cooperative';

export type MemberState =
  /** Not in the group: before the first join, or after the generation was lost. */
  | 'UNJOINED'
  /** JoinGroup sent, waiting for every member to join. */
  | 'PREPARING_REBALANCE'
  /** Joined a generation, SyncGroup not answered yet. */
  | 'COMPLETING_REBALANCE'
  /** Has this generation's assignment. */
  | 'STABLE'
  /** Fenced (another instance took the group.instance.id) or a fatal error: stopped for good. */
  | 'FAILED'
  | 'CLOSED';

const TRANSITIONS: Record<MemberState, readonly MemberState[]> = {
  UNJOINED: ['PREPARING_REBALANCE', 'FAILED', 'CLOSED'],
  PREPARING_REBALANCE: ['COMPLETING_REBALANCE', 'UNJOINED', 'FAILED', 'CLOSED'],
  COMPLETING_REBALANCE: ['STABLE', 'PREPARING_REBALANCE', 'UNJOINED', 'FAILED', 'CLOSED'],
  STABLE: ['PREPARING_REBALANCE', 'UNJOINED', 'FAILED', 'CLOSED'],
  FAILED: ['CLOSED'],
  CLOSED: [],
};

export const MEMBER_TRANSITIONS: Readonly<Record<MemberState, readonly MemberState[]>> = TRANSITIONS;

export interface MembershipConfig {
  groupId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocolName: string;
  rebalanceProtocol: RebalanceProtocol;
  topics: readonly string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  rackId: string | null;
}

export interface Generation {
  generationId: number;
  memberId: string;
  protocolName: string | null;
}

const NO_GENERATION: Generation = { generationId: -1, memberId: '', protocolName: null };

/** Before JoinGroup: the partitions to call back, lost or revoked. */
export interface JoinPreparation {
  lost: TopicPartition[];
  revoked: TopicPartition[];
}

export type JoinOutcome =
  | { kind: 'joined'; generation: Generation; leaderId: string; isLeader: boolean; skipAssignment: boolean; members: JoinedMember[] }
  /** Join again now: with the member id the coordinator handed out, or after a reset. */
  | { kind: 'rejoin'; error: KafkaResponseError }
  /** Transient: back off, then join again. */
  | { kind: 'retry'; error: KafkaResponseError }
  | { kind: 'fatal'; error: KafkaResponseError };

export interface JoinedMember {
  memberId: string;
  groupInstanceId: string | null;
  /** Null when the member's metadata is not a consumer subscription. */
  subscription: ConsumerSubscription | null;
}

export type SyncOutcome =
  | {
      kind: 'assigned';
      generation: Generation;
      assignment: ConsumerAssignment;
      /** New to this member. */
      added: TopicPartition[];
      /** Owned before and still assigned (cooperative). */
      kept: TopicPartition[];
      /** Owned before, no longer assigned (cooperative): call back before `added`. */
      revoked: TopicPartition[];
      /** Cooperative with revocations: rejoin at once so the revoked partitions can move. */
      followUp: boolean;
    }
  | { kind: 'rejoin'; error: KafkaResponseError }
  | { kind: 'fatal'; error: KafkaResponseError };

export type HeartbeatOutcome = { kind: 'ok' } | { kind: 'rejoin'; error: KafkaResponseError } | { kind: 'fatal'; error: KafkaResponseError };

export class Membership {
  state: MemberState = 'UNJOINED';
  generation: Generation = NO_GENERATION;
  leaderId = '';
  /** Why the next join happens (short: JoinGroup's reason field); null while no rejoin is wanted. */
  rejoinReason: string | null = 'initial join';
  /** The same, in full (what Kafka logs; what telemetry shows); null while no rejoin is wanted. */
  rejoinDetail: string | null = 'initial join';
  /**
   * On the leader: the metadata it last assigned with (Kafka's assignmentSnapshot); null on
   * other members — only the leader watches for metadata changes (onJoinComplete).
   */
  assignmentSnapshot: MetadataSnapshot | null = null;
  /** On the leader: every topic a member subscribes to, whose metadata it watches (Kafka's group subscription). */
  groupSubscription: readonly string[] = [];
  /** The error that stopped the member (state FAILED). */
  failure: KafkaResponseError | null = null;
  private owned: TopicPartition[] = [];
  private assignmentUserData: Buffer | null = null;

  constructor(readonly config: MembershipConfig) {}

  get ownedPartitions(): readonly TopicPartition[] {
    return this.owned;
  }

  get isLeader(): boolean {
    return this.generation.memberId !== '' && this.leaderId === this.generation.memberId;
  }

  get isStatic(): boolean {
    return this.config.groupInstanceId !== null;
  }

  get rejoinNeeded(): boolean {
    return this.rejoinReason !== null;
  }

  private transition(to: MemberState): void {
    if (!TRANSITIONS[this.state].includes(to)) throw new Error(`group ${this.config.groupId}: member cannot go from ${this.state} to ${to}`);
    this.state = to;
  }

  /**
   * Asks for a rejoin (probing rebalance, metadata change); the first reason wins until it
   * happens (requestRejoinIfNecessary). `detail`: the full reason, when longer than JoinGroup's.
   */
  requestRejoin(reason: string, detail: string = reason): void {
    if (this.rejoinReason !== null) return;
    this.rejoinReason = reason;
    this.rejoinDetail = detail;
  }

  /**
   * The leader assigned the group's `topics` with `snapshot` (performAssignment:
   * updateGroupSubscription, then assignmentSnapshot = metadataSnapshot).
   */
  assignedWith(topics: readonly string[], snapshot: MetadataSnapshot): void {
    this.groupSubscription = [...topics];
    this.assignmentSnapshot = snapshot;
  }

  /**
   * The metadata refreshed (ConsumerCoordinator.rejoinNeededOrPending): if this member assigned
   * with a snapshot that no longer matches, rejoin. True when a rejoin is wanted for that reason.
   */
  onMetadata(now: MetadataSnapshot): boolean {
    const assigned = this.assignmentSnapshot;
    if (assigned === null || this.state !== 'STABLE' || sameSnapshot(assigned, now)) return false;
    const reason = metadataChangedReason(assigned, now);
    this.requestRejoin(reason.short, reason.full);
    return true;
  }

  /**
   * Called before each join (ConsumerCoordinator.onJoinPrepare): which owned partitions to call
   * back. They leave `ownedPartitions` now; the state does not change, so a commit made from
   * the revocation callback still carries this generation.
   */
  prepareJoin(): JoinPreparation {
    if (this.generation.generationId === -1 || this.generation.memberId === '') {
      return { lost: this.release(this.owned), revoked: [] };
    }
    if (this.config.rebalanceProtocol === 'eager') return { lost: [], revoked: this.release(this.owned) };
    // Cooperative: only partitions of topics no longer subscribed.
    return { lost: [], revoked: this.release(this.owned.filter((tp) => !this.config.topics.includes(tp.topic))) };
  }

  /** The subscription this member joins with (ownedPartitions are what it still holds). */
  subscription(userData: Buffer | null): Buffer {
    return encodeSubscription({
      topics: [...this.config.topics],
      userData,
      ownedPartitions: this.owned,
      generationId: this.owned.length > 0 ? this.generation.generationId : -1,
      rackId: this.config.rackId,
    });
  }

  joinRequest(userData: Buffer | null): JoinGroupRequestInput {
    if (this.state !== 'PREPARING_REBALANCE') this.transition('PREPARING_REBALANCE');
    const c = this.config;
    return {
      groupId: c.groupId,
      sessionTimeoutMs: c.sessionTimeoutMs,
      rebalanceTimeoutMs: c.rebalanceTimeoutMs,
      memberId: this.generation.memberId,
      groupInstanceId: c.groupInstanceId,
      protocolType: c.protocolType,
      protocols: [{ name: c.protocolName, metadata: this.subscription(userData) }],
      reason: (this.rejoinReason ?? 'rejoin').slice(0, 255),
    };
  }

  onJoinResponse(res: JoinGroupResponse): JoinOutcome {
    const error = new KafkaResponseError(res.errorCode, 'JoinGroup', errorDetail(res.errorCode, this.config));
    switch (res.errorCode) {
      case ErrorCode.NONE: {
        if (this.state !== 'PREPARING_REBALANCE') return { kind: 'rejoin', error: new KafkaResponseError(ErrorCode.REBALANCE_IN_PROGRESS, 'JoinGroup', 'answered after the member left the join') };
        this.transition('COMPLETING_REBALANCE');
        this.generation = { generationId: res.generationId, memberId: res.memberId, protocolName: res.protocolName };
        this.leaderId = res.leader;
        return {
          kind: 'joined',
          generation: this.generation,
          leaderId: res.leader,
          isLeader: this.isLeader,
          skipAssignment: res.skipAssignment,
          members: res.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, subscription: decodeSubscription(m.metadata) })),
        };
      }
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator names our member id; join again with it at once.
        this.generation = { ...NO_GENERATION, memberId: res.memberId };
        return { kind: 'rejoin', error };
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.reset(true);
        return { kind: 'rejoin', error };
      case ErrorCode.REBALANCE_IN_PROGRESS:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        return { kind: 'retry', error };
      default:
        // FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED, …
        return this.fail(error);
    }
  }

  syncRequest(assignments: ReadonlyMap<string, Buffer>): SyncGroupRequestInput {
    return {
      groupId: this.config.groupId,
      generationId: this.generation.generationId,
      memberId: this.generation.memberId,
      groupInstanceId: this.config.groupInstanceId,
      protocolType: this.config.protocolType,
      protocolName: this.generation.protocolName,
      assignments: [...assignments].map(([memberId, assignment]) => ({ memberId, assignment })),
    };
  }

  onSyncResponse(res: SyncGroupResponse): SyncOutcome {
    const error = new KafkaResponseError(res.errorCode, 'SyncGroup', errorDetail(res.errorCode, this.config));
    switch (res.errorCode) {
      case ErrorCode.NONE: {
        if (this.state !== 'COMPLETING_REBALANCE') return { kind: 'rejoin', error: new KafkaResponseError(ErrorCode.ILLEGAL_GENERATION, 'SyncGroup', 'the generation was reset meanwhile') };
        const assignment = decodeAssignment(res.assignment);
        if (!assignment) return this.fail(new KafkaResponseError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'SyncGroup', `no consumer assignment for ${this.generation.memberId} (${res.assignment.length} bytes)`));
        this.transition('STABLE');
        // Only the leader is responsible for monitoring for metadata changes (onJoinComplete).
        if (!this.isLeader) {
          this.assignmentSnapshot = null;
          this.groupSubscription = [];
        }
        const before = new Set(this.owned.map((tp) => partitionKey(tp.topic, tp.partition)));
        const now = new Set(assignment.partitions.map((tp) => partitionKey(tp.topic, tp.partition)));
        const added = assignment.partitions.filter((tp) => !before.has(partitionKey(tp.topic, tp.partition)));
        const kept = assignment.partitions.filter((tp) => before.has(partitionKey(tp.topic, tp.partition)));
        const revoked = this.owned.filter((tp) => !now.has(partitionKey(tp.topic, tp.partition)));
        this.owned = assignment.partitions;
        this.assignmentUserData = assignment.userData;
        this.rejoinReason = null;
        this.rejoinDetail = null;
        const followUp = this.config.rebalanceProtocol === 'cooperative' && revoked.length > 0;
        if (followUp) this.requestRejoin('need to revoke partitions and re-join');
        return { kind: 'assigned', generation: this.generation, assignment, added, kept, revoked, followUp };
      }
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.requestRejoin('group is rebalancing again');
        return { kind: 'rejoin', error };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        // ILLEGAL_GENERATION keeps the member id: it may still be valid.
        this.reset(res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
        return { kind: 'rejoin', error };
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.requestRejoin('coordinator moved during SyncGroup');
        return { kind: 'rejoin', error };
      default:
        return this.fail(error);
    }
  }

  /** Heartbeats run only between JoinGroup and leaving (Kafka: not while unjoined or preparing). */
  get shouldHeartbeat(): boolean {
    return this.state === 'COMPLETING_REBALANCE' || this.state === 'STABLE';
  }

  heartbeatRequest(): HeartbeatRequestInput {
    return {
      groupId: this.config.groupId,
      generationId: this.generation.generationId,
      memberId: this.generation.memberId,
      groupInstanceId: this.config.groupInstanceId,
    };
  }

  /** `sent`: the generation the heartbeat carried; an answer about an older one is ignored. */
  onHeartbeatResponse(errorCode: number, sent: Generation): HeartbeatOutcome {
    if (errorCode === ErrorCode.NONE) return { kind: 'ok' };
    const error = new KafkaResponseError(errorCode, 'Heartbeat', errorDetail(errorCode, this.config));
    if (!sameGeneration(sent, this.generation)) return { kind: 'ok' };
    switch (errorCode) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        if (this.state !== 'STABLE') return { kind: 'ok' };
        this.requestRejoin('group is already rebalancing');
        return { kind: 'rejoin', error };
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.reset(errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
        return { kind: 'rejoin', error };
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return { kind: 'ok' };
      default:
        return this.fail(error);
    }
  }

  /**
   * OffsetCommit for this generation (v7+: generation, member id, group instance id), or the
   * error the commit fails with right away: REBALANCE_IN_PROGRESS while joining, ILLEGAL_GENERATION
   * when not in the group, the fatal error once failed.
   */
  commitRequest(offsets: readonly CommitOffset[]): OffsetCommitRequestInput {
    if (this.state !== 'STABLE') {
      if (this.failure) throw this.failure;
      if (this.state === 'PREPARING_REBALANCE' || this.state === 'COMPLETING_REBALANCE') {
        throw new KafkaResponseError(ErrorCode.REBALANCE_IN_PROGRESS, 'OffsetCommit', `group ${this.config.groupId} is rebalancing`);
      }
      throw new KafkaResponseError(ErrorCode.ILLEGAL_GENERATION, 'OffsetCommit', `not a member of an active generation of ${this.config.groupId}`);
    }
    const byTopic = new Map<string, CommitOffset[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    return {
      groupId: this.config.groupId,
      generationIdOrMemberEpoch: this.generation.generationId,
      memberId: this.generation.memberId,
      groupInstanceId: this.config.groupInstanceId,
      topics: [...byTopic].map(([name, ps]) => ({
        name,
        partitions: ps.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: p.leaderEpoch ?? -1,
          committedMetadata: p.metadata ?? '',
        })),
      })),
    };
  }

  /**
   * A partition's OffsetCommit error (ConsumerCoordinator.OffsetCommitResponseHandler): what it
   * means for the membership. The caller reports the error either way; the runtime treats
   * ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID / REBALANCE_IN_PROGRESS as "task migrated".
   */
  onCommitError(errorCode: number, sent: Generation): HeartbeatOutcome {
    const error = new KafkaResponseError(errorCode, 'OffsetCommit', errorDetail(errorCode, this.config));
    const unchanged = sameGeneration(sent, this.generation);
    switch (errorCode) {
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.requestRejoin('offset commit failed since group is already rebalancing');
        return { kind: 'rejoin', error };
      case ErrorCode.ILLEGAL_GENERATION:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        if (unchanged || this.state !== 'PREPARING_REBALANCE') this.reset(errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
        return { kind: 'rejoin', error };
      case ErrorCode.FENCED_INSTANCE_ID:
        return unchanged ? this.fail(error) : { kind: 'rejoin', error };
      default:
        return { kind: 'ok' };
    }
  }

  /**
   * Leaving on close (onLeavePrepare): owned partitions are lost when the generation is gone or
   * a rebalance is under way, revoked otherwise. Whether a LeaveGroup follows: only for a dynamic
   * member that has joined (static members never send one; Kafka's maybeLeaveGroup).
   */
  prepareLeave(): JoinPreparation & { sendLeaveGroup: boolean } {
    const gone = this.generation.generationId === -1 || this.generation.memberId === '';
    const rebalancing = this.state === 'PREPARING_REBALANCE' || this.state === 'COMPLETING_REBALANCE';
    const partitions = this.release(this.owned);
    const sendLeaveGroup = !this.isStatic && this.generation.memberId !== '' && this.state !== 'UNJOINED' && this.state !== 'FAILED' && this.state !== 'CLOSED';
    return gone || rebalancing ? { lost: partitions, revoked: [], sendLeaveGroup } : { lost: [], revoked: partitions, sendLeaveGroup };
  }

  leaveRequest(reason: string): LeaveGroupRequestInput {
    return {
      groupId: this.config.groupId,
      memberId: this.generation.memberId,
      members: [{ memberId: this.generation.memberId, groupInstanceId: this.config.groupInstanceId, reason }],
    };
  }

  close(): void {
    if (this.state !== 'CLOSED') this.transition('CLOSED');
  }

  /** The assignment's user data from the last SyncGroup. */
  get userData(): Buffer | null {
    return this.assignmentUserData;
  }

  private reset(resetMemberId: boolean): void {
    if (this.state !== 'UNJOINED') this.transition('UNJOINED');
    this.generation = resetMemberId ? NO_GENERATION : { ...NO_GENERATION, memberId: this.generation.memberId };
    this.leaderId = '';
    this.requestRejoin('the generation was lost');
  }

  /** Stops the member for good (a fatal response, or a callback or assignor that threw). */
  fail(error: KafkaResponseError): { kind: 'fatal'; error: KafkaResponseError } {
    if (this.state !== 'FAILED' && this.state !== 'CLOSED') this.transition('FAILED');
    this.failure ??= error;
    this.rejoinReason = null;
    this.rejoinDetail = null;
    return { kind: 'fatal', error };
  }

  /** Removes `partitions` from the owned ones and returns them. */
  private release(partitions: readonly TopicPartition[]): TopicPartition[] {
    const gone = new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)));
    this.owned = this.owned.filter((tp) => !gone.has(partitionKey(tp.topic, tp.partition)));
    return [...partitions];
  }
}

export interface CommitOffset {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: number;
  leaderEpoch?: number;
  metadata?: string;
}

function sameGeneration(a: Generation, b: Generation): boolean {
  return a.generationId === b.generationId && a.memberId === b.memberId;
}

function errorDetail(code: number, c: MembershipConfig): string {
  if (code === ErrorCode.FENCED_INSTANCE_ID) return `group ${c.groupId}: group.instance.id ${c.groupInstanceId} was taken by another instance`;
  return `group ${c.groupId}`;
}
