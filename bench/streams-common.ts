// Shared pieces of the streams benchmark: kafkajs clients that count their error logs, topic
// set-up and tear-down, the key → partition mapping kafkajs's default partitioner uses, formatting.
import { Kafka, logLevel, Partitioners, type PartitionMetadata } from 'kafkajs';

/** kafkajs error-level log lines of the bench's own clients, counted by message. */
export class ClientErrors {
  count = 0;
  readonly kinds = new Map<string, number>();

  add(kind: string): void {
    this.count++;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  summary(max = 3): string {
    return [...this.kinds].slice(0, max).map(([k, n]) => `${n}× ${k}`).join(' | ');
  }
}

export function makeKafka(bootstrap: string, clientId: string, errors: ClientErrors): Kafka {
  return new Kafka({
    brokers: [bootstrap],
    clientId,
    retry: { retries: 5 },
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => {
      const error = (entry.log as { error?: unknown }).error;
      errors.add(`${String(entry.log.message)}${error ? `: ${String(error)}` : ''}`.slice(0, 160));
    },
  });
}

export async function createTopics(kafka: Kafka, topics: readonly string[], numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })), waitForLeaders: true, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics so the in-memory broker does not keep every run's records. Best effort. */
export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics], timeout: 10_000 });
  } catch {
    /* a leftover topic only costs memory */
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the high watermarks of a topic's partitions. */
export async function highWatermarks(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The partition kafkajs's default (Java-compatible murmur2) partitioner picks for `key`. */
export function partitionOfKey(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
export const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
export const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
export const kRate = (perSec: number): string => (Number.isFinite(perSec) ? `${(perSec / 1000).toFixed(2)}k rec/s` : 'n/a');

/** Prints rows as an aligned table (first row is the header). */
export function printTable(rows: readonly string[][]): void {
  const cols = Math.max(...rows.map((r) => r.length));
  const width = Array.from({ length: cols }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => width.map((w, c) => (r[c] ?? '').padEnd(w)).join(' | ').trimEnd();
  console.log(line(rows[0] ?? []));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows.slice(1)) console.log(line(r));
}

/** Writes `n` records, `key(i)` / `value(i)`, round-robin over `partitions` (three senders of 2000 at a time). */
export async function prefill(kafka: Kafka, topic: string, n: number, partitions: number, key: (i: number) => string, value: (i: number) => string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const from = next;
        const to = Math.min(n, from + 2000);
        next = to;
        const messages = [];
        for (let i = from; i < to; i++) messages.push({ key: key(i), value: value(i), partition: i % partitions });
        await producer.send({ topic, messages, acks: -1 });
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  } finally {
    await producer.disconnect();
  }
}

/** Highest committed next-offset per partition, summed: equals N once everything is committed. */
export class CommittedOffsets {
  readonly #next = new Map<number, number>();

  set(partition: number, offset: number): void {
    this.#next.set(partition, Math.max(this.#next.get(partition) ?? 0, offset));
  }

  sum(): number {
    let s = 0;
    for (const v of this.#next.values()) s += v;
    return s;
  }
}
