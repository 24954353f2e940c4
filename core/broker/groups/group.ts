// A classic-protocol consumer group: its state, members and current generation. The legal
// state transitions are one table, checked on every change (Kafka's GroupMetadata.scala).

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

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }
}
