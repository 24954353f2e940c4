// The txn block of the streams benchmark: the runtime's one transactional producer per stream
// thread (exactly_once_v2, KIP-447) against per-task transactional producers (what Kafka Streams'
// removed exactly_once v1 did), passthrough, one instance in this process, 6 or 24 input
// partitions = tasks, commit interval 100 ms. Each run has two phases on the same clients:
//   saturating: N pre-filled records, first processed → all N processed and committed: records/s;
//   paced:      then a fixed input rate for a fixed time (a kafkajs producer in this process, both
//               sides fed the same): transactions/s and commit latency in a steady state, where
//               the commit interval, not the backlog, decides the size of a transaction.
//
// thread:   KafkaStreams; transactions from its `txn` telemetry (phase 'committed': tasks, the time
//           the transaction was open), commit latency from its `commit` events (flush of every
//           task's records + TxnOffsetCommit + EndTxn for the thread).
// per-task: kafkajs, one consumer and one transactional producer per partition (transactional id
//           <app>-<partition>, as v1's <application id>-<task id>); each partition's transaction
//           holds its records and is committed with its own sendOffsets once it is 100 ms old. The
//           tasks due at a commit tick commit concurrently (v1 committed them one after the other
//           on the stream thread; concurrent is the kinder baseline). Commit latency: one task's
//           sendOffsets + commit; a round: all tasks due at one tick.
import type { Consumer, EachBatchPayload, Kafka, Producer, Transaction } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { passthroughTopology } from '../core/apps/passthrough.js';
import { KafkaStreams, StreamsEvent } from '../core/streams/index.js';
import { SerialQueue } from '../core/streams/runtime/serial-queue.js';
import { CommittedOffsets, createTopics, deleteTopics, highWatermarks, median, prefill } from './streams-common.js';
import { fixedRate, nowMs, sleep, summarize } from './util.js';

export const TXN_COMMIT_INTERVAL_MS = 100;
export const TXN_TASK_COUNTS = [6, 24] as const;
export type TxnSide = 'thread' | 'per-task';

export interface Pace {
  ratePerSec: number;
  ms: number;
}

export interface TxnResult {
  side: TxnSide;
  tasks: number;
  records: number;
  /** saturating phase: first processed → all N processed and committed */
  ms: number;
  complete: boolean;
  /** paced phase: its length, records processed in it, whether the commits caught up with the input after it */
  pacedMs: number;
  pacedRecords: number;
  caughtUp: boolean;
  /** From here on, the paced phase only. Transactions committed (thread: one per commit; per-task: one per task per commit). */
  txns: number;
  /** commit latency: thread = its commit; per-task = one task's sendOffsets + commit */
  commitP50: number;
  commitP99: number;
  /** per-task: all tasks due at one tick (the thread's commit is its own round) */
  roundP50: number;
  roundP99: number;
  rounds: number;
  /** mean tasks per committed transaction */
  tasksPerTxn: number;
  issues: string[];
}

type Measured = Omit<TxnResult, 'side' | 'tasks' | 'records' | 'issues'>;
/** Sends the paced input; resolves with how many records were sent. */
type Feed = () => Promise<number>;

interface Window {
  first: number;
  last: number;
  complete: boolean;
  pacedStart: number;
  pacedEnd: number;
  pacedRecords: number;
  caughtUp: boolean;
}

/** The saturating phase (measure), then the paced one, then (bounded) until the commits cover all input. */
async function drive(n: number, budgetMs: number, processed: () => number, committed: () => number, feed: Feed): Promise<Window> {
  const w = await measure(n, budgetMs, processed, committed);
  const p0 = processed();
  const pacedStart = nowMs();
  const sent = await feed();
  const pacedEnd = nowMs();
  const pacedRecords = processed() - p0;
  const until = nowMs() + 10_000;
  while (committed() < n + sent && nowMs() < until) await sleep(10);
  return { ...w, pacedStart, pacedEnd, pacedRecords, caughtUp: committed() >= n + sent };
}

interface Sample {
  at: number;
  ms: number;
  tasks?: number;
}

