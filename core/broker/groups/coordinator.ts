// The group coordinator (classic protocol), after Kafka's GroupCoordinator.scala: JoinGroup,
// SyncGroup, Heartbeat and LeaveGroup drive each group through Empty → PreparingRebalance →
// CompletingRebalance → Stable, with session and rebalance timeouts and the initial delay.
// All state changes are synchronous between awaits: Node's event loop serializes them.
import { randomUUID } from 'node:crypto';
import { decodeAssignment, partitionsByTopic } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { EventSink, MemberLeaveReason } from '../events.js';
import { Group, type GroupState, type JoinResult, type Member, type SyncResult } from './group.js';

export interface GroupCoordinatorConfig {
  /** Kafka's group.initial.rebalance.delay.ms: how long an empty group waits for more joiners. */
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  reason: string | null;
}

export interface GroupSnapshot {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocolName: string;
  leaderId: string | null;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

/** Same protocol names, in the same order, with the same metadata bytes. */
function sameProtocols(a: readonly { name: string; metadata: Buffer }[], b: readonly { name: string; metadata: Buffer }[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]?.name && p.metadata.equals(b[i]!.metadata));
}

const fail = (errorCode: number, memberId = '', generationId = -1): JoinResult => ({
  errorCode,
  generationId,
  protocolName: null,
  leader: '',
  memberId,
  members: [],
});

export class GroupCoordinator {
  private groups = new Map<string, Group>();

