// A classic-protocol consumer group: its state, members and current generation. The legal
// state transitions are one table, checked on every change (Kafka's GroupMetadata.scala).
import { ErrorCode } from '../../protocol/errors.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const TRANSITIONS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance', 'Dead'],
  PreparingRebalance: ['CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['Stable', 'PreparingRebalance', 'Dead'],
  Stable: ['PreparingRebalance', 'Dead'],
  Dead: [],
};

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  assignment: Buffer;
}

export interface Member {
  readonly memberId: string;
  groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  /** Set while the member's JoinGroup is parked, waiting for the rebalance to complete. */
  awaitingJoin: ((r: JoinResult) => void) | null;
  awaitingSync: ((r: SyncResult) => void) | null;
  sessionTimer: NodeJS.Timeout | null;
  joinedAt: number;
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet, with their expiry timers. */
  readonly pending = new Map<string, NodeJS.Timeout>();
  rebalanceTimer: NodeJS.Timeout | null = null;
  rebalanceStartedAt = 0;
  rebalanceReason = '';
  /** During the initial delay after an empty group's first join: when the delay may end at the latest. */
  initialDelayDeadline = 0;

  constructor(readonly groupId: string) {}

  transition(to: GroupState): void {
    if (!TRANSITIONS[this.state].includes(to)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${to}`);
    }
    this.state = to;
  }

  is(...states: GroupState[]): boolean {
    return states.includes(this.state);
  }

  /** The protocol every member supports that most members list first among those (Kafka's vote). */
  selectProtocol(): string | null {
    const members = [...this.members.values()];
    if (members.length === 0) return null;
    const candidates = members[0]!.protocols
      .map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => candidates.includes(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best: string | null = null;
    for (const name of candidates) if (best === null || (votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  /** Whether a joining member's protocols fit the group's type and leave at least one in common. */
  supports(protocolType: string, protocols: { name: string }[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    if (protocolType !== this.protocolType) return false;
    const others = [...this.members.values()];
    return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  metadataFor(m: Member, protocol: string | null): Buffer {
    return m.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0);
  }

  allMembersJoined(): boolean {
    for (const m of this.members.values()) if (!m.awaitingJoin) return false;
    return this.pending.size === 0;
  }

  /** The current member registered under a group.instance.id (KIP-345), if any. */
  staticMember(groupInstanceId: string): Member | undefined {
    for (const m of this.members.values()) if (m.groupInstanceId === groupInstanceId) return m;
    return undefined;
  }

  /**
   * Kafka's ClassicGroup.validateMember: a request naming a group.instance.id must come from the
   * member id now registered for it, or it is an old incarnation (FENCED_INSTANCE_ID) — it must
   * stop rather than rejoin and take the id back. 0 when the member may go on.
   */
  memberError(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = this.staticMember(groupInstanceId);
      if (!current) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current.memberId !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * Kafka's ClassicGroup.validateOffsetCommit, for OffsetCommit and TxnOffsetCommit: simple
   * consumers (no generation, member or instance id) may commit to an Empty group; members must
   * be current. Transactional commits are not held to the group's state.
   */
  offsetCommitError(memberId: string, groupInstanceId: string | null, generationId: number, transactional: boolean): number {
    if (this.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.is('Empty')) return 0;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      const denied = this.memberError(memberId, groupInstanceId);
      if (denied !== 0) return denied;
      if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!transactional && !this.is('Empty')) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // The member has the new generation from JoinGroup but not its assignment yet: let it retry.
    if (!transactional && this.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return 0;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }
}