/** The saturating phase: first processed → all N processed and committed, or the budget. */
async function measure(n: number, budgetMs: number, processed: () => number, committed: () => number): Promise<{ first: number; last: number; complete: boolean }> {
  return new Promise((resolve) => {
    const start = nowMs();
    let first = NaN;
    const timer = setInterval(() => {
      const t = nowMs();
      if (Number.isNaN(first) && processed() > 0) first = t;
      const complete = processed() >= n && committed() >= n;
      if (complete || t - start > budgetMs) {
        clearInterval(timer);
        resolve({ first, last: t, complete });
      }
    }, 5);
  });
}

function summary(w: Window, txns: Sample[], commits: Sample[], rounds: Sample[]): Measured {
  const inside = (s: Sample) => s.at >= w.pacedStart && s.at <= w.pacedEnd;
  const t = txns.filter(inside);
  const c = summarize(commits.filter(inside).map((s) => s.ms));
  const r = summarize(rounds.filter(inside).map((s) => s.ms));
  return {
    ms: w.last - w.first,
    complete: w.complete,
    pacedMs: w.pacedEnd - w.pacedStart,
    pacedRecords: w.pacedRecords,
    caughtUp: w.caughtUp,
    txns: t.length,
    commitP50: c.p50,
    commitP99: c.p99,
    roundP50: r.p50,
    roundP99: r.p99,
    rounds: r.count,
    tasksPerTxn: t.length === 0 ? NaN : t.reduce((s, x) => s + (x.tasks ?? 0), 0) / t.length,
  };
}

interface Names {
  app: string;
  input: string;
  output: string;
}

async function runThread(bootstrap: string, names: Names, n: number, budgetMs: number, feed: Feed, issues: string[]): Promise<Measured> {
  const streams = new KafkaStreams(passthroughTopology({ applicationId: names.app, input: names.input, output: names.output }), {
    applicationId: names.app,
    bootstrapServers: [bootstrap],
    processingGuarantee: 'exactly_once_v2',
    commitIntervalMs: TXN_COMMIT_INTERVAL_MS,
  });
  const committed = new CommittedOffsets();
  const txns: Sample[] = [];
  const commits: Sample[] = [];
  let invalid = 0;
  streams.onEvent((e) => {
    if (!StreamsEvent.safeParse(e).success) invalid++;
    if (e.type === 'txn' && e.phase === 'committed') txns.push({ at: nowMs(), ms: e.durationMs ?? NaN, tasks: e.tasks.length });
    if (e.type === 'txn' && (e.phase === 'aborted' || e.phase === 'fenced')) issues.push(`txn ${e.phase}${e.error ? `: ${e.error}` : ''}`);
    if (e.type === 'commit') {
      commits.push({ at: nowMs(), ms: e.durationMs });
      for (const o of e.offsets) if (o.topic === names.input) committed.set(o.partition, o.offset);
    }
    if (e.type === 'error') issues.push(`streams error${e.fatal ? ' (fatal)' : ''}: ${e.message.slice(0, 160)}`);
  });
  await streams.start();
  try {
    const w = await drive(n, budgetMs, () => streams.tasks().reduce((s, t) => s + t.processed, 0), () => committed.sum(), feed);
    // The thread's commit is its round.
    return summary(w, txns, commits, commits);
  } finally {
    await streams.close();
    if (invalid > 0) issues.push(`${invalid} telemetry events failed StreamsEvent validation`);
  }
}

interface Task {
  partition: number;
  producer: Producer;
  txn: Transaction | null;
  begun: number;
  next: number;
  records: number;
}

