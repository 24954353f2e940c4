// Partition end offsets for lag: the last stable offset (LSO, where a read_committed consumer's
// lag ends) and the high watermark, each from one ListOffsets per leader for all its partitions
// (read_committed and read_uncommitted respectively), as kafka-lag-exporter asks them.
import { partitionKey } from '../protocol/topic-partition.js';

/** "topic\0partition" → committed offset; partitions without one are absent. */
export type CommittedOffsets = Map<string, number>;

export interface PartitionEnds {
  /** The high watermark, or the LSO when it could not be read. */
  highWatermark: number;
  lastStable: number;
  leader: number;
}

export interface EndOffsets {
  /** "topic\0partition" → ends; a partition of an existing topic is missing when its LSO could not be read. */
  byPartition: Map<string, PartitionEnds>;
  /** Those of the asked-for topics that exist. */
  existing: Set<string>;
  /** Why some could not be read. */
  failures: string[];
}

export type Isolation = 'read_committed' | 'read_uncommitted';

/** One ListOffsets (latest) to a node for these partitions: topic → partition → offset; partitions in error are absent. */
export type LatestOffsetsReader = (nodeId: number, topics: Map<string, number[]>, isolation: Isolation) => Promise<Map<string, Map<number, number>>>;

export interface ReadEnds extends EndOffsets {
  /** Why high watermarks could not be read (lag then ends at the LSO). */
  highWatermarkFailures: string[];
  /** Partitions without a leader or whose leader answered with an error: metadata is due. */
  unanswered: number;
}

/**
 * End offsets of every partition of `topics` (the existing ones: topic → partition → leader, −1
 * for none), two requests per leader.
 */
export async function endOffsets(
  topics: ReadonlyMap<string, ReadonlyMap<number, number>>,
  read: LatestOffsetsReader,
  describe: (e: unknown) => string,
): Promise<ReadEnds> {
  const byLeader = new Map<number, Map<string, number[]>>();
  let unanswered = 0;
  for (const [topic, partitions] of topics) {
    for (const [partition, leader] of partitions) {
      if (leader < 0) {
        unanswered++;
        continue;
      }
      const perTopic = byLeader.get(leader) ?? new Map<string, number[]>();
      byLeader.set(leader, perTopic);
      const list = perTopic.get(topic) ?? [];
      perTopic.set(topic, list);
      list.push(partition);
    }
  }
  const byPartition = new Map<string, PartitionEnds>();
  const failures: string[] = [];
  const highWatermarkFailures: string[] = [];
  await Promise.all(
    [...byLeader].map(async ([leader, asked]) => {
      const [stable, high] = await Promise.allSettled([read(leader, asked, 'read_committed'), read(leader, asked, 'read_uncommitted')]);
      if (high.status === 'rejected') highWatermarkFailures.push(`broker ${leader}: ${describe(high.reason)}`);
      if (stable.status === 'rejected') {
        failures.push(`end offsets from broker ${leader}: ${describe(stable.reason)}`);
        return;
      }
      for (const [topic, partitions] of asked) {
        for (const partition of partitions) {
          const lastStable = stable.value.get(topic)?.get(partition);
          if (lastStable === undefined) {
            unanswered++;
            continue;
          }
          const hw = high.status === 'fulfilled' ? high.value.get(topic)?.get(partition) : undefined;
          byPartition.set(partitionKey(topic, partition), { lastStable, highWatermark: Math.max(lastStable, hw ?? lastStable), leader });
        }
      }
    }),
  );
  return { byPartition, existing: new Set(topics.keys()), failures, highWatermarkFailures, unanswered };
}
