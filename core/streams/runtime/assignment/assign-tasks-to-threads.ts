// Within one client (a KafkaStreams instance), its tasks over its stream threads = group members,
// as StreamsPartitionAssignor.assignTasksToThreads does: stateful actives first, then standbys
// (warm-ups included), then stateless actives, each round balanced on top of the load the earlier
// rounds left (every thread within one task of the others). A stateful task goes back to the thread
// that had it, least lag first, while that thread is below the minimum; stateless tasks are
// interleaved without regard to previous owners.
import { sortTasks, type TaskId } from '../tasks.js';
import type { ClientAssignment } from './high-availability-assignor.js';

export interface ThreadInput {
  memberId: string;
  /** The member's own SubscriptionInfo offset sums: the stateful tasks it had state for. */
  taskOffsetSums: ReadonlyMap<TaskId, number>;
}

export type ThreadAssignment = ClientAssignment;

/** One round of StreamsPartitionAssignor.assignTasksToThreads; `threadLoad` carries over rounds. */
export function assignTasksToThreads(
  tasksToAssign: readonly TaskId[],
  previousTasksByLag: ((consumer: string) => readonly TaskId[]) | null,
  consumers: readonly string[],
  threadLoad: Map<string, number>,
): Map<string, TaskId[]> {
  const assignment = new Map(consumers.map((c): [string, TaskId[]] => [c, []]));
  const load = (c: string) => threadLoad.get(c) ?? 0;
  const count = (c: string) => assignment.get(c)!.length + load(c);
  let total = tasksToAssign.length;
  for (const n of threadLoad.values()) total += n;
  const minTasksPerThread = Math.floor(total / consumers.length);
  const unassigned = new Set(sortTasks(tasksToAssign)); // iteration order = task order: first = lowest
  const toFill: string[] = [];
  const skippedPreviousOwner = new Map<TaskId, string>();

  if (unassigned.size > 0) {
    // Previous owners first, up to the minimum per thread.
    for (const consumer of consumers) {
      const mine = assignment.get(consumer)!;
      const target = minTasksPerThread - load(consumer);
      for (const task of previousTasksByLag?.(consumer) ?? []) {
        if (!unassigned.has(task)) continue;
        if (mine.length < target) {
          mine.push(task);
          unassigned.delete(task);
        } else {
          skippedPreviousOwner.set(task, consumer);
        }
      }
      if (mine.length < target) toFill.push(consumer);
    }
    // Then the lowest remaining tasks, round-robin, until every thread has the minimum.
    while (toFill.length > 0) {
      const task = unassigned.values().next().value;
      if (task === undefined) throw new Error('ran out of unassigned tasks but some threads are below the minimum');
      unassigned.delete(task);
      const consumer = toFill.shift()!;
      assignment.get(consumer)!.push(task);
      if (count(consumer) < minTasksPerThread) toFill.push(consumer);
    }
    // What is left goes one each to threads still at the minimum, previous owners first.
    if (unassigned.size > 0) {
      toFill.push(...consumers.filter((c) => count(c) === minTasksPerThread));
      for (const task of sortTasks(skippedPreviousOwner.keys())) {
        const consumer = skippedPreviousOwner.get(task)!;
        const at = toFill.indexOf(consumer);
        if (at >= 0 && unassigned.delete(task)) {
          assignment.get(consumer)!.push(task);
          toFill.splice(at, 1);
        }
      }
      for (const task of unassigned) assignment.get(toFill.shift()!)!.push(task);
    }
  }
  for (const [consumer, tasks] of assignment) threadLoad.set(consumer, load(consumer) + tasks.length);
  return assignment;
}

/**
 * The client's active, standby and warm-up tasks spread over its members. `lags` is the client's
 * lag per stateful task (HighAvailabilityAssignment.lags); tasks without one are stateless.
 */
export function assignClientTasksToThreads(
  client: ClientAssignment,
  members: readonly ThreadInput[],
  lags: ReadonlyMap<TaskId, number>,
): Map<string, ThreadAssignment> {
  const consumers = members.map((m) => m.memberId).sort();
  const previous = new Map(members.map((m) => [m.memberId, [...m.taskOffsetSums.keys()]]));
  // ClientState.prevTasksByLag: the member's stateful tasks, least lag first, then task order.
  const previousTasksByLag = (consumer: string) =>
    sortTasks((previous.get(consumer) ?? []).filter((t) => lags.has(t))).sort((a, b) => lags.get(a)! - lags.get(b)!);
  const threadLoad = new Map<string, number>();
  const statefulActive = assignTasksToThreads(client.active.filter((t) => lags.has(t)), previousTasksByLag, consumers, threadLoad);
  const standby = assignTasksToThreads([...client.standby, ...client.warmup], previousTasksByLag, consumers, threadLoad);
  const statelessActive = assignTasksToThreads(client.active.filter((t) => !lags.has(t)), null, consumers, threadLoad);
  const warmups = new Set(client.warmup);
  return new Map(
    consumers.map((c) => {
      const copies = sortTasks(standby.get(c)!);
      return [c, { active: sortTasks([...statefulActive.get(c)!, ...statelessActive.get(c)!]), standby: copies.filter((t) => !warmups.has(t)), warmup: copies.filter((t) => warmups.has(t)) }];
    }),
  );
}
