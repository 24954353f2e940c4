// Rebalances as seen from outside the group. DescribeGroups has no generation id, so the
// tracker infers them from what successive polls show:
//   - a settled group (Stable or Empty) turning PreparingRebalance / CompletingRebalance starts
//     one ('started', carrying the generation being left);
//   - settling again completes it ('completed', carrying the new generation, the duration, the
//     members before and after, and the partitions whose owner changed);
//   - a settled group whose members or assignment changed between two polls had a rebalance the
//     polls missed: 'completed' with no duration.
// The generation counts completed rebalances since the group was first seen (0 then), unless a
// hosted instance reported the real one (noteGeneration), which wins from then on. A static
// member (group.instance.id) that restarts and rejoins gets a new member id but keeps its
// assignment and causes no rebalance (KIP-345): members are compared by their static identity.
import type { GroupRebalanceEvent } from './types.js';
import { parsePartitionKey, partitionKey } from '../protocol/topic-partition.js';

export type RebalanceEvent = GroupRebalanceEvent;
type Moved = RebalanceEvent['moved'][number];

export interface GroupObservation {
  state: string;
  members: { memberId: string; groupInstanceId?: string | null; assignment: { topic: string; partitions: number[] }[] }[];
}

interface Settled {
  members: string[];
  owners: Map<string, string>;
  /** member id → group.instance.id, else the member id: what stays the same across a static rejoin. */
  identity: Map<string, string>;
}

interface Tracked {
  generation: number;
  /** A hosted instance reported the real generation: older reports are stale. */
  real: boolean;
  /** The generation when the group was last seen settled. */
  settledGeneration: number;
  settled: Settled | null;
  rebalance: { startedAt: number } | null;
}

const SETTLED_STATES = new Set(['Stable', 'Empty']);
const REBALANCING_STATES = new Set(['PreparingRebalance', 'CompletingRebalance']);

function settledView(obs: GroupObservation): Settled {
  const owners = new Map<string, string>();
  for (const m of obs.members) {
    for (const { topic, partitions } of m.assignment) for (const p of partitions) owners.set(partitionKey(topic, p), m.memberId);
  }
  return { members: obs.members.map((m) => m.memberId).sort(), owners, identity: new Map(obs.members.map((m) => [m.memberId, m.groupInstanceId ?? m.memberId])) };
}

function cause(before: readonly string[], after: readonly string[]): string {
  const joined = after.some((m) => !before.includes(m));
  const left = before.some((m) => !after.includes(m));
  if (joined && !left) return 'member joined';
  if (left && !joined) return 'member left';
  return 'unknown';
}

function movedPartitions(before: Settled, after: Settled): Moved[] {
  const keys = new Set([...before.owners.keys(), ...after.owners.keys()]);
  const moved: Moved[] = [];
  for (const key of keys) {
    const from = before.owners.get(key) ?? null;
    const to = after.owners.get(key) ?? null;
    if (from === to) continue;
    moved.push({ ...parsePartitionKey(key), from, to });
  }
  return moved.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The same members (by static identity) owning the same partitions. */
function sameSettled(a: Settled, b: Settled): boolean {
  const who = (s: Settled, memberId: string) => s.identity.get(memberId) ?? memberId;
  const members = (s: Settled) => s.members.map((m) => who(s, m)).sort().join('\0');
  if (members(a) !== members(b) || a.owners.size !== b.owners.size) return false;
  for (const [key, owner] of a.owners) {
    const other = b.owners.get(key);
    if (other === undefined || who(b, other) !== who(a, owner)) return false;
  }
  return true;
}

export class RebalanceTracker {
  private readonly groups = new Map<string, Tracked>();

  generation(groupId: string): number | null {
    return this.groups.get(groupId)?.generation ?? null;
  }

  /** The real generation, from a hosted instance's telemetry. Older reports are ignored. */
  noteGeneration(groupId: string, generation: number): void {
    const g = this.groups.get(groupId);
    if (!g) {
      this.groups.set(groupId, { generation, real: true, settledGeneration: generation, settled: null, rebalance: null });
    } else if (!g.real || generation >= g.generation) {
      g.generation = generation;
      g.real = true;
    }
  }

  forget(groupId: string): void {
    this.groups.delete(groupId);
  }

  observe(groupId: string, obs: GroupObservation, now: number): RebalanceEvent[] {
    let g = this.groups.get(groupId);
    if (!g) {
      g = { generation: 0, real: false, settledGeneration: 0, settled: null, rebalance: null };
      this.groups.set(groupId, g);
    }
    const current = settledView(obs);
    const base = { type: 'group.rebalance' as const, groupId };

    if (REBALANCING_STATES.has(obs.state)) {
      if (g.rebalance || !g.settled) {
        // Already under way, or under way since before the group was first seen.
        return [];
      }
      g.rebalance = { startedAt: now };
      return [
        {
          ...base,
          generation: g.generation,
          phase: 'started',
          cause: cause(g.settled.members, current.members),
          durationMs: null,
          membersBefore: g.settled.members,
          membersAfter: current.members,
          moved: [],
        },
      ];
    }

    if (!SETTLED_STATES.has(obs.state)) return [];
    const before = g.settled;
    const rebalance = g.rebalance;
    g.settled = current;
    g.rebalance = null;
    if (!before || (!rebalance && sameSettled(before, current))) {
      g.settledGeneration = g.generation;
      return [];
    }
    // A generation reported since the group was last settled is already the new one.
    if (g.generation === g.settledGeneration) g.generation += 1;
    g.settledGeneration = g.generation;
    return [
      {
        ...base,
        generation: g.generation,
        phase: 'completed',
        cause: cause(before.members, current.members),
        durationMs: rebalance ? now - rebalance.startedAt : null,
        membersBefore: before.members,
        membersAfter: current.members,
        moved: movedPartitions(before, current),
      },
    ];
  }
}
