// A member of a classic consumer group on a KafkaClient: runs the Membership state machine
// against the group coordinator (Kafka's ConsumerCoordinator + its heartbeat thread). One loop
// joins and syncs whenever a rebalance is wanted (at start, when a heartbeat or commit says the
// group is rebalancing, after a cooperative revocation, on requestRejoin); a second sends
// heartbeats every heartbeat.interval.ms; a third refreshes the subscribed topics' metadata every
// metadata.max.age.ms, so the leader rejoins when partitions were added or a subscribed topic was
// created or deleted since it assigned (ConsumerCoordinator.rejoinNeededOrPending). The rebalance
// callbacks run in the join loop, awaited, in Kafka's order: lost / revoked before JoinGroup,
// revoked then assigned after SyncGroup.
//
// Timeouts as Kafka's defaults: session.timeout.ms 45 s, heartbeat.interval.ms 3 s, and the
// rebalance timeout (max.poll.interval.ms, 5 min) — how long the coordinator waits for members
// to rejoin, so how long the revocation callbacks may take. JoinGroup may be held that long, so
// its request timeout is the rebalance timeout plus 5 s (AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE).
import { setTimeout as delay } from 'node:timers/promises';
import { ApiKey } from '../../protocol/apis.js';
import type { TopicPartition } from '../../protocol/consumer-protocol.js';
import { encodeAssignment } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  HeartbeatResponse,
  JoinGroupResponse,
  LeaveGroupResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  SyncGroupResponse,
} from '../../protocol/schema/generated/index.js';
import { partitionKey } from '../assigned-partitions.js';
import { backoffDelay, type BackoffSettings } from '../backoff.js';
import type { KafkaClient } from '../client.js';
import { KafkaConnectionError, KafkaResponseError } from '../errors.js';
import type { GroupAssignor, MemberAssignment } from './assignor.js';
import type { GroupMemberEvent } from './group-events.js';
import { Membership, type CommitOffset, type JoinedMember, type MemberState, type RebalanceProtocol } from './membership.js';
import { METADATA_MAX_AGE_MS_DEFAULT, snapshotOf } from './metadata-snapshot.js';

const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5000;

export interface RebalanceListener {
  /** Partitions this member gives up while it is still in the generation (commit here). */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** After SyncGroup: the partitions new to this member, and those it kept (cooperative). */
  onPartitionsAssigned?(added: TopicPartition[], kept: TopicPartition[]): void | Promise<void>;
  /** The generation was lost (session expired, fenced): the partitions may already be elsewhere. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface GroupMemberConfig {
  groupId: string;
  topics: readonly string[];
  assignor: GroupAssignor;
  /** Kafka Streams 4.x rebalances cooperatively; eager is selectable for comparison. */
  rebalanceProtocol: RebalanceProtocol;
  /** The protocol name offered in JoinGroup; default the assignor's name (Kafka Streams: "stream"). */
  protocolName?: string;
  /** Default "consumer". */
  protocolType?: string;
  /** KIP-345 static membership. */
  groupInstanceId?: string | null;
  rackId?: string | null;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Kafka's max.poll.interval.ms, sent as JoinGroup's rebalance timeout. */
  rebalanceTimeoutMs?: number;
  /** Kafka's metadata.max.age.ms: how often the subscribed topics' metadata is refreshed (5 min). */
  metadataMaxAgeMs?: number;
  /** Back-off after a failed round (Kafka's retry.backoff.ms → retry.backoff.max.ms). */
  retryBackoff?: BackoffSettings;
  listener?: RebalanceListener;
  onEvent?: (event: GroupMemberEvent) => void;
}

export const GROUP_MEMBER_DEFAULTS = {
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 300_000,
  metadataMaxAgeMs: METADATA_MAX_AGE_MS_DEFAULT,
  retryBackoff: { initialMs: 100, maxMs: 1000 },
} as const;

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
}

