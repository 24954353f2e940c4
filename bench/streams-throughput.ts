// Part 1 of the streams benchmark: an app (passthrough or bank-ledger) run by KafkaStreams (one
// instance, in this process) against a hand-written kafkajs consume → produce loop with the same
// guarantee doing the same work (bank-ledger: a balance per account in a Map, one ledger record to
// the output and one row to a changelog topic per transfer). Every run gets fresh topics and a
// fresh group; the input is pre-filled before the clock starts.
//
// Both sides are timed by the same 5 ms poller over two counters: records processed (KafkaStreams:
// the tasks' `processed`; loop: records handed to the producer) and the input offsets committed
// (KafkaStreams: its `commit` telemetry; loop: after commitOffsets / the transaction's commit
// resolves). The run starts at the first poll that sees a processed record and ends at the first
// poll that sees all N processed and committed. Under at-most-once the offsets are committed
// before the records are sent, so the end there is when the last records are handed to the
// producer (on both sides).
import type { Consumer, EachBatchPayload, Kafka, Message, Producer, Transaction } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { bankLedgerTopology, BALANCES_STORE } from '../core/apps/bank-ledger.js';
import { passthroughTopology } from '../core/apps/passthrough.js';
import { KafkaStreams, StreamsEvent } from '../core/streams/index.js';
import { SerialQueue } from '../core/streams/runtime/serial-queue.js';
import type { ProcessingGuarantee } from '../core/streams/index.js';
import { CommittedOffsets, createTopics, deleteTopics, highWatermarks } from './streams-common.js';
import { nowMs } from './util.js';

export const INPUT_PARTITIONS = 4;
export const COMMIT_INTERVAL_MS = 100;
/** The runtime's default fetch wait (StreamsConfig.fetchMaxWaitMs); the loop uses the same. */
const FETCH_MAX_WAIT_MS = 250;
const VALUE_BYTES = 100;

export type Side = 'streams' | 'loop';
export const THROUGHPUT_APPS = ['passthrough', 'bank-ledger'] as const;
export type ThroughputApp = (typeof THROUGHPUT_APPS)[number];

export interface RunResult {
  app: ThroughputApp;
  side: Side;
  guarantee: ProcessingGuarantee;
  records: number;
  /** first processed → last processed-and-committed */
  ms: number;
  rate: number;
  complete: boolean;
  /**
   * CPU ms per 1000 records, this process (first → last record) plus the broker process (start of
   * the run → last record): less sensitive than the rate to other load on the machine.
   */
  cpuMsPerK: number;
  /** last record processed → its offsets committed (the commit interval's share of `ms`) */
  tailMs: number;
  /** what looked wrong: telemetry errors, output count, incomplete run */
  issues: string[];
}

interface Counters {
  processed(): number;
  committed(): number;
}

/** Broker-process CPU ms since the previous call (the broker child's `stats`). */
export type BrokerCpu = () => Promise<number>;

interface Measured {
  first: number | null;
  /** when all N were processed */
  allProcessed: number | null;
  last: number;
  complete: boolean;
  /** this process's CPU from the first record to the last */
  cpuMs: number;
  brokerCpuMs: number;
}

/** passthrough: ~100 bytes of text; bank-ledger: a transfer (core/apps/records.ts InputValue). */
function inputValue(app: ThroughputApp, i: number): string {
  if (app === 'passthrough') return `record ${i} `.padEnd(VALUE_BYTES, '.');
  return JSON.stringify({ gen: 'bench', seq: i, ts: Date.now(), amount: (i % 100) - 50 || 1 });
}

/** Writes `n` records (1000 keys) round-robin over the input's partitions. */
async function prefill(kafka: Kafka, app: ThroughputApp, topic: string, n: number): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const batch = 2000;
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const from = next;
        const to = Math.min(n, from + batch);
        next = to;
        const messages = [];
        for (let i = from; i < to; i++) {
          messages.push({ key: `k${i % 1000}`, value: inputValue(app, i), partition: i % INPUT_PARTITIONS });
        }
        await producer.send({ topic, messages, acks: -1 });
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  } finally {
    await producer.disconnect();
  }
}

async function measure(n: number, budgetMs: number, c: Counters, brokerCpu: BrokerCpu): Promise<Measured> {
  const m = await new Promise<Omit<Measured, 'brokerCpuMs'>>((resolve) => {
    const start = nowMs();
    let first: number | null = null;
    let allProcessed: number | null = null;
    let cpu0: NodeJS.CpuUsage | null = null;
    const timer = setInterval(() => {
      const t = nowMs();
      const processed = c.processed();
      if (first === null && processed > 0) {
        first = t;
        cpu0 = process.cpuUsage();
      }
      if (allProcessed === null && processed >= n) allProcessed = t;
      const complete = processed >= n && c.committed() >= n;
      if (complete || t - start > budgetMs) {
        clearInterval(timer);
        const cpu = cpu0 === null ? null : process.cpuUsage(cpu0);
        resolve({ first, allProcessed, last: t, complete, cpuMs: cpu === null ? NaN : (cpu.user + cpu.system) / 1000 });
      }
    }, 5);
  });
  return { ...m, brokerCpuMs: await brokerCpu() };
}

