// Partition leaders of the topics the monitor reads ends for, from core/client's metadata,
// refreshed rarely (topics and leaders change slowly): when a topic is not known yet, when the
// last read found a partition without a leader or answered with an error, and otherwise every
// maxAgeMs (Kafka's clients refresh every metadata.max.age.ms, 5 min; the console wants a new or
// deleted topic seen sooner).
import type { KafkaClient } from '../client/client.js';

export const METADATA_MAX_AGE_MS = 30_000;

export class TopicLeaders {
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private stale = true;

  constructor(
    private readonly client: KafkaClient,
    private readonly maxAgeMs = METADATA_MAX_AGE_MS,
  ) {}

  /** The next call refreshes first (a leader moved, a partition answered with an error). */
  invalidate(): void {
    this.stale = true;
  }

  /** Whether the next call will refresh. */
  due(topics: ReadonlySet<string>, now: number): boolean {
    const known = this.client.metadata.topics;
    return this.stale || now - this.refreshedAt >= this.maxAgeMs || [...topics].some((t) => !known.has(t));
  }

  /** Of `topics`, those that exist: topic → partition → leader (−1 for none). */
  async of(topics: ReadonlySet<string>, now: number): Promise<Map<string, Map<number, number>>> {
    if (topics.size > 0 && this.due(topics, now)) {
      await this.client.refreshMetadata([...topics]);
      this.refreshedAt = now;
      this.stale = false;
    }
    const out = new Map<string, Map<number, number>>();
    for (const name of topics) {
      const t = this.client.metadata.topics.get(name);
      if (!t || t.errorCode !== 0) continue;
      out.set(name, new Map([...t.partitions.values()].map((p) => [p.partition, p.leader])));
    }
    return out;
  }
}