export class GroupMember {
  readonly membership: Membership;
  private readonly heartbeatIntervalMs: number;
  private readonly metadataMaxAgeMs: number;
  private readonly retryBackoff: BackoffSettings;
  private readonly stop = new AbortController();
  /** Wakes the join loop when a rejoin is requested. */
  private wake: (() => void) | null = null;
  private started = false;
  private stableWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closing = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly config: GroupMemberConfig,
  ) {
    this.heartbeatIntervalMs = config.heartbeatIntervalMs ?? GROUP_MEMBER_DEFAULTS.heartbeatIntervalMs;
    this.metadataMaxAgeMs = config.metadataMaxAgeMs ?? GROUP_MEMBER_DEFAULTS.metadataMaxAgeMs;
    this.retryBackoff = config.retryBackoff ?? GROUP_MEMBER_DEFAULTS.retryBackoff;
    this.membership = new Membership({
      groupId: config.groupId,
      groupInstanceId: config.groupInstanceId ?? null,
      protocolType: config.protocolType ?? 'consumer',
      protocolName: config.protocolName ?? config.assignor.name,
      rebalanceProtocol: config.rebalanceProtocol,
      topics: config.topics,
      sessionTimeoutMs: config.sessionTimeoutMs ?? GROUP_MEMBER_DEFAULTS.sessionTimeoutMs,
      rebalanceTimeoutMs: config.rebalanceTimeoutMs ?? GROUP_MEMBER_DEFAULTS.rebalanceTimeoutMs,
      rackId: config.rackId ?? null,
    });
  }

  get state(): MemberState {
    return this.membership.state;
  }
  get memberId(): string {
    return this.membership.generation.memberId;
  }
  get generationId(): number {
    return this.membership.generation.generationId;
  }
  /** What a transactional producer sends with TxnOffsetCommit (KIP-447): the group refuses a stale generation. */
  groupMetadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    const g = this.membership.generation;
    return { groupId: this.config.groupId, generationId: g.generationId, memberId: g.memberId, groupInstanceId: this.config.groupInstanceId ?? null };
  }

  get isLeader(): boolean {
    return this.membership.isLeader;
  }
  get assignment(): readonly TopicPartition[] {
    return this.membership.ownedPartitions;
  }
  /** The error that stopped the member (FENCED_INSTANCE_ID, a fatal JoinGroup error), or null. */
  get failure(): Error | null {
    return this.membership.failure;
  }

  /** Starts joining; resolves at the first STABLE state (rejects if the member fails first). */
  start(): Promise<void> {
    if (this.started) return this.whenStable();
    this.started = true;
    void this.runJoinLoop().catch((e: unknown) => {
      this.failWith(e as Error);
    });
    void this.runHeartbeatLoop();
    void this.runMetadataLoop();
    return this.whenStable();
  }

  /** Resolves when the member is STABLE with no rejoin pending. */
  whenStable(): Promise<void> {
    if (this.settled()) return Promise.resolve();
    if (this.membership.failure) return Promise.reject(this.membership.failure);
    return new Promise((resolve, reject) => this.stableWaiters.push({ resolve, reject }));
  }

  /** Rejoins soon (Kafka's enforceRebalance; Kafka Streams' probing rebalances). */
  requestRejoin(reason: string): void {
    this.membership.requestRejoin(reason);
    this.wake?.();
  }

  /**
   * OffsetCommit v7+ with this generation, member id and group instance id. Fails with the
   * partition's KafkaResponseError: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID and
   * REBALANCE_IN_PROGRESS mean the partitions may have moved (the runtime's TaskMigrated).
   */
  async commitOffsets(offsets: readonly CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const body = this.membership.commitRequest(offsets);
    const sent = this.membership.generation;
    const res = await this.client.coordinatorRequest<OffsetCommitResponse>('group', this.config.groupId, ApiKey.OffsetCommit, body, {
      range: { min: 7 },
      errorOf: firstPartitionError,
    });
    const code = firstPartitionError(res);
    if (code === ErrorCode.NONE) return;
    const outcome = this.membership.onCommitError(code, sent);
    if (outcome.kind === 'rejoin') this.wake?.();
    if (outcome.kind === 'fatal') this.failWith(outcome.error);
    throw new KafkaResponseError(code, 'OffsetCommit', `group ${this.config.groupId}, generation ${sent.generationId}`);
  }

  /**
   * The group's committed offsets by partitionKey(topic, partition) (null: none). `requireStable` (v7+) makes the coordinator
   * answer UNSTABLE_OFFSET_COMMIT while a transaction holds offsets for a partition; we back off
   * and ask again until the client's request timeout.
   */
  async fetchOffsets(
    partitions: readonly TopicPartition[],
    opts: { requireStable?: boolean; /** Called once when a transaction's pending offsets make the answer wait. */ onUnstable?: (partitions: TopicPartition[]) => void } = {},
  ): Promise<Map<string, CommittedOffset | null>> {
    const requireStable = opts.requireStable ?? true;
    const topics = [...new Set(partitions.map((tp) => tp.topic))].map((name) => ({
      name,
      partitionIndexes: partitions.filter((tp) => tp.topic === name).map((tp) => tp.partition),
    }));
    const deadline = Date.now() + this.client.requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const res = await this.client.coordinatorRequest<OffsetFetchResponse>(
        'group',
        this.config.groupId,
        ApiKey.OffsetFetch,
        (version: number) =>
          version >= 8
            ? { groups: [{ groupId: this.config.groupId, topics }], requireStable }
            : { groupId: this.config.groupId, topics, requireStable },
        { range: { min: requireStable ? 7 : 1 }, errorOf: (r) => (r.groups[0]?.errorCode ?? r.errorCode) || 0 },
      );
      const groupError = (res.groups[0]?.errorCode ?? res.errorCode) || 0;
      if (groupError !== 0) throw new KafkaResponseError(groupError, 'OffsetFetch', `group ${this.config.groupId}`);
      const result = new Map<string, CommittedOffset | null>();
      const unstable: TopicPartition[] = [];
      for (const t of res.groups[0]?.topics ?? res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT) unstable.push({ topic: t.name, partition: p.partitionIndex });
          else if (p.errorCode !== 0) throw new KafkaResponseError(p.errorCode, 'OffsetFetch', `${t.name}-${p.partitionIndex}`);
          else result.set(partitionKey(t.name, p.partitionIndex), p.committedOffset >= 0 ? { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata ?? '' } : null);
        }
      }
      if (unstable.length === 0) return result;
      if (attempt === 0) opts.onUnstable?.(unstable);
      if (Date.now() >= deadline) throw new KafkaResponseError(ErrorCode.UNSTABLE_OFFSET_COMMIT, 'OffsetFetch', `group ${this.config.groupId}`);
      await delay(backoffDelay(this.retryBackoff, attempt));
    }
  }

  /**
   * Stops the member. `leaveGroup` (default true; Kafka Streams' CloseOptions "leave group"):
   * revoke (or lose) the partitions, then LeaveGroup — for a dynamic member only; a static member
   * never sends one and its partitions wait for it until the session timeout. `leaveGroup: false`
   * ("remain in group", internal.leave.group.on.close=false) calls nothing back and sends nothing.
   * A JoinGroup the coordinator still holds stays in flight until the client is closed.
   */
  async close(opts: { leaveGroup?: boolean } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stop.abort();
    this.wake?.();
    let leftGroup = false;
    if ((opts.leaveGroup ?? true) && this.membership.state !== 'CLOSED') {
      const plan = this.membership.prepareLeave();
      await this.callBack(plan.lost, plan.revoked);
      if (plan.sendLeaveGroup) {
        leftGroup = true;
        await this.client
          .coordinatorRequest<LeaveGroupResponse>('group', this.config.groupId, ApiKey.LeaveGroup, this.membership.leaveRequest('the consumer is being closed'), {
            errorOf: (r) => r.errorCode,
          })
          .catch(() => {}); // best effort, as Kafka's
      }
    }
    this.membership.close();
    this.emit({ type: 'group.member.closed', leftGroup });
    this.rejectWaiters(new Error(`group member of ${this.config.groupId} closed`));
    // Not awaiting the loops: a heartbeat or JoinGroup in flight may wait behind a request the
    // coordinator holds; both loops stop on their own once it is answered or the client closes.
  }

  // ------------------------------------------------------------------ the join loop

  private async runJoinLoop(): Promise<void> {
    let failures = 0;
    while (!this.closing && !this.membership.failure) {
      if (!this.membership.rejoinNeeded) {
        this.resolveWaiters();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (this.membership.rejoinNeeded || this.closing) resolve();
        });
        this.wake = null;
        continue;
      }
      const reason = this.membership.rejoinDetail ?? this.membership.rejoinReason ?? 'rejoin';
      try {
        const ok = await this.rebalance(reason);
        failures = ok ? 0 : failures;
      } catch (e) {
        if (this.closing) return;
        const error = e as Error;
        const retriable = error instanceof KafkaConnectionError || (error instanceof KafkaResponseError && error.action !== 'fatal' && error.action !== 'fenced');
        this.emit({ type: 'group.rebalance.failed', reason, error: error.message, willRetry: retriable });
        if (!retriable) throw error;
        await delay(backoffDelay(this.retryBackoff, failures++), undefined, { signal: this.stop.signal }).catch(() => {});
      }
    }
  }

  /** One round: prepare, JoinGroup (again while told to), SyncGroup, callbacks. False: rejoin. */
  private async rebalance(reason: string): Promise<boolean> {
    const m = this.membership;
    const started = Date.now();
    const previousGenerationId = m.generation.generationId;
    const prepared = m.prepareJoin();
    this.emit({
      type: 'group.join.started',
      reason,
      rebalanceProtocol: this.config.rebalanceProtocol,
      previousGenerationId,
      revoked: prepared.revoked,
      lost: prepared.lost,
    });
    await this.callBack(prepared.lost, prepared.revoked);
    if (this.closing) return false;

    const joinTimeoutMs = Math.max(this.client.requestTimeoutMs, m.config.rebalanceTimeoutMs + JOIN_GROUP_TIMEOUT_LAPSE_MS);
    let joined;
    for (;;) {
      const body = m.joinRequest(this.config.assignor.subscriptionUserData?.(this.config.topics) ?? null);
      const res = await this.client.coordinatorRequest<JoinGroupResponse>('group', this.config.groupId, ApiKey.JoinGroup, body, {
        range: { min: 5 },
        errorOf: (r) => r.errorCode,
        requestTimeoutMs: joinTimeoutMs,
        timeoutMs: joinTimeoutMs,
      });
      if (this.closing) return false;
      const outcome = m.onJoinResponse(res);
      if (outcome.kind === 'joined') {
        joined = outcome;
        break;
      }
      if (outcome.kind === 'fatal') return this.failWith(outcome.error);
      if (outcome.kind === 'retry') throw outcome.error;
      if (res.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) return false; // reset: prepare again (partitions lost)
    }
    const joinMs = Date.now() - started;
    this.emit({
      type: 'group.join.completed',
      generationId: joined.generation.generationId,
      leaderId: joined.leaderId,
      isLeader: joined.isLeader,
      protocolName: joined.generation.protocolName,
      joinMs,
    });

    let groupAssignment: Map<string, MemberAssignment> | null = null;
    if (joined.isLeader) groupAssignment = await this.assign(joined.members, joined.skipAssignment);
    const encoded = new Map([...(groupAssignment ?? [])].map(([id, a]) => [id, encodeAssignment(a)]));
    const syncStarted = Date.now();
    const res = await this.client.coordinatorRequest<SyncGroupResponse>('group', this.config.groupId, ApiKey.SyncGroup, m.syncRequest(encoded), {
      errorOf: (r) => r.errorCode,
    });
    if (this.closing) return false;
    const outcome = m.onSyncResponse(res);
    if (outcome.kind === 'fatal') return this.failWith(outcome.error);
    if (outcome.kind === 'rejoin') return false;
    this.config.assignor.onAssignment?.(outcome.assignment, outcome.generation.generationId);
    await this.callBack([], outcome.revoked);
    await this.config.listener?.onPartitionsAssigned?.(outcome.added, outcome.kept);
    const now = Date.now();
    this.emit({
      type: 'group.rebalance.completed',
      reason,
      rebalanceProtocol: this.config.rebalanceProtocol,
      generationId: outcome.generation.generationId,
      leaderId: joined.leaderId,
      isLeader: joined.isLeader,
      protocolName: outcome.generation.protocolName,
      assigned: outcome.assignment.partitions,
      added: outcome.added,
      kept: outcome.kept,
      revoked: outcome.revoked,
      followUp: outcome.followUp,
      groupAssignment: groupAssignment ? Object.fromEntries([...groupAssignment].map(([id, a]) => [id, a.partitions])) : null,
      joinMs,
      syncMs: now - syncStarted,
      totalMs: now - started,
    });
    return true;
  }

  /**
   * The leader's part: metadata for every subscribed topic, then the assignor. The partition
   * counts it assigns with are the snapshot later metadata is compared with — also for a
   * returning static leader that skips the assignment (KIP-814), as Kafka's does.
   */
  private async assign(members: readonly JoinedMember[], skipAssignment: boolean): Promise<Map<string, MemberAssignment> | null> {
    const subscribed = members.map((x) => ({
      memberId: x.memberId,
      groupInstanceId: x.groupInstanceId,
      subscription: x.subscription ?? { topics: [], userData: null, ownedPartitions: [], generationId: -1, rackId: null },
    }));
    const topics = [...new Set(subscribed.flatMap((x) => x.subscription.topics))];
    const partitionCounts = snapshotOf(await this.client.refreshMetadata(topics), topics);
    this.membership.assignedWith(topics, partitionCounts);
    if (skipAssignment) return null;
    return this.config.assignor.assign(subscribed, { partitionCounts });
  }

  private async callBack(lost: TopicPartition[], revoked: TopicPartition[]): Promise<void> {
    const l = this.config.listener;
    if (lost.length > 0) await l?.onPartitionsLost?.(lost);
    if (revoked.length > 0) await l?.onPartitionsRevoked?.(revoked);
  }

  // ------------------------------------------------------------------ heartbeats

  private async runHeartbeatLoop(): Promise<void> {
    while (!this.closing && !this.membership.failure) {
      await delay(this.heartbeatIntervalMs, undefined, { signal: this.stop.signal }).catch(() => {});
      if (this.closing || !this.membership.shouldHeartbeat) continue;
      const sent = this.membership.generation;
      try {
        const res = await this.client.coordinatorRequest<HeartbeatResponse>('group', this.config.groupId, ApiKey.Heartbeat, this.membership.heartbeatRequest(), {
          errorOf: (r) => r.errorCode,
        });
        if (this.closing) return;
        const outcome = this.membership.onHeartbeatResponse(res.errorCode, sent);
        if (outcome.kind === 'rejoin') this.wake?.();
        if (outcome.kind === 'fatal') this.failWith(outcome.error);
      } catch {
        // A lost coordinator: the next heartbeat finds it again (coordinatorRequest does).
      }
    }
  }

  // ------------------------------------------------------------------ metadata

  /**
   * Refreshes the metadata once it is metadata.max.age.ms old (a refresh made for another reason,
   * by the fetcher say, counts too), then lets the membership compare it with what the leader
   * assigned with. Only the leader holds a snapshot, so only the leader ever rejoins here.
   */
  private async runMetadataLoop(): Promise<void> {
    let failures = 0;
    while (!this.closing && !this.membership.failure) {
      const age = Date.now() - this.client.metadata.updatedAt;
      const wait = failures > 0 ? backoffDelay(this.retryBackoff, failures - 1) : Math.max(this.retryBackoff.initialMs, this.metadataMaxAgeMs - age);
      await delay(wait, undefined, { signal: this.stop.signal }).catch(() => {});
      if (this.closing || this.membership.assignmentSnapshot === null) continue;
      const topics = this.membership.groupSubscription;
      try {
        if (Date.now() - this.client.metadata.updatedAt >= this.metadataMaxAgeMs) await this.client.refreshMetadata(topics);
        failures = 0;
      } catch {
        failures++; // no broker answered: try again after the back-off
        continue;
      }
      if (this.closing) return;
      if (this.membership.onMetadata(snapshotOf(this.client.metadata, topics))) this.wake?.();
    }
  }

  // ------------------------------------------------------------------ plumbing

  private failWith(error: Error): false {
    if (!this.membership.failure) {
      this.membership.fail(error instanceof KafkaResponseError ? error : new KafkaResponseError(ErrorCode.UNKNOWN_SERVER_ERROR, 'GroupMember', error.message));
    }
    this.emit({ type: 'group.member.failed', error: this.membership.failure!.message });
    this.rejectWaiters(this.membership.failure!);
    this.stop.abort();
    this.wake?.();
    return false;
  }

  private settled(): boolean {
    return this.membership.state === 'STABLE' && !this.membership.rejoinNeeded;
  }

  private resolveWaiters(): void {
    if (!this.settled()) return;
    const waiters = this.stableWaiters;
    this.stableWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private rejectWaiters(e: Error): void {
    const waiters = this.stableWaiters;
    this.stableWaiters = [];
    for (const w of waiters) w.reject(e);
  }

  private emit(e: DistributiveOmit<GroupMemberEvent, 'at' | 'groupId' | 'memberId' | 'groupInstanceId'>): void {
    if (!this.config.onEvent) return;
    this.config.onEvent({
      ...e,
      at: Date.now(),
      groupId: this.config.groupId,
      memberId: this.membership.generation.memberId,
      groupInstanceId: this.config.groupInstanceId ?? null,
    } as GroupMemberEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function firstPartitionError(res: OffsetCommitResponse): number {
  for (const t of res.topics) for (const p of t.partitions) if (p.errorCode !== 0) return p.errorCode;
  return 0;
}
