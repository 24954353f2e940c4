// What the client knows about the cluster (the Java client's Metadata): brokers by node id, and
// per partition its leader and leader epoch. Updated from Metadata responses; a partition whose
// leader is unknown or whose request failed with a leader error is forgotten until the next
// refresh. An update never moves a partition back to an older leader epoch.
import type { MetadataResponse } from '../protocol/schema/generated/index.js';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  /** -1 when the partition has no leader now. */
  leader: number;
  leaderEpoch: number;
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  id: string;
  internal: boolean;
  errorCode: number;
  partitions: Map<number, PartitionMetadata>;
}

export class ClusterMetadata {
  readonly brokers = new Map<number, BrokerNode>();
  readonly topics = new Map<string, TopicMetadata>();
  clusterId: string | null = null;
  controllerId = -1;
  /** Date.now() of the last update, 0 before the first. */
  updatedAt = 0;

  /** Applies a Metadata response; `requested` null means every topic was asked for. */
  update(res: MetadataResponse, now: number): void {
    this.brokers.clear();
    for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.clusterId = res.clusterId;
    this.controllerId = res.controllerId;
    for (const t of res.topics) {
      if (t.name === null) continue;
      const before = this.topics.get(t.name);
      const partitions = new Map<number, PartitionMetadata>();
      for (const p of t.partitions) {
        const old = before?.partitions.get(p.partitionIndex);
        // A lagging broker's answer must not undo a newer leader we already know.
        if (old && old.leaderEpoch > p.leaderEpoch && p.leaderEpoch >= 0) partitions.set(p.partitionIndex, old);
        else partitions.set(p.partitionIndex, { partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch, errorCode: p.errorCode });
      }
      this.topics.set(t.name, { name: t.name, id: t.topicId, internal: t.isInternal, errorCode: t.errorCode, partitions });
    }
    this.updatedAt = now;
  }

  leaderOf(topic: string, partition: number): number | null {
    const p = this.topics.get(topic)?.partitions.get(partition);
    return p && p.leader >= 0 && this.brokers.has(p.leader) ? p.leader : null;
  }

  partitionCount(topic: string): number | null {
    const t = this.topics.get(topic);
    return t && t.errorCode === 0 ? t.partitions.size : null;
  }

  /** A leader error on this partition: its leader is unknown until the next refresh. */
  forgetLeader(topic: string, partition: number): void {
    const p = this.topics.get(topic)?.partitions.get(partition);
    if (p) p.leader = -1;
  }
}
