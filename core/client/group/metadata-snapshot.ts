// What the group leader assigned with (ConsumerCoordinator.MetadataSnapshot): the partition
// count of every subscribed topic that exists. The leader keeps the one it assigned with
// (assignmentSnapshot) and compares it with the metadata it refreshes every metadata.max.age.ms;
// a difference — partitions added, a subscribed topic created or deleted — means the assignment
// no longer covers the topics, so the leader rejoins (rejoinNeededOrPending).
import type { ClusterMetadata } from '../metadata.js';

export type MetadataSnapshot = ReadonlyMap<string, number>;

/** Kafka's metadata.max.age.ms default (5 min). */
export const METADATA_MAX_AGE_MS_DEFAULT = 300_000;

/** Partition counts of `topics` that exist (a topic the cluster does not know is left out). */
export function snapshotOf(cluster: ClusterMetadata, topics: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of topics) {
    const n = cluster.partitionCount(t);
    if (n !== null) counts.set(t, n);
  }
  return counts;
}

export function sameSnapshot(a: MetadataSnapshot, b: MetadataSnapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [topic, n] of a) if (b.get(topic) !== n) return false;
  return true;
}

/** `{in=2, out=4}`, topics sorted: for the rejoin reason. */
export function describeSnapshot(s: MetadataSnapshot): string {
  return `{${[...s].sort(([x], [y]) => x.localeCompare(y)).map(([topic, n]) => `${topic}=${n}`).join(', ')}}`;
}

/**
 * The rejoin reasons Kafka gives (ConsumerCoordinator.rejoinNeededOrPending): the short one goes
 * into JoinGroup's reason (KIP-800), the full one is what Kafka logs.
 */
export function metadataChangedReason(assigned: MetadataSnapshot, now: MetadataSnapshot): { short: string; full: string } {
  return {
    short: 'cached metadata has changed',
    full: `cached metadata has changed from ${describeSnapshot(assigned)} at the beginning of the rebalance to ${describeSnapshot(now)}`,
  };
}
