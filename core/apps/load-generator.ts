// The load generator: writes an app's input at a steady, adjustable rate, and keeps an exact
// tally of what the cluster acknowledged — the ground truth the app's output is checked against.
import { randomUUID } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';
import { z } from 'zod';
import { Listeners } from './listeners.js';
import { keyName, LOAD_KINDS, sentence, transferAmount } from './load-records.js';
import type { LoadKind } from './load-records.js';
import type { InputValue } from './records.js';
import { words } from './word-count.js';

const OptionsSchema = z.object({
  topic: z.string().min(1),
  ratePerSecond: z.number().nonnegative().finite(),
  /** Size of the key space: keys 'acct-000' … */
  keys: z.number().int().positive(),
  kind: z.enum(LOAD_KINDS),
  /** Names this run in every JSON value; a fresh id by default. */
  gen: z.string().min(1).optional(),
  /** Stop at the first failed send; by default a failure is counted and reported, and sending goes on. */
  stopOnError: z.boolean().default(false),
  /** The most records in one send. */
  maxBatch: z.number().int().positive().default(500),
});

export type LoadGeneratorOptions = z.input<typeof OptionsSchema> & { kafka: Kafka };

export type LoadGeneratorState = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'failed';

export interface LoadGeneratorStats {
  gen: string;
  state: LoadGeneratorState;
  /** Records handed to the producer. sent = acked + failed once nothing is in flight. */
  sent: number;
  acked: number;
  failed: number;
  /** Acknowledged records per second over the last two seconds. */
  ratePerSecond: number;
  targetRatePerSecond: number;
  lastError: string | null;
}

/** What the cluster acknowledged, exactly. */
export interface LoadTally {
  gen: string;
  acked: number;
  /** transfers and sequence: the highest acknowledged seq of each key (seqs start at 0). */
  lastSeq: Record<string, number>;
  /** transfers: the sum of acknowledged amounts, the money put in. */
  amountTotal: number;
  /** sentences: acknowledged occurrences of each word, split as word-count splits. */
  wordCounts: Record<string, number>;
}

export interface LoadSendFailure {
  error: Error;
  /** Records in the failed send, all counted as failed. */
  records: number;
}

interface Outgoing {
  message: Message;
  key: string;
  seq: number | null;
  amount: number;
  text: string | null;
}

const TICK_MS = 20;
const PROGRESS_MS = 250;
const RATE_WINDOW_MS = 2_000;

export class LoadGenerator {
  readonly gen: string;
  readonly #kafka: Kafka;
  readonly #options: z.output<typeof OptionsSchema>;
  readonly #nextSeq: number[];
  readonly #progress = new Listeners<LoadGeneratorStats>();
  readonly #errors = new Listeners<LoadSendFailure>();
  #producer: Producer | null = null;
  #state: LoadGeneratorState = 'idle';
  #rate: number;
  #tick: NodeJS.Timeout | null = null;
  #progressTimer: NodeJS.Timeout | null = null;
  /** One send at a time: keeps each key's records in seq order without leaning on retries. */
  #inFlight: Promise<void> | null = null;
  #stopping: Promise<LoadGeneratorStats> | null = null;
  // Pacing: records due = rate × time since #paceFrom, minus those sent since then.
  #paceFrom = 0;
  #sentSincePace = 0;
  #sent = 0;
  #acked = 0;
  #failed = 0;
  #lastError: Error | null = null;
  #rateSamples: { at: number; acked: number }[] = [];
  #reported = '';
  readonly #tally: LoadTally;

