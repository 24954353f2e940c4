// Task ids and the topic-partitions a task owns. A task is one partition of a sub-topology: the
// same partition of each co-partitioned source topic (what the group assigns), plus that
// partition of each changelog of the sub-topology's stores (read by the restore reader, outside
// the group).
import type { TopicPartition } from '../../protocol/consumer-protocol.js';
import type { Topology } from '../topology/topology.js';

export type TaskId = string;

export type { TopicPartition } from '../../protocol/consumer-protocol.js';

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

export function sortTasks(ids: Iterable<TaskId>): TaskId[] {
  return [...ids].sort((a, b) => {
    const x = parseTaskId(a);
    const y = parseTaskId(b);
    return x.subtopology - y.subtopology || x.partition - y.partition;
  });
}
