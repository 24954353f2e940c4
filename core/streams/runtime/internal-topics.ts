// Before the first join: the source topics must exist and be co-partitioned, and the app's own
// topics (changelogs, compacted; repartition topics) are created to match, as Kafka Streams'
// InternalTopicManager does. Returns the number of tasks of each sub-topology.
import type { Admin } from 'kafkajs';
import type { Topology } from '../topology/topology.js';
import { changelogTopics } from './tasks.js';

/** A source or output topic the app needs does not exist. */
export class MissingTopicError extends Error {
  override readonly name = 'MissingTopicError';
}

export class InternalTopicError extends Error {
  override readonly name = 'InternalTopicError';
}

export async function prepareTopics(admin: Admin, topology: Topology, replicationFactor: number): Promise<Map<number, number>> {
  const internal = new Set([...topology.repartitionTopics(), ...topology.subtopologies.flatMap((s) => changelogTopics(topology, s.id))]);
  // listTopics has no side effect; a metadata request could auto-create a missing source topic.
  const existing = new Set(await admin.listTopics());
  const external = [...new Set(topology.sourceTopics().filter((t) => !internal.has(t)))];
  const missingTopics = (role: string, topics: string[]) => {
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    const many = missing.length > 1;
    throw new MissingTopicError(
      `${role} topic${many ? 's' : ''} ${missing.map((t) => `'${t}'`).join(', ')} do${many ? '' : 'es'} not exist; create ${many ? 'them' : 'it'} first`,
    );
  };
  missingTopics('source', external);
  // Output topics too: sending to a missing topic would only fail after the producer's long
  // metadata wait, mid-processing; saying so before the first join is clearer.
  missingTopics('output', topology.sinkTopics().filter((t) => !internal.has(t)));
  const partitionsOf = new Map<string, number>();
  const known = [...existing].filter((t) => external.includes(t) || internal.has(t));
  if (known.length > 0) {
    const { topics } = await admin.fetchTopicMetadata({ topics: known });
    for (const t of topics) partitionsOf.set(t.name, t.partitions.length);
  }

  // Sub-topologies fed by external topics first; a repartition topic gets its writer's count.
  const taskCounts = new Map<number, number>();
  const pending = [...topology.subtopologies];
  while (pending.length > 0) {
    const i = pending.findIndex((s) => s.sourceTopics.every((t) => !internal.has(t) || writerCount(t) !== undefined));
    if (i < 0) throw new InternalTopicError('the sub-topologies read each other in a cycle');
    const sub = pending.splice(i, 1)[0]!;
    const counts = sub.sourceTopics.map((t) => (internal.has(t) ? writerCount(t)! : partitionsOf.get(t)!));
    if (new Set(counts).size > 1) {
      const detail = sub.sourceTopics.map((t, k) => `${t}: ${counts[k]}`).join(', ');
      throw new InternalTopicError(`source topics of sub-topology ${sub.id} are not co-partitioned (${detail}); they need the same partition count`);
    }
    taskCounts.set(sub.id, counts[0] ?? 0);
  }

  const wanted: { topic: string; numPartitions: number; compact: boolean }[] = [];
  for (const topic of topology.repartitionTopics()) wanted.push({ topic, numPartitions: writerCount(topic)!, compact: false });
  for (const sub of topology.subtopologies) {
    for (const topic of changelogTopics(topology, sub.id)) wanted.push({ topic, numPartitions: taskCounts.get(sub.id)!, compact: true });
  }
  for (const w of wanted) {
    const have = partitionsOf.get(w.topic);
    if (have !== undefined && have !== w.numPartitions) {
      throw new InternalTopicError(`internal topic '${w.topic}' has ${have} partitions but the app needs ${w.numPartitions}; delete it or fix the source topics`);
    }
  }
  const toCreate = wanted.filter((w) => !partitionsOf.has(w.topic));
  if (toCreate.length > 0) {
    // Another instance may create them at the same moment; kafkajs treats "already exists" as done.
    await admin.createTopics({
      waitForLeaders: true,
      topics: toCreate.map((w) => ({
        topic: w.topic,
        numPartitions: w.numPartitions,
        replicationFactor,
        configEntries: [{ name: 'cleanup.policy', value: w.compact ? 'compact' : 'delete' }],
      })),
    });
  }
  return taskCounts;

  function writerCount(topic: string): number | undefined {
    const writer = topology.subtopologies.find((s) => s.sinkTopics.includes(topic));
    return writer === undefined ? undefined : taskCounts.get(writer.id);
  }
}
