// Committed offsets and group metadata, kept in memory and written to the internal
// `__consumer_offsets` topic in Kafka's own record formats (OffsetCommitKey v1 / Value v3,
// GroupMetadataKey v2 / Value v3; a null value deletes), so Kafka tools could read them, and
// so they are reloaded from that topic on restart.
import { decode, encode } from '../../protocol/codec.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { encodeRecordBatch } from '../../protocol/records/index.js';
import { forEachRecord } from '../log/index.js';
import {
  GroupMetadataKeySchema,
  GroupMetadataValueSchema,
  OffsetCommitKeySchema,
  OffsetCommitValueSchema,
  type GroupMetadataValueInput,
  type OffsetCommitKey,
  type OffsetCommitValue,
} from '../../protocol/schema/generated/index.js';
import type { MessageSchema } from '../../protocol/schema/types.js';
import type { TopicManager } from '../topics.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface OffsetToCommit extends CommittedOffset {
  topic: string;
  partition: number;
}

/**
 * An offset a TxnOffsetCommit holds until its transaction ends. `recordOrder` is where Kafka's
 * group coordinator would have written it in `__consumer_offsets` (it writes the record at once,
 * transactionally): the COMMIT marker materializes it only if no later commit of the same
 * partition came first (OffsetMetadataManager.replayEndTransactionMarker).
 */
export interface PendingOffset extends OffsetToCommit {
  recordOrder: number;
}

/** One partition of an OffsetCommit or TxnOffsetCommit request, as the store keeps it. */
export function offsetToCommit(
  topic: string,
  p: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null },
  commitTimestamp: number,
): OffsetToCommit {
  return {
    topic,
    partition: p.partitionIndex,
    offset: p.committedOffset,
    leaderEpoch: p.committedLeaderEpoch,
    metadata: p.committedMetadata ?? '',
    commitTimestamp,
  };
}

/** Java's String.hashCode over UTF-16 code units, as Kafka uses to place a group (and we a topic's first leader). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export function offsetsPartitionFor(groupId: string, partitions: number): number {
  const h = javaStringHash(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

/** A record key or value: int16 schema version, then the message body. */
function versioned(schema: MessageSchema, version: number, value: unknown): Buffer {
  const w = new Writer();
  w.int16(version).raw(encode(schema, version, value));
  return w.toBuffer();
}

const key = (t: string, p: number) => `${t}\u0000${p}`;

export class OffsetStore {
  private byGroup = new Map<string, Map<string, CommittedOffset>>();
  /**
   * Per group and partition, the order of the record that set its committed offset: Kafka compares
   * record offsets in the group's `__consumer_offsets` partition; one counter for all partitions
   * orders the records of any one partition the same way.
   */
  private recordOrders = new Map<string, Map<string, number>>();
  private lastRecordOrder = 0;

  constructor(
    private topics: TopicManager,
    private partitionCount: number,
    private now: () => number,
  ) {}

  /** Creates the internal topic if needed and replays it into memory. */
  open(): void {
    if (!this.topics.get(OFFSETS_TOPIC)) {
      this.topics.create(OFFSETS_TOPIC, this.partitionCount, { 'cleanup.policy': 'compact' }, true);
    }
    this.partitionCount = this.topics.get(OFFSETS_TOPIC)!.partitions;
    for (const p of this.topics.partitions(OFFSETS_TOPIC)) forEachRecord(p.log, (r) => this.replay(r.key, r.value));
  }

  private replay(k: Buffer | null, v: Buffer | null): void {
    if (!k || k.length < 2) return;
    const r = new Reader(k);
    const version = r.int16();
    if (version === 0 || version === 1) {
      const ok = decode<OffsetCommitKey>(OffsetCommitKeySchema, version, r);
      if (v === null) {
        this.remove(ok.group, ok.topic, ok.partition);
        return;
      }
      const vr = new Reader(v);
      const vv = Math.min(vr.int16(), 4);
      const value = decode<OffsetCommitValue>(OffsetCommitValueSchema, vv, vr);
      this.set(ok.group, ok.topic, ok.partition, {
        offset: value.offset,
        leaderEpoch: value.leaderEpoch,
        metadata: value.metadata,
        commitTimestamp: value.commitTimestamp,
      });
    }
    // Group metadata (key version 2) is written for other tools; members re-join after a restart.
  }

  private set(group: string, topic: string, partition: number, c: CommittedOffset, order = this.nextRecordOrder()): void {
    let m = this.byGroup.get(group);
    if (!m) this.byGroup.set(group, (m = new Map()));
    m.set(key(topic, partition), c);
    let o = this.recordOrders.get(group);
    if (!o) this.recordOrders.set(group, (o = new Map()));
    o.set(key(topic, partition), order);
  }

