// `npm run bench:coordination [-- --quick]`: consumer-group and transaction coordination figures
// for the embedded broker, with kafkajs 2.2.4 clients.
//   1. Rebalance time of a 10-member group when one member leaves gracefully (disconnect →
//      LeaveGroup) and when it disappears (SIGKILL of its process: no LeaveGroup, the broker finds
//      out by session timeout). Measured from the leave/kill to the moment all 9 remaining
//      consumers have their new assignment (kafkajs GROUP_JOIN), beside the broker's own events.
//   2. Transactions per second, commit() (EndTxn) latency of a transactional producer, against
//      the same loop with a plain idempotent producer, interleaved in the same run.
// The broker runs in a child process (on-disk data dir in os.tmpdir(), flush 'os'); the leaving
// consumer runs in another child; the other consumers and the producers run here. Everything binds
// 127.0.0.1 on ports picked at run time, everything started is stopped, every loop is bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Consumer, type ConsumerConfig, type Message, type Producer } from 'kafkajs';
import type { BrokerEvent } from '../core/broker/events.js';
import { JsonChild, nowMs, percentile, sleep, summarize, withTimeout } from './util.js';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (args.help) {
  console.log('usage: npm run bench:coordination [-- --quick]   (--quick: 1 repetition per case, 3 s of transactions: a smoke run)');
  process.exit(0);
}
const quick = args.quick ?? false;

const CFG = {
  consumers: 10,
  partitions: 20,
  /** kafkajs consumer settings, the same for all ten. */
  sessionTimeoutMs: 6000,
  /** About a third of the session timeout, as kafkajs recommends. */
  heartbeatIntervalMs: 2000,
  rebalanceTimeoutMs: 20_000,
  /**
   * kafkajs heartbeats only from its fetch loop, after each Fetch returns; with an idle topic a
   * Fetch waits maxWaitTimeInMs (default 5000, too close to a 6 s session), so it is lowered.
   */
  maxWaitTimeInMs: 1000,
  /** The broker's group.initial.rebalance.delay.ms (its default). */
  initialRebalanceDelayMs: 300,
  reps: quick ? 1 : 3,
  /** Bound on forming the group, and on one rebalance after a leave/kill. */
  stableBudgetMs: 30_000,
  rebalanceBudgetMs: 30_000,
  /** Transactions: interleaved slices of baseline and transactional loops. */
  txnSlices: quick ? 3 : 5,
  txnSliceMs: quick ? 1000 : 2000,
  txnPartitions: 4,
  recordsPerTxn: 4,
  valueBytes: 100,
  warmup: 20,
  maxLoops: 200_000,
};

const TOPICS = { group: 'bench-coord-group', txn: 'bench-coord-txn', idem: 'bench-coord-idempotent' };

const consumerConfig: Omit<ConsumerConfig, 'groupId'> = {
  sessionTimeout: CFG.sessionTimeoutMs,
  heartbeatInterval: CFG.heartbeatIntervalMs,
  rebalanceTimeout: CFG.rebalanceTimeoutMs,
  maxWaitTimeInMs: CFG.maxWaitTimeInMs,
};

interface BrokerStats {
  cpuCores: number;
  cpuMs: number;
  rssMB: number;
  heapMB: number;
  broker: { frames: number; rejected: number; connections: number };
  logged: { warn: number; error: number };
  warnings: string[];
  droppedEvents: number;
  topics: Record<string, { hw: number; lso: number }[]>;
}

const notes: string[] = [];
/** kafkajs error-level log lines, counted by message and error (client ids left out). */
const kjsErrors = { count: 0, kinds: new Map<string, number>() };
const started: {
  broker?: JsonChild;
  victim?: JsonChild;
  consumers: Set<Consumer>;
  producers: Set<Producer>;
  dataDir?: string;
} = { consumers: new Set(), producers: new Set() };

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const loadStr = () => loadavg().map(f2).join(' / ');

