// Input and output of the streams benchmark's supervised blocks: a paced kafkajs producer that
// covers every partition, and a read_uncommitted consumer that timestamps output per partition.
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { partitionOfKey } from './streams-common.js';

/** Keys grouped so that consecutive keys cover every partition: p0, p1, … pN-1, p0, … */
function spreadKeys(partitions: number, perPartition: number): { key: string; partition: number }[] {
  const byPartition: string[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; byPartition.some((ks) => ks.length < perPartition); i++) {
    const key = `key-${i}`;
    const list = byPartition[partitionOfKey(key, partitions)]!;
    if (list.length < perPartition) list.push(key);
  }
  const out: { key: string; partition: number }[] = [];
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < partitions; p++) out.push({ key: byPartition[p]![i]!, partition: p });
  return out;
}

/** What a record's value is: passthrough copies any bytes; bank-ledger needs a transfer (core/apps/records.ts InputValue). */
export type LoadValue = 'text' | 'transfer';

function valueOf(kind: LoadValue, seq: number): string {
  if (kind === 'text') return `seq ${seq} at ${Date.now()} `.padEnd(100, '.');
  // An amount in ±1..50 that is never 0, as the load generator's transfers.
  return JSON.stringify({ gen: 'bench', seq, ts: Date.now(), amount: (seq % 100) - 50 || 1 });
}

/** A paced producer: `rate` records/s (open loop, catches up after a slow send), all partitions. */
export class PacedLoad {
  sent = 0;
  acked = 0;
  failed = 0;
  readonly #producer: Producer;
  readonly #keys: { key: string; partition: number }[];
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    partitions: number,
    private readonly rate: number,
    private readonly kind: LoadValue = 'text',
  ) {
    this.#producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.#keys = spreadKeys(partitions, 10);
  }

  async start(): Promise<void> {
    await this.#producer.connect();
    const t0 = Date.now();
    this.#timer = setInterval(() => {
      if (this.#inFlight >= 4) return;
      const due = Math.min(Math.floor(((Date.now() - t0) / 1000) * this.rate) - this.sent, this.rate);
      if (due <= 0) return;
      const messages = [];
      for (let i = 0; i < due; i++) {
        const { key, partition } = this.#keys[(this.sent + i) % this.#keys.length]!;
        messages.push({ key, partition, value: valueOf(this.kind, this.sent + i) });
      }
      this.sent += due;
      this.#inFlight++;
      this.#producer
        .send({ topic: this.topic, messages, acks: -1 })
        .then(
          () => (this.acked += messages.length),
          () => (this.failed += messages.length),
        )
        .finally(() => this.#inFlight--);
    }, 20);
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#producer.disconnect().catch(() => undefined);
  }
}

/** Timestamps (Date.now()) of output batches per partition, from a read_uncommitted consumer. */
export class OutputWatch {
  readonly arrivals: number[][];
  records = 0;
  /** records whose key maps to another partition than the one they arrived on */
  misplaced = 0;
  readonly #consumer: Consumer;

  constructor(
    kafka: Kafka,
    groupId: string,
    private readonly topic: string,
    private readonly partitions: number,
  ) {
    this.arrivals = Array.from({ length: partitions }, () => []);
    this.#consumer = kafka.consumer({ groupId, readUncommitted: true, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => resolve()));
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.#consumer.run({
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        this.arrivals[batch.partition]!.push(Date.now());
        this.records += batch.messages.length;
        const key = batch.messages[0]!.key?.toString() ?? '';
        if (partitionOfKey(key, this.partitions) !== batch.partition) this.misplaced++;
      },
    });
    await joined;
  }

  last(p: number): number {
    const a = this.arrivals[p]!;
    return a[a.length - 1] ?? 0;
  }

  firstAtOrAfter(p: number, t: number): number | null {
    const a = this.arrivals[p]!;
    for (let i = a.length - 1; i >= 0; i--) if (a[i]! < t) return a[i + 1] ?? null;
    return a[0] ?? null;
  }

  /** Longest gap between arrivals on partition p within [from, to], counting the window's edges. */
  maxGap(p: number, from: number, to: number): number {
    const points = [from, ...this.arrivals[p]!.filter((t) => t > from && t < to), to];
    let gap = 0;
    for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
    return gap;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect().catch(() => undefined);
  }
}
