// Task ids and the topic-partitions a task owns. A task is one partition of a sub-topology: the
// same partition of each co-partitioned source topic, plus that partition of each changelog of
// the sub-topology's stores (the runtime restores through the group consumer, see README).
import type { Topology } from '../topology/topology.js';

export type TaskId = string;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function taskId(subtopology: number, partition: number): TaskId {
  return `${subtopology}_${partition}`;
}

export function parseTaskId(id: TaskId): { subtopology: number; partition: number } {
  const m = /^(\d+)_(\d+)$/.exec(id);
  if (m === null) throw new RangeError(`'${id}' is not a task id (<subtopology>_<partition>)`);
  return { subtopology: Number(m[1]), partition: Number(m[2]) };
}

/** Changelog topics of a sub-topology's stores, in store order. */
export function changelogTopics(topology: Topology, subtopology: number): string[] {
  const sub = topology.subtopologies.find((s) => s.id === subtopology);
  if (sub === undefined) throw new RangeError(`no sub-topology ${subtopology}`);
  return sub.stores.map((name) => {
    const topic = topology.store(name).changelogTopic;
    if (topic === null) throw new Error('the topology has no application id: build it with one (or withApplicationId)');
    return topic;
  });
}

export function sourcePartitions(topology: Topology, id: TaskId): TopicPartition[] {
  const { subtopology, partition } = parseTaskId(id);
  const sub = topology.subtopologies.find((s) => s.id === subtopology);
  if (sub === undefined) throw new RangeError(`no sub-topology ${subtopology}`);
  return sub.sourceTopics.map((topic) => ({ topic, partition }));
}

export function changelogPartitions(topology: Topology, id: TaskId): TopicPartition[] {
  const { subtopology, partition } = parseTaskId(id);
  return changelogTopics(topology, subtopology).map((topic) => ({ topic, partition }));
}

/** Every topic-partition the task's owner must be assigned. */
export function taskPartitions(topology: Topology, id: TaskId): TopicPartition[] {
  return [...sourcePartitions(topology, id), ...changelogPartitions(topology, id)];
}

/** The tasks a group assignment implies: one per source partition; changelog partitions follow. */
export function tasksOfAssignment(topology: Topology, assignment: Readonly<Record<string, readonly number[]>>): TaskId[] {
  const ids = new Set<TaskId>();
  for (const [topic, partitions] of Object.entries(assignment)) {
    const sub = topology.subtopologyOf(topic);
    if (sub === undefined) continue;
    for (const p of partitions) ids.add(taskId(sub.id, p));
  }
  return sortTasks([...ids]);
}

export function sortTasks(ids: Iterable<TaskId>): TaskId[] {
  return [...ids].sort((a, b) => {
    const x = parseTaskId(a);
    const y = parseTaskId(b);
    return x.subtopology - y.subtopology || x.partition - y.partition;
  });
}

/** Group topic-partitions by topic, the shape kafkajs takes for pause/resume/offsets. */
export function byTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const tp of partitions) {
    const list = map.get(tp.topic) ?? [];
    list.push(tp.partition);
    map.set(tp.topic, list);
  }
  return [...map].map(([topic, ps]) => ({ topic, partitions: ps.sort((a, b) => a - b) }));
}