function makeKafka(bootstrap: string, clientId: string): Kafka {
  return new Kafka({
    brokers: [bootstrap],
    clientId,
    retry: { retries: 5 },
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => {
      kjsErrors.count++;
      const error = (entry.log as { error?: unknown }).error;
      const kind = `${String(entry.log.message)}${error ? `: ${String(error)}` : ''}`;
      kjsErrors.kinds.set(kind, (kjsErrors.kinds.get(kind) ?? 0) + 1);
    },
  });
}

/** Busy CPU time of the whole machine (all cores, all processes), ms. */
function machineBusyMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

// ---- broker events ----

const brokerEvents: BrokerEvent[] = [];

/** Drains the broker child's event buffer into `brokerEvents`. */
async function pollEvents(): Promise<void> {
  const r = await started.broker?.request<{ events: BrokerEvent[] }>('events', 10_000);
  if (r) brokerEvents.push(...r.events);
}

async function brokerStats(): Promise<BrokerStats | null> {
  try {
    return (await started.broker?.request<BrokerStats>('stats', 10_000)) ?? null;
  } catch {
    return null;
  }
}

const groupEvents = (groupId: string, since: number) =>
  brokerEvents.filter((e) => 'groupId' in e && e.groupId === groupId && e.at >= since);

type Completed = Extract<BrokerEvent, { type: 'group.rebalance.completed' }>;

// ---- part 1: rebalances ----

interface Stay {
  consumer: Consumer;
  clientId: string;
  /** Every GROUP_JOIN: wall-clock time (comparable with the broker child's event times), member, partitions. */
  joins: { at: number; memberId: string; partitions: number[] }[];
}

interface Watch {
  t0: number;
  /** When all remaining consumers first held a complete, disjoint assignment received after t0. */
  doneAt: number | null;
}

let watch: Watch | null = null;

/** Whether every consumer has joined since `since` and their latest assignments cover the topic exactly once. */
function allAssignedSince(stay: Stay[], since: number): boolean {
  const seen = new Set<number>();
  let total = 0;
  for (const s of stay) {
    const last = s.joins[s.joins.length - 1];
    if (!last || last.at < since) return false;
    for (const p of last.partitions) seen.add(p);
    total += last.partitions.length;
  }
  return seen.size === CFG.partitions && total === CFG.partitions;
}

async function startStay(bootstrap: string, groupId: string, i: number, stay: Stay[]): Promise<Stay> {
  const clientId = `bench-stay-${i}`;
  const consumer = makeKafka(bootstrap, clientId).consumer({ ...consumerConfig, groupId });
  started.consumers.add(consumer);
  const s: Stay = { consumer, clientId, joins: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    s.joins.push({ at: Date.now(), memberId: e.payload.memberId, partitions: e.payload.memberAssignment[TOPICS.group] ?? [] });
    if (watch && watch.doneAt === null && allAssignedSince(stay, watch.t0)) watch.doneAt = Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.group], fromBeginning: false });
  await consumer.run({ eachMessage: async () => {} });
  return s;
}

/** Waits (bounded) until the broker's latest generation has `n` members matching what the local consumers hold. */
async function waitStable(groupId: string, n: number, stay: Stay[], since: number, budgetMs: number): Promise<Completed> {
  const deadline = nowMs() + budgetMs;
  let candidate: Completed | null = null;
  let candidateSeenAt = 0;
  while (nowMs() < deadline) {
    await pollEvents();
    const evs = groupEvents(groupId, since);
    const lastDone = [...evs].reverse().find((e): e is Completed => e.type === 'group.rebalance.completed');
    const startedAfter = lastDone ? evs.some((e) => e.type === 'group.rebalance.started' && e.at >= lastDone.at && e.generationId > lastDone.generationId) : true;
    const ok =
      lastDone &&
      !startedAfter &&
      Object.keys(lastDone.assignment).length === n &&
      stay.every((s) => {
        const last = s.joins[s.joins.length - 1];
        const want = lastDone.assignment[last?.memberId ?? '']?.[TOPICS.group] ?? [];
        return last !== undefined && last.partitions.length === want.length && last.partitions.every((p) => want.includes(p));
      });
    if (ok) {
      // Stable for a second (no new generation) before it counts.
      if (candidate?.generationId !== lastDone.generationId) {
        candidate = lastDone;
        candidateSeenAt = nowMs();
      } else if (nowMs() - candidateSeenAt >= 1000) return lastDone;
    } else candidate = null;
    await sleep(100);
  }
  throw new Error(`group ${groupId} did not settle with ${n} members within ${budgetMs} ms`);
}

