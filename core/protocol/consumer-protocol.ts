// The consumer protocol's embedded messages (Kafka's ConsumerProtocol.java): the subscription a
// member puts in JoinGroup's protocol metadata and the assignment the leader hands out through
// SyncGroup, each a version (int16) followed by the versioned body from
// ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json. Used by the broker (to
// report who owns what) and by the client (to join as a consumer).
//
// Subscription: v0 topics + user data; v1 owned partitions (KIP-429, cooperative); v2 the
// generation those were owned in (KIP-792); v3 rack id (KIP-881). Assignment: v0 onwards,
// partitions + user data. Newer versions than ours are read as our newest: fields are only ever
// appended.
import { decode, encode } from './codec.js';
import { Reader, Writer } from './primitives.js';
import {
  ConsumerProtocolAssignmentSchema,
  ConsumerProtocolSubscriptionSchema,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
} from './schema/generated/index.js';
import type { MessageSchema } from './schema/types.js';

import type { TopicPartition } from './topic-partition.js';

export type { TopicPartition };

export interface ConsumerSubscription {
  topics: string[];
  userData: Buffer | null;
  /** Partitions the member owns while it joins (cooperative); empty under eager. */
  ownedPartitions: TopicPartition[];
  /** The generation `ownedPartitions` were assigned in; -1 when unknown. */
  generationId: number;
  rackId: string | null;
}

export interface ConsumerAssignment {
  partitions: TopicPartition[];
  userData: Buffer | null;
}

/** The versions we write (Kafka 4.x's clients write the newest). */
export const CONSUMER_SUBSCRIPTION_VERSION = ConsumerProtocolSubscriptionSchema.validVersions[1];
export const CONSUMER_ASSIGNMENT_VERSION = ConsumerProtocolAssignmentSchema.validVersions[1];

function withVersion(schema: MessageSchema, version: number, body: unknown): Buffer {
  const w = new Writer();
  w.int16(version);
  w.raw(encode(schema, version, body));
  return w.toBuffer();
}

function versioned<T>(schema: MessageSchema, buf: Buffer): T | null {
  if (buf.length < 2) return null;
  try {
    const r = new Reader(buf);
    const version = Math.min(r.int16(), schema.validVersions[1]);
    return decode<T>(schema, Math.max(version, 0), r);
  } catch {
    return null;
  }
}

export function encodeSubscription(s: Partial<ConsumerSubscription> & { topics: string[] }, version = CONSUMER_SUBSCRIPTION_VERSION): Buffer {
  return withVersion(ConsumerProtocolSubscriptionSchema, version, {
    topics: s.topics,
    userData: s.userData ?? null,
    ownedPartitions: groupByTopic(s.ownedPartitions ?? []),
    generationId: s.generationId ?? -1,
    rackId: s.rackId ?? null,
  });
}

/** Null for bytes that are not a consumer subscription (another protocol type, garbage). */
export function decodeSubscription(buf: Buffer): ConsumerSubscription | null {
  const s = versioned<ConsumerProtocolSubscription>(ConsumerProtocolSubscriptionSchema, buf);
  if (!s) return null;
  return {
    topics: s.topics,
    userData: s.userData,
    ownedPartitions: flatten(s.ownedPartitions),
    generationId: s.generationId,
    rackId: s.rackId,
  };
}

export function encodeAssignment(a: { partitions: readonly TopicPartition[]; userData?: Buffer | null }, version = CONSUMER_ASSIGNMENT_VERSION): Buffer {
  return withVersion(ConsumerProtocolAssignmentSchema, version, {
    assignedPartitions: groupByTopic(a.partitions),
    userData: a.userData ?? null,
  });
}

/** Null for bytes that are not a consumer assignment (another protocol type, none yet, garbage). */
export function decodeAssignment(buf: Buffer): ConsumerAssignment | null {
  const a = versioned<ConsumerProtocolAssignment>(ConsumerProtocolAssignmentSchema, buf);
  if (!a) return null;
  return { partitions: flatten(a.assignedPartitions), userData: a.userData };
}

/** Topic-partitions grouped by topic, topics and partitions in order (the wire's shape). */
export function groupByTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const tp of partitions) {
    const list = map.get(tp.topic);
    if (list) list.push(tp.partition);
    else map.set(tp.topic, [tp.partition]);
  }
  return [...map.keys()].sort().map((topic) => ({ topic, partitions: map.get(topic)!.sort((a, b) => a - b) }));
}

/** topic → sorted partitions, the shape events and snapshots report. */
export function partitionsByTopic(partitions: readonly TopicPartition[]): Record<string, number[]> {
  return Object.fromEntries(groupByTopic(partitions).map((t) => [t.topic, t.partitions]));
}

function flatten(topics: readonly { topic: string; partitions: readonly number[] }[]): TopicPartition[] {
  return topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}