  private remove(group: string, topic: string, partition: number): void {
    this.byGroup.get(group)?.delete(key(topic, partition));
    this.recordOrders.get(group)?.delete(key(topic, partition));
  }

  /** The order a record written now would have (see PendingOffset). */
  nextRecordOrder(): number {
    return ++this.lastRecordOrder;
  }

  /** The group's `__consumer_offsets` partition. */
  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.partitionCount);
  }

  private append(groupId: string, records: { key: Buffer; value: Buffer | null }[]): void {
    if (records.length === 0) return;
    const p = this.topics.partition(OFFSETS_TOPIC, this.partitionFor(groupId));
    if (!p) throw new Error(`${OFFSETS_TOPIC} is missing`);
    const ts = this.now();
    p.append([encodeRecordBatch({ records: records.map((r) => ({ ...r, timestamp: ts })) })]);
  }

  commit(groupId: string, offsets: OffsetToCommit[]): void {
    this.write(groupId, offsets);
    for (const o of offsets) this.set(groupId, o.topic, o.partition, o);
  }

  /**
   * Materializes a committed transaction's offsets, as Kafka's group coordinator does on the
   * COMMIT marker: each keeps its place in the log, so one that an OffsetCommit (or another
   * transaction's offsets) overtook stays overwritten. Returns the offsets that took effect.
   */
  commitTransactional(groupId: string, offsets: PendingOffset[]): PendingOffset[] {
    const applied = offsets.filter((o) => {
      const current = this.recordOrders.get(groupId)?.get(key(o.topic, o.partition));
      return current === undefined || o.recordOrder > current;
    });
    this.write(groupId, applied);
    for (const { recordOrder, ...o } of applied) this.set(groupId, o.topic, o.partition, o, recordOrder);
    return applied;
  }

  private write(groupId: string, offsets: OffsetToCommit[]): void {
    this.append(
      groupId,
      offsets.map((o) => ({
        key: versioned(OffsetCommitKeySchema, 1, { group: groupId, topic: o.topic, partition: o.partition }),
        value: versioned(OffsetCommitValueSchema, 3, {
          offset: o.offset,
          leaderEpoch: o.leaderEpoch,
          metadata: o.metadata,
          commitTimestamp: o.commitTimestamp,
        }),
      })),
    );
  }

  writeGroupMetadata(groupId: string, value: GroupMetadataValueInput): void {
    this.append(groupId, [
      { key: versioned(GroupMetadataKeySchema, 2, { group: groupId }), value: versioned(GroupMetadataValueSchema, 3, value) },
    ]);
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(groupId)?.get(key(topic, partition));
  }

  /** Every committed offset of a group, by topic. */
  all(groupId: string): Map<string, Map<number, CommittedOffset>> {
    const out = new Map<string, Map<number, CommittedOffset>>();
    for (const [k, c] of this.byGroup.get(groupId) ?? []) {
      const [topic, p] = k.split('\u0000') as [string, string];
      if (!out.has(topic)) out.set(topic, new Map());
      out.get(topic)!.set(Number(p), c);
    }
    return out;
  }

  groups(): string[] {
    return [...this.byGroup.keys()].filter((g) => (this.byGroup.get(g)?.size ?? 0) > 0);
  }

  /** Tombstones for every group's offsets of a deleted topic. */
  deleteTopic(topic: string): void {
    for (const groupId of this.groups()) {
      const parts = this.all(groupId).get(topic);
      if (!parts) continue;
      this.append(
        groupId,
        [...parts.keys()].map((partition) => ({ key: versioned(OffsetCommitKeySchema, 1, { group: groupId, topic, partition }), value: null })),
      );
      for (const partition of parts.keys()) this.remove(groupId, topic, partition);
    }
  }

  /** Tombstones for every offset and the group's metadata. */
  deleteGroup(groupId: string): void {
    const records: { key: Buffer; value: null }[] = [];
    for (const [topic, parts] of this.all(groupId)) {
      for (const partition of parts.keys()) {
        records.push({ key: versioned(OffsetCommitKeySchema, 1, { group: groupId, topic, partition }), value: null });
      }
    }
    records.push({ key: versioned(GroupMetadataKeySchema, 2, { group: groupId }), value: null });
    this.append(groupId, records);
    this.byGroup.delete(groupId);
    this.recordOrders.delete(groupId);
  }
}
