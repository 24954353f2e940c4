// Decodes the consumer protocol's subscription and assignment bytes (ConsumerProtocol*.json),
// so the broker can report who owns which partitions. Undecodable bytes give null: a group
// may use another protocol type entirely (e.g. Kafka Connect).
import { decode } from '../../protocol/codec.js';
import { Reader } from '../../protocol/primitives.js';
import {
  ConsumerProtocolAssignmentSchema,
  ConsumerProtocolSubscriptionSchema,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
} from '../../protocol/schema/generated/index.js';

function versioned<T>(schema: typeof ConsumerProtocolAssignmentSchema, buf: Buffer): T | null {
  if (buf.length < 2) return null;
  try {
    const r = new Reader(buf);
    // Newer versions than we know are read as the newest we know: fields are only ever appended.
    const version = Math.min(r.int16(), schema.validVersions[1]);
    return decode<T>(schema, Math.max(version, 0), r);
  } catch {
    return null;
  }
}

export function decodeAssignment(buf: Buffer): Record<string, number[]> | null {
  const a = versioned<ConsumerProtocolAssignment>(ConsumerProtocolAssignmentSchema, buf);
  if (!a) return null;
  return Object.fromEntries(a.assignedPartitions.map((tp) => [tp.topic, [...tp.partitions].sort((x, y) => x - y)]));
}

export function decodeSubscription(buf: Buffer): string[] | null {
  return versioned<ConsumerProtocolSubscription>(ConsumerProtocolSubscriptionSchema, buf)?.topics ?? null;
}