  constructor(
    private config: GroupCoordinatorConfig,
    private now: () => number,
    private emit: EventSink,
  ) {}

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  /** The group, created Empty if new (offset commits from simple consumers create groups too). */
  getOrCreate(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new Group(groupId)));
    return g;
  }

  private setState(g: Group, to: GroupState): void {
    const from = g.state;
    if (from === to) return;
    g.transition(to);
    this.emit({ type: 'group.state', at: this.now(), groupId: g.groupId, from, to });
  }

  // ---- JoinGroup ----

  join(req: JoinRequest, client: { clientId: string; host: string }, version: number): Promise<JoinResult> | JoinResult {
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID, req.memberId);
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.config;
    if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) return fail(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    const g = this.getOrCreate(req.groupId);
    if (g.is('Dead')) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    if (!g.supports(req.protocolType, req.protocols) && !(req.memberId !== '' && g.members.size === 1 && g.members.has(req.memberId))) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId);
    }

    if (req.memberId === '') {
      const memberId = `${client.clientId}-${randomUUID()}`;
      if (req.groupInstanceId !== null) {
        const old = g.staticMember(req.groupInstanceId);
        // Static members skip MEMBER_ID_REQUIRED: the instance id already names them.
        return old ? this.replaceStaticMember(g, old, req, memberId) : this.addMemberAndRebalance(g, memberId, req, client);
      }
      if (version >= 4) {
        // KIP-394: hand out the id first; the member must come back with it within its session timeout.
        g.pending.set(
          memberId,
          setTimeout(() => {
            g.pending.delete(memberId);
            if (g.is('PreparingRebalance')) this.tryCompleteJoin(g);
          }, req.sessionTimeoutMs),
        );
        return fail(ErrorCode.MEMBER_ID_REQUIRED, memberId);
      }
      return this.addMemberAndRebalance(g, memberId, req, client);
    }

    const pendingTimer = g.pending.get(req.memberId);
    if (pendingTimer) {
      clearTimeout(pendingTimer);
      g.pending.delete(req.memberId);
      return this.addMemberAndRebalance(g, req.memberId, req, client);
    }

    const denied = g.memberError(req.memberId, req.groupInstanceId);
    if (denied !== 0) return fail(denied, req.memberId);
    return this.rejoin(g, g.members.get(req.memberId)!, req);
  }

  /**
   * KIP-345, as Kafka's updateStaticMemberThenRebalanceOrCompleteJoin: a static member that
   * restarts (known instance id, no member id) takes over its old identity and assignment under
   * a new member id; the old id is fenced. In a Stable group that keeps its selected protocol
   * (the metadata may differ, e.g. a cooperative member that owns nothing yet) it gets the current
   * generation at once, with no rebalance. During PreparingRebalance it joins that rebalance;
   * during CompletingRebalance a new one starts, as the leader assigned to the old id.
   */
  private replaceStaticMember(g: Group, old: Member, req: JoinRequest, memberId: string): JoinResult | Promise<JoinResult> {
    old.awaitingJoin?.(fail(ErrorCode.FENCED_INSTANCE_ID, old.memberId));
    old.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, assignment: Buffer.alloc(0) });
    if (old.sessionTimer) clearTimeout(old.sessionTimer);
    // Kafka keeps the old member's client id and host: only the member id changes.
    const m: Member = {
      ...old,
      memberId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocols: req.protocols,
      awaitingJoin: null,
      awaitingSync: null,
      sessionTimer: null,
      joinedAt: this.now(),
    };
    const wasLeader = g.leaderId === old.memberId;
    g.members.delete(old.memberId);
    g.members.set(memberId, m);
    if (wasLeader) g.leaderId = memberId;
    this.emit({ type: 'group.member.left', at: this.now(), groupId: g.groupId, memberId: old.memberId, reason: 'fenced' });
    this.memberJoined(g, m);
    this.touchSession(g, m);

    if (g.is('Stable') && g.selectProtocol() === g.protocolName) {
      // Before JoinGroup v9 (skipAssignment) Kafka names the old leader id, so a returning leader
      // syncs as a follower and gets its assignment back instead of assigning again.
      return wasLeader ? { ...this.joinResult(g, m), leader: old.memberId, members: [] } : this.joinResult(g, m);
    }
    const parked = this.park(m);
    this.prepareRebalance(g, req.reason ?? `static member ${req.groupInstanceId} rejoined as ${memberId}`);
    this.tryCompleteJoin(g);
    return parked;
  }

  private addMemberAndRebalance(
    g: Group,
    memberId: string,
    req: JoinRequest,
    client: { clientId: string; host: string },
  ): Promise<JoinResult> {
    const m: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: client.clientId,
      clientHost: client.host,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: Buffer.alloc(0),
      awaitingJoin: null,
      awaitingSync: null,
      sessionTimer: null,
      joinedAt: this.now(),
    };
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, m);
    if (!g.leaderId) g.leaderId = memberId;
    this.memberJoined(g, m);
    const parked = this.park(m);
    this.touchSession(g, m);
    if (g.is('PreparingRebalance') && g.initialDelayDeadline > 0) this.extendInitialDelay(g);
    else this.prepareRebalance(g, req.reason ?? `member ${memberId} joined`);
    this.tryCompleteJoin(g);
    return parked;
  }

  private rejoin(g: Group, m: Member, req: JoinRequest): JoinResult | Promise<JoinResult> {
    const changed = !sameProtocols(req.protocols, m.protocols);
    m.protocols = req.protocols;
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
    this.touchSession(g, m);
    if (g.is('PreparingRebalance')) {
      const parked = this.park(m);
      this.tryCompleteJoin(g);
      return parked;
    }
    if (g.is('CompletingRebalance', 'Stable') && !changed && (g.is('CompletingRebalance') || m.memberId !== g.leaderId)) {
      // Same metadata: nothing to rebalance, hand back the current generation.
      return this.joinResult(g, m);
    }
    const parked = this.park(m);
    this.prepareRebalance(g, req.reason ?? `member ${m.memberId} rejoined${changed ? ' with new metadata' : ''}`);
    this.tryCompleteJoin(g);
    return parked;
  }

  private memberJoined(g: Group, m: Member): void {
    this.emit({
      type: 'group.member.joined',
      at: this.now(),
      groupId: g.groupId,
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      groupInstanceId: m.groupInstanceId,
    });
  }

  private park(m: Member): Promise<JoinResult> {
    // A member that re-sends JoinGroup while parked gets its older request answered first.
    m.awaitingJoin?.(fail(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    return new Promise((resolve) => {
      m.awaitingJoin = resolve;
    });
  }

  private joinResult(g: Group, m: Member): JoinResult {
    const isLeader = m.memberId === g.leaderId;
    return {
      errorCode: 0,
      generationId: g.generationId,
      protocolName: g.protocolName,
      leader: g.leaderId ?? '',
      memberId: m.memberId,
      members: isLeader
        ? [...g.members.values()].map((x) => ({
            memberId: x.memberId,
            groupInstanceId: x.groupInstanceId,
            metadata: g.metadataFor(x, g.protocolName),
          }))
        : [],
    };
  }

  private prepareRebalance(g: Group, reason: string): void {
    if (g.is('PreparingRebalance')) return;
    if (g.is('CompletingRebalance')) {
      for (const m of g.members.values()) {
        m.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: Buffer.alloc(0) });
        m.awaitingSync = null;
      }
    }
    const wasEmpty = g.is('Empty');
    this.setState(g, 'PreparingRebalance');
    g.rebalanceStartedAt = this.now();
    g.rebalanceReason = reason;
    this.emit({ type: 'group.rebalance.started', at: this.now(), groupId: g.groupId, generationId: g.generationId + 1, reason });
    if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
    if (wasEmpty && this.config.initialRebalanceDelayMs > 0) {
      // Kafka's InitialDelayedJoin: wait a little for more members, extended per new joiner up to the rebalance timeout.
      g.initialDelayDeadline = this.now() + g.maxRebalanceTimeoutMs();
      g.rebalanceTimer = setTimeout(() => this.completeJoin(g), this.config.initialRebalanceDelayMs);
    } else {
      g.initialDelayDeadline = 0;
      g.rebalanceTimer = setTimeout(() => this.completeJoin(g), g.maxRebalanceTimeoutMs());
    }
  }

  private extendInitialDelay(g: Group): void {
    if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
    const delay = Math.max(0, Math.min(this.config.initialRebalanceDelayMs, g.initialDelayDeadline - this.now()));
    g.rebalanceTimer = setTimeout(() => this.completeJoin(g), delay);
  }

  private tryCompleteJoin(g: Group): void {
    if (g.is('PreparingRebalance') && g.initialDelayDeadline === 0 && g.allMembersJoined()) this.completeJoin(g);
  }

  private completeJoin(g: Group): void {
    if (!g.is('PreparingRebalance')) return;
    if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
    g.rebalanceTimer = null;
    g.initialDelayDeadline = 0;
    for (const m of [...g.members.values()]) if (!m.awaitingJoin) this.removeMember(g, m, 'rebalance-timeout', false);
    for (const [id, t] of g.pending) {
      clearTimeout(t);
      g.pending.delete(id);
    }
    g.generationId++;
    if (g.members.size === 0) {
      g.protocolName = null;
      g.leaderId = null;
      this.setState(g, 'Empty');
      this.rebalanceCompleted(g);
      return;
    }
    g.protocolName = g.selectProtocol();
    if (!g.leaderId || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value ?? null;
    this.setState(g, 'CompletingRebalance');
    for (const m of g.members.values()) {
      const respond = m.awaitingJoin;
      m.awaitingJoin = null;
      m.assignment = Buffer.alloc(0);
      this.touchSession(g, m);
      respond?.(this.joinResult(g, m));
    }
  }

  private rebalanceCompleted(g: Group): void {
    const assignment: Record<string, Record<string, number[]>> = {};
    for (const m of g.members.values()) assignment[m.memberId] = partitionsByTopic(decodeAssignment(m.assignment)?.partitions ?? []);
    this.emit({
      type: 'group.rebalance.completed',
      at: this.now(),
      groupId: g.groupId,
      generationId: g.generationId,
      protocol: g.protocolName,
      leader: g.leaderId,
      durationMs: this.now() - g.rebalanceStartedAt,
      assignment,
    });
  }

  // ---- SyncGroup ----

  sync(
    groupId: string,
    member: { memberId: string; groupInstanceId: string | null },
    generationId: number,
    assignments: { memberId: string; assignment: Buffer }[],
    protocol: { type: string | null; name: string | null },
  ): SyncResult | Promise<SyncResult> {
    const no = (errorCode: number): SyncResult => ({ errorCode, assignment: Buffer.alloc(0) });
    const g = this.groups.get(groupId);
    if (!g || g.is('Empty')) return no(ErrorCode.UNKNOWN_MEMBER_ID);
    if (g.is('Dead')) return no(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const denied = g.memberError(member.memberId, member.groupInstanceId);
    if (denied !== 0) return no(denied);
    const m = g.members.get(member.memberId)!;
    if (generationId !== g.generationId) return no(ErrorCode.ILLEGAL_GENERATION);
    if ((protocol.type !== null && protocol.type !== g.protocolType) || (protocol.name !== null && protocol.name !== g.protocolName)) {
      return no(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (g.is('PreparingRebalance')) return no(ErrorCode.REBALANCE_IN_PROGRESS);
    this.touchSession(g, m);
    if (g.is('Stable')) return { errorCode: 0, assignment: m.assignment };
    // CompletingRebalance: park until the leader's assignment arrives.
    const parked = new Promise<SyncResult>((resolve) => {
      m.awaitingSync?.(no(ErrorCode.REBALANCE_IN_PROGRESS));
      m.awaitingSync = resolve;
    });
    if (m.memberId === g.leaderId) {
      const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const x of g.members.values()) x.assignment = given.get(x.memberId) ?? Buffer.alloc(0);
      this.setState(g, 'Stable');
      this.rebalanceCompleted(g);
      for (const x of g.members.values()) {
        const respond = x.awaitingSync;
        x.awaitingSync = null;
        respond?.({ errorCode: 0, assignment: x.assignment });
      }
    }
    return parked;
  }

  // ---- Heartbeat ----

  heartbeat(groupId: string, member: { memberId: string; groupInstanceId: string | null }, generationId: number): number {
    const g = this.groups.get(groupId);
    if (!g) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const denied = g.memberError(member.memberId, member.groupInstanceId);
    if (denied !== 0) return denied;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.touchSession(g, g.members.get(member.memberId)!);
    return g.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : 0;
  }

  // ---- LeaveGroup ----

  /**
   * As Kafka's classicGroupLeave: an empty member id removes a static member by its instance id
   * (administrative removal); a pending member id just goes; any other must pass memberError.
   * groupErrorCode: the group's own error (unknown, dead), which v3+ answers alone at the top.
   */
  leave(groupId: string, who: { memberId: string; groupInstanceId: string | null }[]): { errorCode: number; groupErrorCode: number; members: number[] } {
    const g = this.groups.get(groupId);
    if (!g) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, groupErrorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: who.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    if (g.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groupErrorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: who.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE) };
    const codes = who.map((w) => {
      const pendingTimer = g.pending.get(w.memberId);
      if (w.memberId !== '' && pendingTimer) {
        clearTimeout(pendingTimer);
        g.pending.delete(w.memberId);
        // Kafka counts a pending member among those that left: the group rebalances as for a member.
        if (g.is('Stable', 'CompletingRebalance')) this.prepareRebalance(g, `pending member ${w.memberId} left (leave-group)`);
        this.tryCompleteJoin(g);
        return 0;
      }
      let m: Member | undefined;
      if (w.memberId === '') {
        m = w.groupInstanceId !== null ? g.staticMember(w.groupInstanceId) : undefined;
        if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
      } else {
        const denied = g.memberError(w.memberId, w.groupInstanceId);
        if (denied !== 0) return denied;
        m = g.members.get(w.memberId)!;
      }
      m.awaitingJoin?.(fail(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
      m.awaitingJoin = null;
      this.removeMember(g, m, 'leave-group');
      return 0;
    });
    return { errorCode: codes.length === 1 ? codes[0]! : 0, groupErrorCode: 0, members: codes };
  }

  // ---- OffsetCommit, TxnOffsetCommit ----

  /**
   * Whether a member's (Txn)OffsetCommit may be written (Kafka's OffsetMetadataManager): a group
   * that does not exist takes commits without a generation only (a simple consumer's group).
   */
  offsetCommitError(
    groupId: string,
    member: { memberId: string; groupInstanceId: string | null; generationId: number },
    transactional: boolean,
  ): number {
    const g = this.groups.get(groupId);
    if (!g) return member.generationId < 0 ? 0 : ErrorCode.ILLEGAL_GENERATION;
    return g.offsetCommitError(member.memberId, member.groupInstanceId, member.generationId, transactional);
  }

  // ---- membership housekeeping ----

  private touchSession(g: Group, m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => {
      m.sessionTimer = null;
      if (g.members.get(m.memberId) !== m) return;
      // A member parked in JoinGroup or SyncGroup is alive by definition.
      if (m.awaitingJoin || m.awaitingSync) return this.touchSession(g, m);
      this.removeMember(g, m, 'session-timeout');
    }, m.sessionTimeoutMs);
  }

  /** Removes a member; unless told otherwise, starts or advances the rebalance that follows. */
  private removeMember(g: Group, m: Member, reason: MemberLeaveReason, rebalance = true): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    m.sessionTimer = null;
    g.members.delete(m.memberId);
    if (g.leaderId === m.memberId) g.leaderId = g.members.keys().next().value ?? null;
    this.emit({ type: 'group.member.left', at: this.now(), groupId: g.groupId, memberId: m.memberId, reason });
    if (!rebalance) return;
    if (g.is('Stable', 'CompletingRebalance')) this.prepareRebalance(g, `member ${m.memberId} left (${reason})`);
    this.tryCompleteJoin(g);
  }

  // ---- admin ----

  describe(groupId: string): GroupSnapshot {
    const g = this.groups.get(groupId);
    if (!g) {
      return { groupId, state: 'Dead', generationId: -1, protocolType: '', protocolName: '', leaderId: null, members: [] };
    }
    const stable = g.is('Stable');
    return {
      groupId,
      state: g.state,
      generationId: g.generationId,
      protocolType: g.protocolType ?? '',
      protocolName: g.protocolName ?? '',
      leaderId: g.leaderId,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        // Kafka shows protocol metadata and assignments only once the group is Stable.
        metadata: stable ? g.metadataFor(m, g.protocolName) : Buffer.alloc(0),
        assignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  list(): { groupId: string; protocolType: string; state: GroupState }[] {
    return [...this.groups.values()]
      .filter((g) => !g.is('Dead'))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }

  /** Deletes an Empty group (its offsets go with it, in the caller). */
  delete(groupId: string): number {
    const g = this.groups.get(groupId);
    if (!g || g.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!g.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
    this.setState(g, 'Dead');
    this.groups.delete(groupId);
    this.emit({ type: 'group.deleted', at: this.now(), groupId });
    return 0;
  }

  close(): void {
    for (const g of this.groups.values()) {
      if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
      for (const t of g.pending.values()) clearTimeout(t);
      for (const m of g.members.values()) if (m.sessionTimer) clearTimeout(m.sessionTimer);
    }
  }
}
