// The verifier: reads an app's input and output topics as a read_committed consumer would (see
// CommittedReader) and counts, live, how the app delivered each input record: missing,
// duplicated, out of order, still pending — and for bank-ledger whether money was conserved.
// Both topics are read whole from the beginning, so it can start at any time.
import type { Admin, Kafka } from 'kafkajs';
import { CommittedReader } from './committed-reader.js';
import type { CommittedRecord } from './committed-reader.js';
import { DeliveryCounts } from './delivery-counts.js';
import type { DeliverySnapshot } from './delivery-counts.js';
import { Listeners } from './listeners.js';
import { MoneyCheck } from './money-check.js';
import type { MoneySnapshot } from './money-check.js';
import { InputValueSchema, LedgerValueSchema, parseJsonValue, PassthroughValueSchema } from './records.js';

/** The 1:1 apps: one output per input, matched by (key, gen, seq). */
export type VerifiedApp = 'bank-ledger' | 'passthrough';

export interface VerifierOptions {
  kafka: Kafka;
  app: VerifiedApp;
  /** Defaults: 'transfers' / 'ledger' for bank-ledger, 'input' / 'output' for passthrough. */
  inputTopic?: string;
  outputTopic?: string;
  /** onUpdate is called at most this often while the counts change; 250 ms by default. */
  updateIntervalMs?: number;
}

export type VerifierState = 'idle' | 'starting' | 'running' | 'stopped' | 'failed';

export interface VerifierSnapshot extends DeliverySnapshot {
  app: VerifiedApp;
  state: VerifierState;
  error: string | null;
  /** Records on either topic that are not the app's record shape (or have no key). */
  invalid: number;
  /** Transactions whose records are held until their marker is read. */
  pendingTransactions: number;
  /** bank-ledger only. */
  money: MoneySnapshot | null;
}

export interface DrainOptions {
  timeoutMs: number;
  /** How long the counts must stay unchanged; 500 ms by default. */
  quietMs?: number;
}

const DEFAULT_TOPICS: Record<VerifiedApp, { input: string; output: string }> = {
  'bank-ledger': { input: 'transfers', output: 'ledger' },
  passthrough: { input: 'input', output: 'output' },
};

export class Verifier {
  readonly app: VerifiedApp;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly #kafka: Kafka;
  readonly #reader: CommittedReader;
  readonly #counts = new DeliveryCounts();
  readonly #money: MoneyCheck | null;
  readonly #updates = new Listeners<VerifierSnapshot>();
  readonly #updateIntervalMs: number;
  #updateTimer: NodeJS.Timeout | null = null;
  #state: VerifierState = 'idle';
  #error: Error | null = null;
  #invalid = 0;
  /** Bumped on every change, so a drain can tell when the counts stop moving. */
  #version = 0;