interface RepResult {
  /** All ms, from the leave call / kill (t0) unless named otherwise. */
  removed: number;
  removedReason: string;
  brokerCompleted: number;
  clientAssigned: number;
  removedToAssigned: number;
  brokerDurationMs: number;
  rejoinedToAssigned: number;
  rebalances: number;
  /** Forming the group: start → the broker's completion of the generation with all ten, and that generation. */
  formedMs: number;
  formedGeneration: number;
  /** Wait after the group was stable (and had been for 1 s) before the leave/kill. */
  phaseMs: number;
  leaveCallMs?: number;
}

async function rebalanceRep(bootstrap: string, mode: 'leave' | 'kill', rep: number): Promise<RepResult> {
  const groupId = `bench-coord-${mode}-${rep}-${process.pid}`;
  const victimClientId = `bench-victim-${mode}-${rep}`;
  const since = Date.now();
  const stay: Stay[] = [];
  // The victim in its own process, the nine others here; all join at about the same time.
  const [victim] = await Promise.all([
    JsonChild.start<{ ready: boolean }>(
      'coordination-consumer-child.ts',
      [bootstrap, victimClientId, groupId, TOPICS.group, JSON.stringify(consumerConfig)],
      30_000,
    ).then((v) => (started.victim = v.child)),
    ...Array.from({ length: CFG.consumers - 1 }, (_, i) => startStay(bootstrap, groupId, i, stay).then((s) => void stay.push(s))),
  ]);
  const stable = await waitStable(groupId, CFG.consumers, stay, since, CFG.stableBudgetMs);
  const victimMember = Object.keys(stable.assignment).find((m) => m.startsWith(`${victimClientId}-`));
  if (!victimMember) throw new Error('the victim is not in the group');
  const formedMs = stable.at - since;
  // Where the leave/kill falls in the members' heartbeat cycle decides how long detection takes;
  // the repetitions spread it evenly over one cycle (heartbeat interval + one Fetch wait).
  const phaseMs = Math.round(((rep + 0.5) / CFG.reps) * (CFG.heartbeatIntervalMs + CFG.maxWaitTimeInMs));
  await sleep(phaseMs);

  // Go.
  const w: Watch = { t0: Date.now(), doneAt: null };
  watch = w;
  let leaveCallMs: number | undefined;
  if (mode === 'leave') {
    const r = await victim.request<{ left: boolean; ms?: number; error?: string }>('leave', 20_000);
    if (!r.left) throw new Error(`victim disconnect failed: ${r.error}`);
    leaveCallMs = r.ms;
  } else {
    await victim.kill();
  }

  const deadline = nowMs() + CFG.rebalanceBudgetMs;
  let completed: Completed | undefined;
  while (nowMs() < deadline) {
    await pollEvents();
    completed = groupEvents(groupId, w.t0).find(
      (e): e is Completed => e.type === 'group.rebalance.completed' && Object.keys(e.assignment).length === CFG.consumers - 1,
    );
    if (completed && w.doneAt !== null) break;
    await sleep(50);
  }
  watch = null;
  if (!completed || w.doneAt === null) {
    throw new Error(`no complete 9-member assignment within ${CFG.rebalanceBudgetMs} ms of the ${mode} (broker completed: ${!!completed}, clients: ${w.doneAt !== null})`);
  }
  const evs = groupEvents(groupId, w.t0);
  const left = evs.find((e) => e.type === 'group.member.left' && e.memberId === victimMember);
  const others = evs.filter((e) => e.type === 'group.member.left' && e.memberId !== victimMember);
  if (others.length) notes.push(`${mode} #${rep + 1}: ${others.length} other member(s) left the group during the rebalance`);
  const rejoined = evs.find((e) => e.type === 'group.state' && e.to === 'CompletingRebalance' && e.at <= completed!.at);
  const rebalances = evs.filter((e) => e.type === 'group.rebalance.started' && e.at <= completed!.at).length;
  const removedAt = left?.at ?? NaN;
  const result: RepResult = {
    removed: removedAt - w.t0,
    removedReason: left && left.type === 'group.member.left' ? left.reason : 'not seen',
    brokerCompleted: completed.at - w.t0,
    clientAssigned: w.doneAt - w.t0,
    removedToAssigned: w.doneAt - removedAt,
    brokerDurationMs: completed.durationMs,
    rejoinedToAssigned: rejoined ? w.doneAt - rejoined.at : NaN,
    rebalances,
    formedMs,
    formedGeneration: stable.generationId,
    phaseMs,
    ...(leaveCallMs !== undefined ? { leaveCallMs } : {}),
  };

  // Tear down this group: the nine leave together, the victim child exits (if still alive).
  await Promise.allSettled(
    stay.map(async (s) => {
      await withTimeout(s.consumer.disconnect(), 15_000, 'consumer disconnect');
      started.consumers.delete(s.consumer);
    }),
  );
  await victim.stop();
  started.victim = undefined;
  if (victim.stderrLines.length) notes.push(`${mode} #${rep + 1}: the leaving consumer wrote ${victim.stderrLines.length} stderr line(s), first: ${victim.stderrLines[0]}`);
  return result;
}

