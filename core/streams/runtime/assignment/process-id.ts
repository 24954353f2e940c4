// Kafka Streams' ProcessId: one UUID per KafkaStreams instance (all its stream threads share it),
// written as the 16 bytes of a java.util.UUID and printed as Java prints it (8-4-4-4-12 hex).
import { TaskAssignmentError } from './task-assignment-error.js';

export type ProcessId = string;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function processIdToBytes(id: ProcessId): Buffer {
  const lower = id.toLowerCase();
  if (!UUID_PATTERN.test(lower)) throw new TaskAssignmentError(`process id '${id}' is not a UUID (8-4-4-4-12 hex digits)`);
  return Buffer.from(lower.replaceAll('-', ''), 'hex');
}

export function processIdFromBytes(bytes: Buffer): ProcessId {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * java.util.UUID.compareTo: the two 64-bit halves compared as *signed* longs. The assignor breaks
 * ties by process id, so the order must be Java's for our placements to be Kafka Streams' own.
 */
export function compareProcessIds(a: ProcessId, b: ProcessId): number {
  const x = processIdToBytes(a);
  const y = processIdToBytes(b);
  for (const at of [0, 8]) {
    const d = x.readBigInt64BE(at) - y.readBigInt64BE(at);
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  return 0;
}