async function runStreams(kafka: Kafka, bootstrap: string, app: ThroughputApp, guarantee: ProcessingGuarantee, names: RunNames, n: number, budgetMs: number, brokerCpu: BrokerCpu): Promise<Omit<RunResult, 'app' | 'side' | 'guarantee'>> {
  const topology = (app === 'passthrough' ? passthroughTopology : bankLedgerTopology)({ applicationId: names.app, input: names.input, output: names.output });
  const streams = new KafkaStreams(topology, {
    applicationId: names.app,
    bootstrapServers: [bootstrap],
    processingGuarantee: guarantee,
    commitIntervalMs: COMMIT_INTERVAL_MS,
  });
  const committed = new CommittedOffsets();
  const issues: string[] = [];
  let invalid = 0;
  const logs = new Map<string, number>();
  streams.onEvent((e) => {
    if (!StreamsEvent.safeParse(e).success) invalid++;
    if (e.type === 'commit') for (const o of e.offsets) if (o.topic === names.input) committed.set(o.partition, o.offset);
    if (e.type === 'error') issues.push(`streams error event${e.fatal ? ' (fatal)' : ''}: ${e.message}`);
    if (e.type === 'log') logs.set(`${e.level}: ${e.message.slice(0, 120)}`, (logs.get(`${e.level}: ${e.message.slice(0, 120)}`) ?? 0) + 1);
  });
  await brokerCpu();
  await streams.start();
  const m = await measure(
    n,
    budgetMs,
    { processed: () => streams.tasks().reduce((s, t) => s + t.processed, 0), committed: () => committed.sum() },
    brokerCpu,
  );
  await streams.close();
  if (invalid > 0) issues.push(`${invalid} telemetry events failed StreamsEvent validation`);
  for (const [k, count] of logs) issues.push(`streams log ${count}× ${k}`);
  return finish(m, n, issues);
}

function finish(m: Measured, n: number, issues: string[]): Omit<RunResult, 'app' | 'side' | 'guarantee'> {
  const ms = m.first === null ? NaN : m.last - m.first;
  if (!m.complete) issues.push(`incomplete: not all ${n} records processed and committed within the budget`);
  const cpuMsPerK = m.complete ? (m.cpuMs + m.brokerCpuMs) / (n / 1000) : NaN;
  const tailMs = m.allProcessed === null ? NaN : m.last - m.allProcessed;
  return { records: n, ms, rate: m.complete ? n / (ms / 1000) : NaN, complete: m.complete, cpuMsPerK, tailMs, issues };
}

/** The loop's work per batch: what goes to which topic. */
type LoopWork = (batch: EachBatchPayload['batch']) => { topic: string; messages: Message[] }[];

function passthroughWork(names: RunNames): LoopWork {
  return (batch) => [{ topic: names.output, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp })) }];
}

/** bank-ledger by hand: the balance per account in a Map, a ledger record out, the new row to the changelog. */
function bankLedgerWork(names: RunNames): LoopWork {
  const balances = new Map<string, number>();
  return (batch) => {
    const ledger: Message[] = [];
    const rows: Message[] = [];
    for (const m of batch.messages) {
      const account = m.key?.toString() ?? '';
      const t = JSON.parse(m.value?.toString() ?? '{}') as { gen: string; seq: number; amount?: number };
      const amount = t.amount ?? 0;
      const balance = (balances.get(account) ?? 0) + amount;
      balances.set(account, balance);
      rows.push({ key: account, value: JSON.stringify({ balance, amount, gen: t.gen, seq: t.seq }) });
      ledger.push({ key: account, value: JSON.stringify({ account, amount, balance, gen: t.gen, seq: t.seq, source: { partition: batch.partition, offset: Number(m.offset) } }) });
    }
    return [
      { topic: names.output, messages: ledger },
      { topic: names.changelog, messages: rows },
    ];
  };
}