// ---- part 2: transactions ----

/** Loop i writes `recordsPerTxn` records: even i to one partition, odd i split over two. */
function messagesFor(i: number, value: Buffer): Message[] {
  const p = i % CFG.txnPartitions;
  const q = i % 2 === 0 ? p : (p + 1) % CFG.txnPartitions;
  return Array.from({ length: CFG.recordsPerTxn }, (_, k) => ({ value, partition: k < CFG.recordsPerTxn / 2 ? p : q }));
}

interface LoopSamples {
  loops: number;
  ms: number;
  total: number[];
  send: number[];
  commit: number[];
  failed: number;
  errors: string[];
  partitionsWritten: number;
}

const emptySamples = (): LoopSamples => ({ loops: 0, ms: 0, total: [], send: [], commit: [], failed: 0, errors: [], partitionsWritten: 0 });

/** One closed loop for `ms`: a transaction (begin, send, commit) or a plain idempotent send per iteration. */
async function runLoop(producer: Producer, kind: 'txn' | 'idem', ms: number, into: LoopSamples | null, value: Buffer, counter: { i: number }): Promise<void> {
  const topic = kind === 'txn' ? TOPICS.txn : TOPICS.idem;
  const t0 = nowMs();
  const deadline = t0 + ms;
  let n = 0;
  while ((into ? nowMs() < deadline : n < CFG.warmup) && counter.i < CFG.maxLoops) {
    const i = counter.i++;
    n++;
    const messages = messagesFor(i, value);
    const partitions = new Set(messages.map((m) => m.partition)).size;
    const a = nowMs();
    try {
      if (kind === 'txn') {
        const txn = await producer.transaction();
        const b = nowMs();
        try {
          await txn.send({ topic, messages, acks: -1 });
        } catch (e) {
          await txn.abort().catch(() => {});
          throw e;
        }
        const c = nowMs();
        await txn.commit();
        const d = nowMs();
        if (into) {
          into.send.push(c - b);
          into.commit.push(d - c);
          into.total.push(d - a);
        }
      } else {
        await producer.send({ topic, messages, acks: -1 });
        if (into) into.total.push(nowMs() - a);
      }
      if (into) {
        into.loops++;
        into.partitionsWritten += partitions;
      }
    } catch (e) {
      if (into) {
        into.failed++;
        if (into.errors.length < 3) into.errors.push((e as Error).message);
        if (into.failed > 5) break;
      } else throw e;
    }
  }
  if (into) into.ms += nowMs() - t0;
}

