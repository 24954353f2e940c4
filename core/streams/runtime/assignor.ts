// The group's partition assignor: whole tasks to members, balanced, and sticky (a member keeps the
// tasks it reports owning when balance allows), so a rebalance moves only the tasks it must and
// restores as little state as possible. Runs in the group leader; every member sends its tasks.
import { AssignerProtocol } from 'kafkajs';
import type { PartitionAssigner } from 'kafkajs';
import type { Topology } from '../topology/topology.js';
import { byTopic, sortTasks, taskId, taskPartitions } from './tasks.js';
import type { TaskId } from './tasks.js';

export const ASSIGNOR_NAME = 'streamwatch-streams';
const VERSION = 1;

interface MemberUserData {
  tasks: TaskId[];
}

function readUserData(buf: Buffer | null | undefined): MemberUserData {
  if (buf === null || buf === undefined || buf.length === 0) return { tasks: [] };
  try {
    const data = JSON.parse(buf.toString('utf8')) as Partial<MemberUserData>;
    return { tasks: Array.isArray(data.tasks) ? data.tasks.filter((t): t is string => typeof t === 'string') : [] };
  } catch {
    return { tasks: [] };
  }
}

/**
 * Balanced sticky assignment of `tasks` to `members` (member id → tasks it owned before).
 * Pure, so it is tested on its own. No member ends with more than one task above another.
 */
export function assignTasks(tasks: readonly TaskId[], members: ReadonlyMap<string, readonly TaskId[]>): Map<string, TaskId[]> {
  const ids = [...members.keys()].sort();
  const result = new Map<string, TaskId[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const cap = Math.ceil(tasks.length / ids.length);
  const open = new Set(tasks);
  for (const id of ids) {
    const mine = result.get(id)!;
    for (const t of members.get(id) ?? []) {
      if (mine.length >= cap) break;
      if (open.delete(t)) mine.push(t);
    }
  }
  const fewest = () => ids.reduce((best, id) => (result.get(id)!.length < result.get(best)!.length ? id : best));
  const most = () => ids.reduce((best, id) => (result.get(id)!.length > result.get(best)!.length ? id : best));
  for (const t of sortTasks(open)) result.get(fewest())!.push(t);
  for (;;) {
    const from = result.get(most())!;
    const to = result.get(fewest())!;
    if (from.length - to.length <= 1) break;
    to.push(from.pop()!);
  }
  for (const [id, list] of result) result.set(id, sortTasks(list));
  return result;
}

/** kafkajs assigner for `topology`; `ownedTasks` says what this member holds when it joins. */
export function streamsAssignor(topology: Topology, ownedTasks: () => TaskId[]): PartitionAssigner {
  return ({ cluster }) => ({
    name: ASSIGNOR_NAME,
    version: VERSION,
    protocol({ topics }) {
      const userData = Buffer.from(JSON.stringify({ tasks: ownedTasks() } satisfies MemberUserData));
      return { name: ASSIGNOR_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData }) };
    },
    async assign({ members }) {
      const tasks: TaskId[] = [];
      for (const sub of topology.subtopologies) {
        let count = 0;
        for (const topic of sub.sourceTopics) count = Math.max(count, cluster.findTopicPartitionMetadata(topic).length);
        for (let p = 0; p < count; p++) tasks.push(taskId(sub.id, p));
      }
      const owned = new Map<string, TaskId[]>();
      for (const m of members) {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        owned.set(m.memberId, readUserData(meta?.userData).tasks);
      }
      const plan = assignTasks(tasks, owned);
      return members.map((m) => {
        const mine = plan.get(m.memberId) ?? [];
        const assignment: Record<string, number[]> = {};
        for (const { topic, partitions } of byTopic(mine.flatMap((t) => taskPartitions(topology, t)))) assignment[topic] = partitions;
        const userData = Buffer.from(JSON.stringify({ tasks: mine } satisfies MemberUserData));
        return { memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment, userData }) };
      });
    },
  });
}