async function runPerTask(kafka: Kafka, names: Names, partitions: number, n: number, budgetMs: number, feed: Feed, issues: string[]): Promise<Measured> {
  const consumer: Consumer = kafka.consumer({ groupId: names.app, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 250, readUncommitted: false, allowAutoTopicCreation: false });
  const tasks: Task[] = Array.from({ length: partitions }, (_, partition) => ({
    partition,
    producer: kafka.producer({ transactionalId: `${names.app}-0_${partition}`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner }),
    txn: null,
    begun: 0,
    next: 0,
    records: 0,
  }));
  const committed = new CommittedOffsets();
  const txns: Sample[] = [];
  const commits: Sample[] = [];
  const rounds: Sample[] = [];
  const serial = new SerialQueue();
  let processed = 0;

  const commitTask = async (t: Task): Promise<void> => {
    const txn = t.txn!;
    const s = nowMs();
    await txn.sendOffsets({ consumerGroupId: names.app, topics: [{ topic: names.input, partitions: [{ partition: t.partition, offset: String(t.next) }] }] });
    await txn.commit();
    const at = nowMs();
    commits.push({ at, ms: at - s });
    txns.push({ at, ms: at - t.begun, tasks: 1 });
    t.txn = null;
    t.records = 0;
    committed.set(t.partition, t.next);
  };
  const commitDue = async (): Promise<void> => {
    const now = nowMs();
    const due = tasks.filter((t) => t.txn !== null && now - t.begun >= TXN_COMMIT_INTERVAL_MS);
    if (due.length === 0) return;
    await Promise.all(due.map(commitTask));
    const at = nowMs();
    rounds.push({ at, ms: at - now });
  };
  const onBatch = async ({ batch, resolveOffset }: EachBatchPayload): Promise<void> => {
    const t = tasks[batch.partition]!;
    if (batch.messages.length > 0) {
      if (t.txn === null) {
        t.txn = await t.producer.transaction();
        t.begun = nowMs();
      }
      await t.txn.send({ topic: names.output, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp })), acks: -1 });
      t.records += batch.messages.length;
      processed += batch.messages.length;
    }
    resolveOffset(batch.lastOffset());
    t.next = Number(batch.lastOffset()) + 1;
    await commitDue();
  };

  await Promise.all(tasks.map((t) => t.producer.connect()));
  await consumer.connect();
  const tick = setInterval(() => void serial.run(commitDue).catch((e: Error) => issues.push(`per-task commit failed: ${e.message}`)), TXN_COMMIT_INTERVAL_MS / 2);
  try {
    await consumer.subscribe({ topics: [names.input], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (p) => serial.run(() => onBatch(p)) });
    const w = await drive(n, budgetMs, () => processed, () => committed.sum(), feed);
    return summary(w, txns, commits, rounds);
  } finally {
    clearInterval(tick);
    await serial.run(async () => undefined);
    await consumer.disconnect().catch(() => undefined);
    await Promise.all(tasks.map((t) => t.producer.disconnect().catch(() => undefined)));
  }
}

let seq = 0;