  constructor(options: LoadGeneratorOptions) {
    const { kafka, ...rest } = options;
    const parsed = OptionsSchema.safeParse(rest);
    if (!parsed.success) {
      throw new Error(`invalid load generator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.#kafka = kafka;
    this.#options = parsed.data;
    this.#rate = parsed.data.ratePerSecond;
    this.gen = parsed.data.gen ?? `gen-${randomUUID().slice(0, 8)}`;
    this.#nextSeq = new Array<number>(parsed.data.keys).fill(0);
    this.#tally = { gen: this.gen, acked: 0, lastSeq: {}, amountTotal: 0, wordCounts: {} };
  }

  get state(): LoadGeneratorState {
    return this.#state;
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`the load generator can start once; it is ${this.#state}`);
    this.#state = 'starting';
    // Idempotent, so a retried send cannot write a record twice; Kafka's own partitioner (murmur2).
    const producer = this.#kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    try {
      await producer.connect();
    } catch (error) {
      this.#fail(error as Error);
      throw error;
    }
    this.#producer = producer;
    this.#state = 'running';
    this.#restartPace();
    this.#tick = setInterval(() => this.#sendDue(), TICK_MS);
    this.#progressTimer = setInterval(() => this.#reportProgress(), PROGRESS_MS);
  }

  pause(): void {
    if (this.#state === 'running') this.#state = 'paused';
  }

  resume(): void {
    if (this.#state !== 'paused') return;
    this.#state = 'running';
    this.#restartPace();
  }

  setRate(ratePerSecond: number): void {
    this.#rate = OptionsSchema.shape.ratePerSecond.parse(ratePerSecond);
    this.#restartPace();
  }

  /** Stops sending, waits for the send in flight to be acknowledged (or fail), disconnects. */
  stop(): Promise<LoadGeneratorStats> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  stats(): LoadGeneratorStats {
    return {
      gen: this.gen,
      state: this.#state,
      sent: this.#sent,
      acked: this.#acked,
      failed: this.#failed,
      ratePerSecond: this.#measuredRate(),
      targetRatePerSecond: this.#rate,
      lastError: this.#lastError?.message ?? null,
    };
  }

  /** A copy of the tally of acknowledged records. */
  tally(): LoadTally {
    return structuredClone(this.#tally);
  }

  /** Called with stats every 250 ms while they change, and once more when stopped. */
  onProgress(fn: (stats: LoadGeneratorStats) => void): () => void {
    return this.#progress.add(fn);
  }

  /** Called for every failed send. */
  onError(fn: (failure: LoadSendFailure) => void): () => void {
    return this.#errors.add(fn);
  }

  async #stop(): Promise<LoadGeneratorStats> {
    if (this.#state !== 'failed') this.#state = 'stopping';
    this.#clearTimers();
    await this.#inFlight;
    await this.#producer?.disconnect();
    if (this.#state === 'stopping') this.#state = 'stopped';
    this.#reportProgress();
    return this.stats();
  }

  #sendDue(): void {
    const producer = this.#producer;
    if (this.#state !== 'running' || this.#inFlight !== null || producer === null) return;
    const now = performance.now();
    const due = Math.floor(((now - this.#paceFrom) / 1000) * this.#rate) - this.#sentSincePace;
    // More than a second behind (a slow broker): start over rather than burst to catch up.
    if (due > Math.max(this.#rate, this.#options.maxBatch)) return this.#restartPace();
    const count = Math.min(due, this.#options.maxBatch);
    if (count <= 0) return;
    const batch = Array.from({ length: count }, () => this.#next());
    this.#sentSincePace += count;
    this.#sent += count;
    this.#inFlight = this.#send(producer, batch).finally(() => {
      this.#inFlight = null;
    });
  }

  async #send(producer: Producer, batch: Outgoing[]): Promise<void> {
    try {
      await producer.send({ topic: this.#options.topic, messages: batch.map((o) => o.message) });
    } catch (error) {
      this.#failed += batch.length;
      this.#lastError = error as Error;
      this.#errors.emit({ error: error as Error, records: batch.length });
      if (this.#options.stopOnError) this.#fail(error as Error);
      return;
    }
    this.#acked += batch.length;
    for (const o of batch) this.#count(o);
  }

  #next(): Outgoing {
    const index = Math.floor(Math.random() * this.#options.keys);
    const key = keyName(index, this.#options.keys);
    if (this.#options.kind === 'sentences') {
      const text = sentence(Math.random);
      return { message: { key, value: text }, key, seq: null, amount: 0, text };
    }
    const seq = this.#nextSeq[index]!;
    this.#nextSeq[index] = seq + 1;
    const amount = this.#options.kind === 'transfers' ? transferAmount(Math.random) : 0;
    const value: InputValue = { gen: this.gen, seq, ts: Date.now(), ...(this.#options.kind === 'transfers' ? { amount } : {}) };
    return { message: { key, value: JSON.stringify(value) }, key, seq, amount, text: null };
  }

  #count(o: Outgoing): void {
    const tally = this.#tally;
    tally.acked += 1;
    if (o.seq !== null) tally.lastSeq[o.key] = o.seq; // sends are in seq order, one at a time
    tally.amountTotal += o.amount;
    if (o.text !== null) for (const word of words(o.text)) tally.wordCounts[word] = (tally.wordCounts[word] ?? 0) + 1;
  }

  #restartPace(): void {
    this.#paceFrom = performance.now();
    this.#sentSincePace = 0;
  }

  #measuredRate(): number {
    const now = performance.now();
    const oldest = this.#rateSamples.find((s) => now - s.at <= RATE_WINDOW_MS);
    if (oldest === undefined || now - oldest.at < PROGRESS_MS / 2) return 0;
    return ((this.#acked - oldest.acked) * 1000) / (now - oldest.at);
  }

  #reportProgress(): void {
    const now = performance.now();
    this.#rateSamples.push({ at: now, acked: this.#acked });
    this.#rateSamples = this.#rateSamples.filter((s) => now - s.at <= RATE_WINDOW_MS);
    const stats = this.stats();
    const changed = JSON.stringify({ ...stats, ratePerSecond: Math.round(stats.ratePerSecond) });
    if (changed === this.#reported) return;
    this.#reported = changed;
    this.#progress.emit(stats);
  }

  #fail(error: Error): void {
    this.#lastError = error;
    this.#state = 'failed';
    this.#clearTimers();
  }

  #clearTimers(): void {
    if (this.#tick !== null) clearInterval(this.#tick);
    if (this.#progressTimer !== null) clearInterval(this.#progressTimer);
    this.#tick = null;
    this.#progressTimer = null;
  }
}
