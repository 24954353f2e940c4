// kafkajs 2.2.4 in this process against the broker child: batched produce throughput and
// fixed-rate single-record produce latency (send → ack), both acks=-1.
import { Kafka, logLevel, type Producer, type Message } from 'kafkajs';
import { fixedRate, nowMs, sleep, summarize, withTimeout, type LatencySummary } from './util.js';

export interface KafkajsErrors {
  count: number;
  samples: string[];
}

export function makeKafka(bootstrap: string, errors: KafkajsErrors): Kafka {
  return new Kafka({
    brokers: [bootstrap],
    clientId: 'streamwatch-bench',
    retry: { retries: 3 },
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => {
      errors.count++;
      if (errors.samples.length < 5) errors.samples.push(String(entry.log.message));
    },
  });
}

/** Creates 1-partition topics (CreateTopics); falls back to auto-create through Metadata. */
export async function ensureTopics(kafka: Kafka, topics: string[]): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    try {
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true, timeout: 10_000 });
      return 'CreateTopics';
    } catch (e) {
      await admin.fetchTopicMetadata({ topics });
      return `auto-create (CreateTopics failed: ${(e as Error).message})`;
    }
  } finally {
    await admin.disconnect();
  }
}

async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const p = kafka.producer({ allowAutoTopicCreation: true, idempotent: false });
  await p.connect();
  return p;
}

export interface KjsThroughput {
  records: number;
  elapsedMs: number;
  timedOut: boolean;
  failedSends: number;
}

/** `n` records of `value` in sends of `batch`, `inFlight` sends outstanding, acks=-1. */
export async function kafkajsProduce(
  kafka: Kafka,
  topic: string,
  n: number,
  value: Buffer,
  batch: number,
  inFlight: number,
  budgetMs: number,
): Promise<KjsThroughput> {
  const producer = await connectedProducer(kafka);
  const messages: Message[] = Array.from({ length: batch }, () => ({ value, partition: 0 }));
  // Warm-up: metadata for the topic, without writing to it.
  await producer.send({ topic, messages: [], acks: -1 }).catch(() => {});
  let next = 0;
  let acked = 0;
  let failedSends = 0;
  let timedOut = false;
  const t0 = nowMs();
  const deadline = t0 + budgetMs;
  const worker = async () => {
    while (next < n) {
      if (nowMs() > deadline) {
        timedOut = true;
        return;
      }
      const k = Math.min(batch, n - next);
      next += k;
      try {
        await producer.send({ topic, messages: k === batch ? messages : messages.slice(0, k), acks: -1 });
        acked += k;
      } catch {
        failedSends++;
        if (failedSends > 5) return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
    return { records: acked, elapsedMs: nowMs() - t0, timedOut, failedSends };
  } finally {
    await producer.disconnect();
  }
}

export interface KjsLatency extends LatencySummary {
  sent: number;
  failed: number;
}

/** One send per record at `ratePerSec` for `durationMs`; latency send → ack in ms. */
export async function kafkajsLatency(
  kafka: Kafka,
  topic: string,
  value: Buffer,
  ratePerSec: number,
  durationMs: number,
): Promise<KjsLatency> {
  const producer = await connectedProducer(kafka);
  try {
    // Warm-up: connection, metadata and a few round trips before measuring.
    for (let i = 0; i < 20; i++) await producer.send({ topic, messages: [{ value, partition: 0 }], acks: -1 });
    await sleep(100);
    const lat: number[] = [];
    let failed = 0;
    const pending = new Set<Promise<void>>();
    const sent = await fixedRate(ratePerSec, durationMs, () => {
      const t = nowMs();
      const p: Promise<void> = producer
        .send({ topic, messages: [{ value, partition: 0 }], acks: -1 })
        .then(
          () => void lat.push(nowMs() - t),
          () => void failed++,
        )
        .finally(() => pending.delete(p));
      pending.add(p);
    });
    await withTimeout(Promise.all([...pending]), 30_000, 'latency sends did not all complete').catch(() => {});
    return { ...summarize(lat), sent, failed };
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `n` records of `topic` from the beginning with a kafkajs consumer group (a fresh group,
 * no commits). Timed from the first batch to the n-th record, so group join is not counted.
 */
export async function kafkajsFetch(
  kafka: Kafka,
  topic: string,
  n: number,
  budgetMs: number,
): Promise<{ records: number; bytes: number; elapsedMs: number; timedOut: boolean }> {
  const consumer = kafka.consumer({
    groupId: `streamwatch-bench-fetch-${process.pid}-${Date.now()}`,
    maxBytes: 64 << 20,
    maxBytesPerPartition: 16 << 20,
    maxWaitTimeInMs: 100,
  });
  let records = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = nowMs();
        records += batch.messages.length;
        for (const m of batch.messages) bytes += m.value?.length ?? 0;
        last = nowMs();
        if (records >= n) done();
      },
    });
    const timedOut = await Promise.race([finished.then(() => false), sleep(budgetMs).then(() => true)]);
    return { records, bytes, elapsedMs: Math.max(1, last - first), timedOut };
  } finally {
    await consumer.disconnect();
  }
}