// ---- output ----

function table(head: string[], rows: string[][]): void {
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((x, c) => x.padEnd(width[c]!)).join(' | ').trimEnd();
  console.log(line(head));
  console.log(width.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

const medMax = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? `${f0(percentile(s, 50))} / ${f0(s[s.length - 1]!)}` : 'n/a';
};

// ---- main ----

async function cleanup(): Promise<void> {
  await Promise.allSettled([...started.consumers].map((c) => withTimeout(c.disconnect(), 10_000, 'consumer disconnect')));
  await Promise.allSettled([...started.producers].map((p) => withTimeout(p.disconnect(), 10_000, 'producer disconnect')));
  started.consumers.clear();
  started.producers.clear();
  await Promise.allSettled([started.victim?.kill(), started.broker?.stop()]);
  started.victim = started.broker = undefined;
  if (started.dataDir) rmSync(started.dataDir, { recursive: true, force: true });
  started.dataDir = undefined;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: stopping clients and children, removing the data dir`);
    void cleanup().then(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const tStart = nowMs();
  const loadAtStart = loadStr();
  console.log(`Streamwatch coordination benchmark${quick ? ' (--quick: 1 repetition, short transaction loops)' : ''}`);
  console.log(
    `config: ${CFG.consumers} kafkajs consumers, 1 topic of ${CFG.partitions} partitions (idle), sessionTimeout ${CFG.sessionTimeoutMs} ms, ` +
      `heartbeatInterval ${CFG.heartbeatIntervalMs} ms, rebalanceTimeout ${CFG.rebalanceTimeoutMs} ms, maxWaitTimeInMs ${CFG.maxWaitTimeInMs} ms, ` +
      `range assigner (kafkajs default); broker initialRebalanceDelayMs ${CFG.initialRebalanceDelayMs}, ${CFG.reps} repetition(s) per case, ` +
      `fresh group per repetition; transactions: ${CFG.recordsPerTxn} records of ${CFG.valueBytes} B per loop (even loops 1 partition, odd 2) ` +
      `over ${CFG.txnPartitions} partitions, ${CFG.txnSlices}× ${CFG.txnSliceMs / 1000} s slices each of transactional and idempotent loops, interleaved; ` +
      `kafkajs 2.2.4, Node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model.trim() ?? '?'}); load average ${loadAtStart}`,
  );

  started.dataDir = mkdtempSync(join(tmpdir(), 'streamwatch-bench-coord-'));
  const b = await JsonChild.start<{ bootstrap: string }>('broker-child.ts', [started.dataDir, String(CFG.initialRebalanceDelayMs)]);
  started.broker = b.child;
  const bootstrap = b.ready.bootstrap;
  console.log(`broker: ${bootstrap}, data dir ${started.dataDir}`);

  const admin = makeKafka(bootstrap, 'bench-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic: TOPICS.group, numPartitions: CFG.partitions },
        { topic: TOPICS.txn, numPartitions: CFG.txnPartitions },
        { topic: TOPICS.idem, numPartitions: CFG.txnPartitions },
      ],
      waitForLeaders: true,
      timeout: 10_000,
    });
  } finally {
    await admin.disconnect();
  }

  // 1. Rebalances.
  const reps: Record<'leave' | 'kill', RepResult[]> = { leave: [], kill: [] };
  const failures: string[] = [];
  const m0 = machineBusyMs();
  const w0 = nowMs();
  for (let rep = 0; rep < CFG.reps; rep++) {
    for (const mode of ['leave', 'kill'] as const) {
      if (interrupted) return;
      try {
        const r = await rebalanceRep(bootstrap, mode, rep);
        reps[mode].push(r);
        console.log(
          `${mode === 'leave' ? 'graceful leave' : 'SIGKILL      '} #${rep + 1}: removed at broker +${f0(r.removed)} ms (${r.removedReason}), ` +
            `broker completed +${f0(r.brokerCompleted)} ms, all 9 assigned +${f0(r.clientAssigned)} ms` +
            (r.rebalances !== 1 ? `, ${r.rebalances} rebalances` : '') +
            (r.leaveCallMs !== undefined ? `; disconnect() took ${f0(r.leaveCallMs)} ms` : '') +
            `; group formed in ${f0(r.formedMs)} ms at generation ${r.formedGeneration}, acted ${f0(r.phaseMs)} ms + 1 s after it was stable`,
        );
      } catch (e) {
        failures.push(`${mode} #${rep + 1}: ${(e as Error).message}`);
        console.log(`${mode} #${rep + 1}: failed: ${(e as Error).message}`);
        // Leave no consumer of a failed repetition behind.
        await Promise.allSettled([...started.consumers].map((c) => withTimeout(c.disconnect(), 10_000, 'consumer disconnect')));
        started.consumers.clear();
        await started.victim?.kill();
        started.victim = undefined;
      }
    }
  }
  const groupPhaseMachine = (machineBusyMs() - m0) / (nowMs() - w0);
  const loadAfterGroups = loadStr();

  // 2. Transactions, interleaved with the idempotent baseline.
  const value = Buffer.alloc(CFG.valueBytes, 0x74);
  const kafka = makeKafka(bootstrap, 'bench-txn');
  const txnProducer = kafka.producer({ transactionalId: `bench-coord-txn-${process.pid}`, idempotent: true, maxInFlightRequests: 1 });
  const idemProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  started.producers.add(txnProducer).add(idemProducer);
  const txn = emptySamples();
  const idem = emptySamples();
  const txnCounter = { i: 0 };
  const idemCounter = { i: 0 };
  let txnCpu: { broker: number; client: number; machine: number } | null = null;
  const txnWindow = { from: 0, to: 0 };
  if (!interrupted) {
    try {
      await Promise.all([txnProducer.connect(), idemProducer.connect()]);
      await runLoop(txnProducer, 'txn', 0, null, value, txnCounter);
      await runLoop(idemProducer, 'idem', 0, null, value, idemCounter);
      await pollEvents();
      await brokerStats();
      const c0 = process.cpuUsage();
      const m1 = machineBusyMs();
      const t1 = nowMs();
      txnWindow.from = Date.now();
      for (let s = 0; s < CFG.txnSlices && !interrupted; s++) {
        // Alternate which goes first so neither always follows the other.
        const order = s % 2 === 0 ? (['idem', 'txn'] as const) : (['txn', 'idem'] as const);
        for (const kind of order) {
          if (kind === 'txn') await runLoop(txnProducer, 'txn', CFG.txnSliceMs, txn, value, txnCounter);
          else await runLoop(idemProducer, 'idem', CFG.txnSliceMs, idem, value, idemCounter);
        }
      }
      txnWindow.to = Date.now();
      const ms = nowMs() - t1;
      const cu = process.cpuUsage(c0);
      const st = await brokerStats();
      txnCpu = { broker: st ? st.cpuMs / ms : NaN, client: (cu.user + cu.system) / 1000 / ms, machine: (machineBusyMs() - m1) / ms };
      await pollEvents();
      // Sanity: records and markers in the logs match what the clients were told.
      if (st) {
        const hwSum = (t: string) => (st.topics[t] ?? []).reduce((a, p) => a + p.hw, 0);
        const committedTxns = CFG.warmup + txn.loops;
        const txnPartitionsWritten = txn.partitionsWritten + Array.from({ length: CFG.warmup }, (_, i) => new Set(messagesFor(i, value).map((m) => m.partition)).size).reduce((a, x) => a + x, 0);
        const expectTxn = committedTxns * CFG.recordsPerTxn + txnPartitionsWritten;
        if (txn.failed === 0 && hwSum(TOPICS.txn) !== expectTxn) {
          notes.push(`transactional topic: high watermarks sum to ${hwSum(TOPICS.txn)}, expected ${expectTxn} (${committedTxns} × ${CFG.recordsPerTxn} records + one marker per partition per transaction)`);
        }
        const expectIdem = (CFG.warmup + idem.loops) * CFG.recordsPerTxn;
        if (idem.failed === 0 && hwSum(TOPICS.idem) !== expectIdem) notes.push(`idempotent topic: high watermarks sum to ${hwSum(TOPICS.idem)}, expected ${expectIdem}`);
        const lsoLag = (st.topics[TOPICS.txn] ?? []).filter((p) => p.lso !== p.hw);
        if (lsoLag.length) notes.push(`transactional topic: ${lsoLag.length} partition(s) with LSO != high watermark after all commits`);
      }
    } catch (e) {
      failures.push(`transactions: ${(e as Error).message}`);
    }
  }
  const txnEvents = brokerEvents.filter(
    (e): e is Extract<BrokerEvent, { type: 'txn.committed' | 'txn.aborted' }> =>
      (e.type === 'txn.committed' || e.type === 'txn.aborted') && e.at >= txnWindow.from && e.at <= txnWindow.to + 1000,
  );
  const brokerTxn = summarize(txnEvents.filter((e) => e.type === 'txn.committed').map((e) => e.durationMs));
  const aborted = txnEvents.filter((e) => e.type === 'txn.aborted').length;
  const fenced = brokerEvents.filter((e) => e.type === 'txn.fenced').length;
  if (aborted || fenced) notes.push(`broker reported ${aborted} aborted and ${fenced} fenced transaction(s) during the transaction loops`);

  const final = await brokerStats();
  const loadAtEnd = loadStr();
  await Promise.allSettled([...started.producers].map((p) => p.disconnect()));
  started.producers.clear();

  // ---- tables ----
  console.log('');
  console.log(`Rebalance of a ${CFG.consumers}-member group losing one member, ms, median / max of ${CFG.reps} (t0 = disconnect() call, or SIGKILL)`);
  const rowOf = (label: string, pick: (r: RepResult) => number): string[] => [label, medMax(reps.leave.map(pick)), medMax(reps.kill.map(pick))];
  table(
    ['', 'graceful leave (LeaveGroup)', `SIGKILL (session timeout ${CFG.sessionTimeoutMs / 1000} s)`],
    [
      rowOf('t0 → member removed at broker', (r) => r.removed),
      rowOf('t0 → broker group.rebalance.completed', (r) => r.brokerCompleted),
      rowOf(`t0 → all ${CFG.consumers - 1} have new assignment (GROUP_JOIN)`, (r) => r.clientAssigned),
      rowOf(`member removed → all ${CFG.consumers - 1} assigned`, (r) => r.removedToAssigned),
      rowOf('broker rebalance started → completed', (r) => r.brokerDurationMs),
      rowOf(`all ${CFG.consumers - 1} rejoined → all ${CFG.consumers - 1} assigned`, (r) => r.rejoinedToAssigned),
      [
        'repetitions completed',
        `${reps.leave.length}/${CFG.reps}`,
        `${reps.kill.length}/${CFG.reps}`,
      ],
    ],
  );
  console.log('');
  console.log(
    `Transactions vs idempotent sends, one producer, closed loop, ${CFG.recordsPerTxn} × ${CFG.valueBytes} B per loop, acks=-1, ms` +
      (txnCpu ? ` (CPU over the loops: broker ${f0(txnCpu.broker * 100)}%, bench ${f0(txnCpu.client * 100)}%, machine ${f0(txnCpu.machine * 100)}% of one core)` : ''),
  );
  const base = summarize(idem.total);
  const rate = (s: LoopSamples) => (s.ms > 0 ? s.loops / (s.ms / 1000) : NaN);
  const ratio = (x: number, y: number) => (y > 0 && Number.isFinite(x) ? `${f1(x / y)}×` : 'n/a');
  const latRow = (label: string, xs: number[], count: string, perSec: string): string[] => {
    const s = summarize(xs);
    return [label, count, perSec, f2(s.p50), f2(s.p99), f2(s.max), `${ratio(s.p50, base.p50)} / ${ratio(s.p99, base.p99)}`];
  };
  table(
    ['', 'count', 'per second', 'p50', 'p99', 'max', 'vs idempotent send p50 / p99'],
    [
      latRow('idempotent send() round trip (baseline)', idem.total, String(idem.loops), `${f0(rate(idem))} sends/s`),
      latRow('transaction: begin + send + commit', txn.total, String(txn.loops), `${f0(rate(txn))} txn/s (${ratio(rate(idem), rate(txn))} fewer)`),
      latRow('  txn send() (AddPartitionsToTxn + Produce)', txn.send, String(txn.send.length), ''),
      latRow('  txn commit() (EndTxn)', txn.commit, String(txn.commit.length), ''),
      [
        '  broker: first AddPartitions → markers written',
        String(brokerTxn.count),
        '',
        f2(brokerTxn.p50),
        f2(brokerTxn.p99),
        f2(brokerTxn.max),
        '(broker clock, ms resolution)',
      ],
    ],
  );
  console.log('');
  for (const f of failures) console.log(`FAILED: ${f}`);
  if (txn.failed || idem.failed) notes.push(`failed loops: transactional ${txn.failed} (${txn.errors.join('; ')}), idempotent ${idem.failed} (${idem.errors.join('; ')})`);
  notes.push(
    `load average (1/5/15 min): start ${loadAtStart}, after the rebalances ${loadAfterGroups}, end ${loadAtEnd}; ` +
      `machine CPU busy during the rebalance phase ${f0(groupPhaseMachine * 100)}% of one core (${cpus().length} cores = ${cpus().length * 100}%)`,
  );
  if (final) {
    notes.push(
      `broker at the end: rss ${f1(final.rssMB)} MB, heap ${f1(final.heapMB)} MB, ${final.broker.frames} frames, ${final.broker.connections} connections, ` +
        `${final.broker.rejected} rejected, logged ${final.logged.warn} warn / ${final.logged.error} error` +
        (final.warnings.length ? ` (first: ${final.warnings.slice(0, 3).join(' | ')})` : '') +
        (final.droppedEvents ? `, ${final.droppedEvents} events dropped` : ''),
    );
  }
  const brokerStderr = started.broker?.stderrLines ?? [];
  if (brokerStderr.length) notes.push(`broker stderr (${brokerStderr.length} lines), first: ${brokerStderr.slice(0, 3).join(' | ')}`);
  if (kjsErrors.count) {
    const kinds = [...kjsErrors.kinds].sort((a, b) => b[1] - a[1]).slice(0, 4);
    notes.push(`kafkajs (this process) logged ${kjsErrors.count} errors: ${kinds.map(([k, n]) => `${n}× ${k}`).join(' | ')}`);
  }
  for (const n of notes) console.log(`note: ${n}`);
  console.log(
    'Clocks: "t0 →" and "→ assigned" figures use wall-clock ms of the bench process and the broker child (same machine); ' +
      'kafkajs heartbeats only after a Fetch returns, so detection of a rebalance takes up to heartbeatInterval + maxWaitTimeInMs.',
  );
  console.log(`total ${f1((nowMs() - tStart) / 1000)} s`);
}

try {
  await main();
} catch (e) {
  console.error(`benchmark failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
