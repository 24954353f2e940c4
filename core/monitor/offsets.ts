// Committed offsets and partition end offsets, through kafkajs where it can and raw requests
// where it cannot. kafkajs's admin.fetchTopicOffsets sends ListOffsets without an isolation
// level, which its request encoders default to READ_COMMITTED: what it calls `high` is the last
// stable offset (LSO), not the high watermark. The high watermark comes from a raw ListOffsets
// with read_uncommitted, sent to each partition's leader.
import type { Admin } from 'kafkajs';
import { partitionKey } from '../protocol/topic-partition.js';

/** "topic\0partition" → committed offset; partitions without one are absent. */
export type CommittedOffsets = Map<string, number>;

export interface PartitionEnds {
  /** The high watermark, or the LSO when it could not be read raw. */
  highWatermark: number;
  lastStable: number;
  leader: number;
}

export async function committedOffsets(admin: Admin, groupId: string): Promise<CommittedOffsets> {
  const out: CommittedOffsets = new Map();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
    for (const p of partitions) {
      const offset = Number(p.offset);
      if (offset >= 0) out.set(partitionKey(topic, p.partition), offset);
    }
  }
  return out;
}

export type HighWatermarkReader = (byLeader: Map<number, Map<string, number[]>>) => Promise<Map<string, number>>;

export interface EndOffsets {
  /** "topic\0partition" → ends; a partition of an existing topic is missing when its LSO could not be read. */
  byPartition: Map<string, PartitionEnds>;
  /** Those of the asked-for topics that exist. */
  existing: Set<string>;
  /** Why some could not be read. */
  failures: string[];
}

export async function endOffsets(admin: Admin, topics: ReadonlySet<string>, readHighWatermarks: HighWatermarkReader | null): Promise<EndOffsets> {
  const ends = new Map<string, PartitionEnds>();
  const failures: string[] = [];
  if (topics.size === 0) return { byPartition: ends, existing: new Set(), failures };
  const { topics: metadata } = await admin.fetchTopicMetadata();
  const existing = metadata.filter((t) => topics.has(t.name));
  const leaders = new Map<string, number>();
  const byLeader = new Map<number, Map<string, number[]>>();
  for (const t of existing) {
    for (const p of t.partitions) {
      leaders.set(partitionKey(t.name, p.partitionId), p.leader);
      const perTopic = byLeader.get(p.leader) ?? new Map<string, number[]>();
      byLeader.set(p.leader, perTopic);
      perTopic.set(t.name, [...(perTopic.get(t.name) ?? []), p.partitionId]);
    }
  }
  const [stable, high] = await Promise.all([
    Promise.allSettled(existing.map(async (t) => ({ topic: t.name, offsets: await admin.fetchTopicOffsets(t.name) }))),
    readHighWatermarks ? readHighWatermarks(byLeader) : Promise.resolve(new Map<string, number>()),
  ]);
  stable.forEach((r, i) => {
    if (r.status === 'rejected') {
      failures.push(`end offsets of ${existing[i]!.name}: ${(r.reason as Error).message}`);
      return;
    }
    for (const o of r.value.offsets) {
      const key = partitionKey(r.value.topic, o.partition);
      const lastStable = Number(o.high);
      ends.set(key, { lastStable, highWatermark: Math.max(lastStable, high.get(key) ?? lastStable), leader: leaders.get(key) ?? -1 });
    }
  });
  return { byPartition: ends, existing: new Set(existing.map((t) => t.name)), failures };
}