/** One run on fresh topics and a fresh group: pre-fill, run, check the output, delete the topics. */
export async function txnRun(kafka: Kafka, bootstrap: string, side: TxnSide, partitions: number, n: number, budgetMs: number, pace: Pace): Promise<TxnResult> {
  const tag = `txn-${side}-${partitions}-${++seq}`;
  const names: Names = { app: `bench-${tag}`, input: `bench-in-${tag}`, output: `bench-out-${tag}` };
  const issues: string[] = [];
  await createTopics(kafka, [names.input, names.output], partitions);
  try {
    await prefill(kafka, names.input, n, partitions, (i) => `k${i % 1000}`, (i) => `record ${i} `.padEnd(100, '.'));
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // 50 sends a second, each a slice of the rate spread over the partitions; not awaited one by one (open loop).
    const feed: Feed = async () => {
      const per = Math.max(1, Math.round(pace.ratePerSec / 50));
      const sends: Promise<unknown>[] = [];
      let seqNo = n;
      await fixedRate(50, pace.ms, () => {
        const messages = Array.from({ length: per }, () => {
          const i = seqNo++;
          return { key: `k${i % 1000}`, value: `record ${i} `.padEnd(100, '.'), partition: i % partitions };
        });
        sends.push(producer.send({ topic: names.input, messages, acks: -1 }).catch((e: Error) => issues.push(`paced send failed: ${e.message}`)));
      });
      await Promise.all(sends);
      return seqNo - n;
    };
    let m: Measured;
    try {
      m = side === 'thread' ? await runThread(bootstrap, names, n, budgetMs, feed, issues) : await runPerTask(kafka, names, partitions, n, budgetMs, feed, issues);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
    if (!m.complete) issues.push(`incomplete: not all ${n} records processed and committed within ${budgetMs} ms`);
    if (!m.caughtUp) issues.push('the commits had not caught up with the paced input 10 s after it stopped');
    const out = await highWatermarks(kafka, names.output);
    if (out < n) issues.push(`output topic holds ${out} offsets for ${n} inputs`);
    return { side, tasks: partitions, records: n, issues, ...m };
  } finally {
    await deleteTopics(kafka, [names.input, names.output]);
  }
}

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const ratio = (a: number, b: number): number => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

export interface TxnBlockOptions {
  records: number;
  rounds: number;
  pace: Pace;
  log: (line: string) => void;
}

/** Interleaved rounds of both sides at 6 and 24 tasks; a table of medians and ratios thread / per-task. */
export async function txnBlock(kafka: Kafka, bootstrap: string, o: TxnBlockOptions): Promise<{ rows: string[][]; notes: string[] }> {
  const budgetMs = Math.max(60_000, o.records);
  const notes: string[] = [];
  const results: TxnResult[] = [];
  // Warm-up (not reported): JIT, connections.
  for (const side of ['thread', 'per-task'] as const) {
    const r = await txnRun(kafka, bootstrap, side, TXN_TASK_COUNTS[0], Math.max(1000, Math.round(o.records / 10)), budgetMs, { ratePerSec: o.pace.ratePerSec, ms: 1000 });
    for (const i of r.issues) notes.push(`txn warm-up ${side}: ${i}`);
  }
  for (let round = 0; round < o.rounds; round++) {
    for (const tasks of TXN_TASK_COUNTS) {
      const order: TxnSide[] = round % 2 === 0 ? ['thread', 'per-task'] : ['per-task', 'thread'];
      for (const side of order) {
        const r = await txnRun(kafka, bootstrap, side, tasks, o.records, budgetMs, o.pace);
        results.push(r);
        o.log(
          `  round ${round + 1} ${String(tasks).padStart(2)} tasks ${side.padEnd(8)}: saturating ${f0(r.records / (r.ms / 1000))} rec/s; paced ${f0(r.pacedRecords / (r.pacedMs / 1000))} rec/s,` +
            ` ${r.txns} txns (${f1(r.txns / (r.pacedMs / 1000))}/s), commit p50 ${f1(r.commitP50)} / p99 ${f1(r.commitP99)} ms, round p50 ${f1(r.roundP50)} / p99 ${f1(r.roundP99)} ms, ${f1(r.tasksPerTxn)} tasks/txn` +
            `${r.issues.length ? `  [${r.issues.slice(0, 3).join('; ')}]` : ''}`,
        );
        for (const i of r.issues) notes.push(`txn round ${round + 1} ${tasks} tasks ${side}: ${i}`);
      }
    }
  }
  const rows: string[][] = [
    ['tasks', 'side', 'saturating rec/s', 'paced rec/s', 'txns/s', 'commit rounds/s', 'tasks/txn', 'commit p50 / p99', 'round p50 / p99', 'thread / per-task: saturating rec/s', 'txns/s', 'round p50', 'round p99'],
  ];
  for (const tasks of TXN_TASK_COUNTS) {
    const of = (side: TxnSide) => results.filter((r) => r.tasks === tasks && r.side === side && r.complete);
    const m = (side: TxnSide, f: (r: TxnResult) => number) => median(of(side).map(f));
    const rate = (r: TxnResult) => r.records / (r.ms / 1000);
    const paced = (r: TxnResult) => r.pacedRecords / (r.pacedMs / 1000);
    const txnRate = (r: TxnResult) => r.txns / (r.pacedMs / 1000);
    const roundRate = (r: TxnResult) => r.rounds / (r.pacedMs / 1000);
    const x = (f: (r: TxnResult) => number) => `${f2(ratio(m('thread', f), m('per-task', f)))}×`;
    for (const side of ['thread', 'per-task'] as const) {
      rows.push([
        String(tasks),
        side === 'thread' ? 'thread (runtime, exactly_once_v2)' : 'per-task (kafkajs, v1-style)',
        f0(m(side, rate)),
        f0(m(side, paced)),
        f1(m(side, txnRate)),
        f1(m(side, roundRate)),
        f1(m(side, (r) => r.tasksPerTxn)),
        `${f1(m(side, (r) => r.commitP50))} / ${f1(m(side, (r) => r.commitP99))} ms`,
        `${f1(m(side, (r) => r.roundP50))} / ${f1(m(side, (r) => r.roundP99))} ms`,
        ...(side === 'thread' ? [x(rate), x(txnRate), x((r) => r.roundP50), x((r) => r.roundP99)] : ['', '', '', '']),
      ]);
    }
    const missing = o.rounds - Math.min(of('thread').length, of('per-task').length);
    if (missing > 0) notes.push(`txn ${tasks} tasks: ${missing} round(s) incomplete on a side, left out of the medians`);
  }
  return { rows, notes };
}