async function runLoop(kafka: Kafka, app: ThroughputApp, guarantee: ProcessingGuarantee, names: RunNames, n: number, budgetMs: number, brokerCpu: BrokerCpu): Promise<Omit<RunResult, 'app' | 'side' | 'guarantee'>> {
  const work = app === 'passthrough' ? passthroughWork(names) : bankLedgerWork(names);
  const eos = guarantee === 'exactly_once_v2';
  const consumer: Consumer = kafka.consumer({
    groupId: names.app,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    readUncommitted: !eos,
    allowAutoTopicCreation: false,
  });
  const producer: Producer = eos
    ? kafka.producer({ transactionalId: `${names.app}-txn`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner })
    : kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const issues: string[] = [];
  const committed = new CommittedOffsets();
  const serial = new SerialQueue();
  /** next offset per partition, processed but not committed (ALOS, EOS) */
  const pending = new Map<number, number>();
  let processed = 0;
  let lastCommit = Date.now();
  let txn: Transaction | null = null;
  let txnBegun = 0;

  const commit = async (): Promise<void> => {
    lastCommit = Date.now();
    if (pending.size === 0 && txn === null) return;
    const offsets = [...pending].map(([partition, offset]) => ({ topic: names.input, partition, offset: String(offset) }));
    const done = [...pending];
    pending.clear();
    if (eos) {
      if (txn === null) return;
      if (offsets.length > 0) await txn.sendOffsets({ consumerGroupId: names.app, topics: [{ topic: names.input, partitions: offsets.map(({ partition, offset }) => ({ partition, offset })) }] });
      await txn.commit();
      txn = null;
    } else {
      await consumer.commitOffsets(offsets);
    }
    for (const [p, o] of done) committed.set(p, o);
  };

  const onBatch = async ({ batch, resolveOffset }: EachBatchPayload): Promise<void> => {
    const next = Number(batch.lastOffset()) + 1;
    const partition = batch.partition;
    if (guarantee === 'at_most_once') {
      // Commit first, then process: a crash after the commit loses the batch, never repeats it.
      await consumer.commitOffsets([{ topic: names.input, partition, offset: String(next) }]);
      committed.set(partition, next);
    }
    if (batch.messages.length > 0) {
      const topicMessages = work(batch);
      processed += batch.messages.length;
      if (eos) {
        if (txn === null) {
          txn = await producer.transaction();
          txnBegun = Date.now();
        }
        await txn.sendBatch({ topicMessages, acks: -1 });
      } else {
        await producer.sendBatch({ topicMessages, acks: -1 });
      }
    }
    resolveOffset(batch.lastOffset());
    if (guarantee !== 'at_most_once') pending.set(partition, next);
    const since = eos ? Date.now() - txnBegun : Date.now() - lastCommit;
    if (guarantee !== 'at_most_once' && since >= COMMIT_INTERVAL_MS) await commit();
  };

  await brokerCpu();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [names.input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: (payload) => serial.run(() => onBatch(payload)),
  });
  // The tail: records processed after the last batch's commit check, as the runtime's commit timer.
  const timer = setInterval(() => {
    if (guarantee === 'at_most_once') return;
    const since = eos ? (txn === null ? 0 : Date.now() - txnBegun) : Date.now() - lastCommit;
    if (since >= COMMIT_INTERVAL_MS) void serial.run(commit).catch((e: Error) => issues.push(`loop commit failed: ${e.message}`));
  }, COMMIT_INTERVAL_MS / 2);
  const m = await measure(n, budgetMs, { processed: () => processed, committed: () => committed.sum() }, brokerCpu);
  clearInterval(timer);
  await serial.run(async () => undefined);
  await consumer.disconnect().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  return finish(m, n, issues);
}

interface RunNames {
  app: string;
  input: string;
  output: string;
  /** the loop's bank-ledger changelog (KafkaStreams creates its own, `<app>-balances-changelog`) */
  changelog: string;
}

let runSeq = 0;

/** One measured run on fresh topics and a fresh group: pre-fill, run, check the output, clean up. */
export async function throughputRun(
  kafka: Kafka,
  bootstrap: string,
  app: ThroughputApp,
  side: Side,
  guarantee: ProcessingGuarantee,
  n: number,
  budgetMs: number,
  brokerCpu: BrokerCpu,
): Promise<RunResult> {
  const tag = `${app}-${side}-${guarantee.replaceAll('_', '-')}-${++runSeq}`;
  const names: RunNames = { app: `bench-${tag}`, input: `bench-in-${tag}`, output: `bench-out-${tag}`, changelog: `bench-${tag}-${BALANCES_STORE}-changelog` };
  const loopChangelog = side === 'loop' && app === 'bank-ledger' ? [names.changelog] : [];
  await createTopics(kafka, [names.input, names.output, ...loopChangelog], INPUT_PARTITIONS);
  try {
    await prefill(kafka, app, names.input, n);
    const r = side === 'streams' ? await runStreams(kafka, bootstrap, app, guarantee, names, n, budgetMs, brokerCpu) : await runLoop(kafka, app, guarantee, names, n, budgetMs, brokerCpu);
    // Output sanity: every input record once (markers add offsets under exactly-once).
    const out = await highWatermarks(kafka, names.output);
    if (guarantee === 'exactly_once_v2' ? out < n : out !== n) r.issues.push(`output topic holds ${out} offsets for ${n} inputs`);
    return { app, side, guarantee, ...r };
  } finally {
    // names.changelog is also KafkaStreams' changelog name for names.app.
    await deleteTopics(kafka, [names.input, names.output, ...(app === 'bank-ledger' ? [names.changelog] : [])]);
  }
}