  constructor(options: VerifierOptions) {
    this.app = options.app;
    this.inputTopic = options.inputTopic ?? DEFAULT_TOPICS[options.app].input;
    this.outputTopic = options.outputTopic ?? DEFAULT_TOPICS[options.app].output;
    if (this.inputTopic === this.outputTopic) throw new Error(`the verifier needs two topics; input and output are both '${this.inputTopic}'`);
    this.#kafka = options.kafka;
    this.#money = options.app === 'bank-ledger' ? new MoneyCheck() : null;
    this.#updateIntervalMs = options.updateIntervalMs ?? 250;
    this.#reader = new CommittedReader({
      kafka: options.kafka,
      topics: [this.inputTopic, this.outputTopic],
      groupIdPrefix: 'streamwatch-verifier',
      onRecords: (records) => this.#take(records),
      onError: (error) => {
        this.#error = error;
        this.#state = 'failed';
        this.#changed();
      },
    });
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`the verifier can start once; it is ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.#reader.start();
    } catch (error) {
      this.#error = error as Error;
      this.#state = 'failed';
      throw error;
    }
    if (this.#state === 'starting') this.#state = 'running';
    this.#changed();
  }

  async stop(): Promise<void> {
    if (this.#updateTimer !== null) clearTimeout(this.#updateTimer);
    this.#updateTimer = null;
    await this.#reader.stop();
    if (this.#state !== 'failed') this.#state = 'stopped';
  }

  snapshot(): VerifierSnapshot {
    const delivery = this.#counts.snapshot();
    return {
      app: this.app,
      state: this.#state,
      error: this.#error?.message ?? null,
      ...delivery,
      invalid: this.#invalid,
      pendingTransactions: this.#reader.pendingTransactions,
      money: this.#money?.snapshot(delivery.pending) ?? null,
    };
  }

  /** Called with a fresh snapshot at most every updateIntervalMs while the counts change. */
  onUpdate(fn: (snapshot: VerifierSnapshot) => void): () => void {
    return this.#updates.add(fn);
  }

  /**
   * Resolves with the final snapshot once the reader has read both topics to their ends, no
   * input is pending, no transaction is open and the counts have not changed for `quietMs`.
   * Rejects after `timeoutMs`, saying what it was still waiting for.
   */
  async waitForDrain({ timeoutMs, quietMs = 500 }: DrainOptions): Promise<VerifierSnapshot> {
    const deadline = Date.now() + timeoutMs;
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      let version = this.#version;
      let quietSince = Date.now();
      for (;;) {
        if (this.#error !== null) throw new Error(`the verifier failed: ${this.#error.message}`);
        const behind = await this.#partitionsBehind(admin);
        const snapshot = this.snapshot();
        if (this.#version !== version) {
          version = this.#version;
          quietSince = Date.now();
        }
        const drained = behind.length === 0 && snapshot.pending === 0 && snapshot.pendingTransactions === 0;
        if (drained && Date.now() - quietSince >= quietMs) return snapshot;
        if (Date.now() >= deadline) throw new Error(`waitForDrain: not drained after ${timeoutMs} ms: ${this.#waitingFor(snapshot, behind)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await admin.disconnect();
    }
  }

  #take(records: CommittedRecord[]): void {
    for (const record of records) {
      if (record.topic === this.inputTopic) this.#takeInput(record);
      else this.#takeOutput(record);
    }
    this.#changed();
  }

  #takeInput(record: CommittedRecord): void {
    const value = parseJsonValue(InputValueSchema, record.value);
    if (value === null || record.key === null) {
      this.#invalid += 1;
      return;
    }
    // bank-ledger counts a transfer without an amount as 0, and so does the money check.
    if (this.#counts.addInput(record.key.toString('utf8'), value.gen, value.seq)) this.#money?.addInput(value.amount ?? 0);
  }

  #takeOutput(record: CommittedRecord): void {
    if (this.app === 'bank-ledger') {
      const entry = parseJsonValue(LedgerValueSchema, record.value);
      if (entry === null) {
        this.#invalid += 1;
        return;
      }
      this.#counts.addOutput(entry.account, entry.gen, entry.seq);
      this.#money?.addOutput(entry.account, entry.gen, entry.seq, entry.balance, { amount: entry.amount, source: entry.source });
      return;
    }
    const value = parseJsonValue(PassthroughValueSchema, record.value);
    if (value === null || record.key === null) {
      this.#invalid += 1;
      return;
    }
    this.#counts.addOutput(record.key.toString('utf8'), value.gen, value.seq);
  }

  #changed(): void {
    this.#version += 1;
    if (this.#updateTimer !== null) return;
    this.#updateTimer = setTimeout(() => {
      this.#updateTimer = null;
      this.#updates.emit(this.snapshot());
    }, this.#updateIntervalMs);
  }

  /** Partitions whose end (the last stable offset) the reader has not reached, as "topic[p] at x of y". */
  async #partitionsBehind(admin: Admin): Promise<string[]> {
    const behind: string[] = [];
    for (const topic of [this.inputTopic, this.outputTopic]) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        const position = this.#reader.position(topic, partition);
        if (position < Number(high)) behind.push(`${topic}[${partition}] at ${position} of ${high}`);
      }
    }
    return behind;
  }

  #waitingFor(snapshot: VerifierSnapshot, behind: string[]): string {
    const waiting: string[] = [];
    if (snapshot.pending > 0) {
      const examples = this.#counts.pendingInputs(5);
      waiting.push(`${snapshot.pending} inputs without output (${examples.map((u) => `${u.key} ${u.gen} #${u.seq}`).join(', ')}${snapshot.pending > examples.length ? ', …' : ''})`);
    }
    if (snapshot.pendingTransactions > 0) waiting.push(`${snapshot.pendingTransactions} open transactions`);
    if (behind.length > 0) waiting.push(`reader behind on ${behind.join(', ')}`);
    return waiting.length > 0 ? waiting.join('; ') : 'the counts kept changing';
  }
}
