// `npm run bench:streams [-- --records N --rounds R --rate R --only throughput|failover|pause]`:
//   throughput  passthrough and bank-ledger under KafkaStreams (one instance, in this process), at
//               least once and exactly once, as ratios to a hand-written kafkajs consume → produce
//               loop doing the same work with the same guarantee, against the same broker in the
//               same run (medians of interleaved rounds), CPU ms per 1k records; target ≥ 1.5×;
//               and the runtime's exactly_once_v2 / at_least_once, same run; target ≥ 0.8.
//   failover    three Supervisor worker-thread instances, paced input: passthrough (exactly_once_v2)
//               under graceful stop, kill and freeze, session timeouts 6 s and 10 s; then
//               bank-ledger (exactly_once_v2, static members) with no standby and with one: a kill and
//               a restart within the session timeout, split into detection, rebalance, restore and
//               first commit (bench/streams-failover-phases.ts).
//   pause       the pause of tasks that stay with a healthy instance when a fourth joins three while
//               one of them is frozen or slow, cooperative vs eager (bench/streams-pause.ts).
//   txn         the runtime's transactional producer per stream thread (exactly_once_v2) with 6 and
//               24 tasks: transactions/s, records/s, commit latency p50/p99, as ratios to per-task
//               kafkajs transactional producers (exactly_once v1) in the same run (bench/streams-txn.ts).
//   restore     bank-ledger with 100k keys in a persistent store (state directory in a temp dir):
//               restarts with the checkpoint of a clean close vs on a fresh state directory; records
//               restored, restore time, start → running, ratio with / without (bench/streams-restore.ts).
// The broker runs in a child process (bench/broker-child.ts, in memory), 127.0.0.1, a port picked
// at run time; everything started is stopped, every wait is bounded. The load average is printed
// with every block: the figures are only as steady as the machine.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { BrokerEvent } from '../core/broker/events.js';
import type { ProcessingGuarantee } from '../core/streams/index.js';
import { ClientErrors, f0, f1, f2, kRate, makeKafka, median, printTable } from './streams-common.js';
import { failoverBlock, type FailoverResult } from './streams-failover.js';
import { failoverPhasesBlock, type PhaseResult } from './streams-failover-phases.js';
import { PAUSE_CASES, pauseRun, type PauseResult, type Protocol } from './streams-pause.js';
import { COMMIT_INTERVAL_MS, INPUT_PARTITIONS, THROUGHPUT_APPS, throughputRun, type RunResult, type Side, type ThroughputApp } from './streams-throughput.js';
import { TXN_COMMIT_INTERVAL_MS, TXN_TASK_COUNTS, txnBlock } from './streams-txn.js';
import { RESTORE_PARTITIONS, restoreBlock, type RestartResult, type RestoreCase } from './streams-restore.js';
import { JsonChild, nowMs } from './util.js';

const BLOCKS = ['throughput', 'failover', 'pause', 'txn', 'restore'] as const;
type Block = (typeof BLOCKS)[number];
const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    rounds: { type: 'string' },
    rate: { type: 'string' },
    keys: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const USAGE = `usage: npm run bench:streams [-- --records 150000] [--rounds 4] [--rate 300] [--only ${BLOCKS.join('|')}]
  --records  records per throughput run          --rounds  interleaved throughput rounds
  --rate     paced input of failover and pause (records/s)
  --only     one block: throughput (passthrough, bank-ledger vs the kafkajs loop), failover
             (passthrough stop/kill/freeze; bank-ledger kill and static restart in phases), pause
             (kept tasks' pause, a fourth joins while one is frozen or slow, cooperative vs eager),
             txn (per-thread transactional producer, 6 and 24 tasks, vs per-task kafkajs producers),
             restore (restart with 100k keys of state: from a checkpoint vs from the changelog)
  --keys     distinct keys of the restore block's state (default 100000)`;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (name: string, v: string | undefined, dflt: number): number => {
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
};
if (args.only !== undefined && !(BLOCKS as readonly string[]).includes(args.only)) {
  console.error(`--only takes ${BLOCKS.join(', ')}`);
  process.exit(2);
}
const CFG = {
  records: positive('records', args.records, 150_000),
  rounds: positive('rounds', args.rounds, 4),
  rate: positive('rate', args.rate, 300),
  keys: positive('keys', args.keys, 100_000),
  only: args.only as Block | undefined,
  /** The broker's group.initial.rebalance.delay.ms (bench/broker-child.ts argv; the CLI has no such flag). */
  initialRebalanceDelayMs: 300,
  sessionTimeouts: [6000, 10_000],
  heartbeatIntervalMs: 1000,
  /** bank-ledger failover in phases and the pause block: the console's demo session timeout. */
  demoSessionTimeoutMs: 10_000,
  /** paced load before the first bank-ledger fault, so the changelogs hold something to restore */
  fillMs: 20_000,
  freezeMs: 4500,
  slowMs: 20,
};
const runs = (block: Block): boolean => CFG.only === undefined || CFG.only === block;

const GUARANTEES: readonly ProcessingGuarantee[] = ['at_least_once', 'exactly_once_v2'];
const SHORT: Record<ProcessingGuarantee, string> = { at_least_once: 'ALOS', at_most_once: 'AMO', exactly_once_v2: 'EOS' };
/** Issue 10's target for the runtime over the kafkajs loop. */
const THROUGHPUT_TARGET = 1.5;
/** The txn block's paced phase: the input rate spread over the partitions, and for how long. */
const TXN_PACE = { ratePerSec: 5000, ms: 10_000 };
/** Issue 11's target for the runtime's exactly_once_v2 over its at_least_once. */
const EOS_ALOS_TARGET = 0.8;
const load = (): string => loadavg().map(f2).join(' / ');

let broker: JsonChild | undefined;
const notes: string[] = [];
const clientErrors = new ClientErrors();

async function cleanup(): Promise<void> {
  await broker?.stop();
  broker = undefined;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping the broker child`);
    void cleanup().then(() => process.exit(130));
  });
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'target met' : 'target NOT met';
}

/** The broker's events since the previous call (group.*, txn.committed/aborted/fenced). */
async function brokerEvents(): Promise<BrokerEvent[]> {
  return (await broker?.request<{ events: BrokerEvent[] }>('events', 10_000).catch(() => null))?.events ?? [];
}

async function throughput(bootstrap: string): Promise<string[][]> {
  const kafka = makeKafka(bootstrap, 'bench-streams', clientErrors);
  const budgetMs = Math.max(60_000, CFG.records / 2);
  const brokerCpu = async (): Promise<number> => (await broker?.request<{ cpuMs: number }>('stats', 10_000).catch(() => null))?.cpuMs ?? NaN;
  const run = (app: ThroughputApp, side: Side, g: ProcessingGuarantee, n: number) => throughputRun(kafka, bootstrap, app, side, g, n, budgetMs, brokerCpu);
  // Warm-up (not reported): JIT and connection set-up for both sides.
  const warm = Math.max(1000, Math.round(CFG.records / 10));
  for (const app of THROUGHPUT_APPS) {
    for (const side of ['loop', 'streams'] as const) {
      for (const issue of (await run(app, side, 'at_least_once', warm)).issues) notes.push(`throughput warm-up ${app} ${side} ALOS: ${issue}`);
    }
  }
  const runs: RunResult[] = [];
  for (let round = 0; round < CFG.rounds; round++) {
    for (const app of THROUGHPUT_APPS) {
      for (const g of GUARANTEES) {
        // Alternate which side goes first, so drift in the machine's load does not favour one.
        const order: Side[] = round % 2 === 0 ? ['loop', 'streams'] : ['streams', 'loop'];
        for (const side of order) {
          const r = await run(app, side, g, CFG.records);
          runs.push(r);
          console.log(
            `  round ${round + 1} ${app.padEnd(11)} ${side.padEnd(7)} ${SHORT[g].padEnd(4)}: ${kRate(r.rate)} (${f2(r.ms / 1000)} s, commit tail ${f0(r.tailMs)} ms, ${f1(r.cpuMsPerK)} CPU ms/1k rec)` +
              `${r.issues.length ? `  [${r.issues.join('; ')}]` : ''}`,
          );
          for (const issue of r.issues) notes.push(`throughput round ${round + 1} ${app} ${side} ${SHORT[g]}: ${issue}`);
        }
      }
    }
    console.log(`  load average after round ${round + 1}: ${load()}`);
  }
  const of = (app: ThroughputApp, side: Side, g: ProcessingGuarantee) => runs.filter((r) => r.app === app && r.side === side && r.guarantee === g);
  const rate = (app: ThroughputApp, side: Side, g: ProcessingGuarantee) => median(of(app, side, g).map((r) => r.rate));
  const cpu = (app: ThroughputApp, side: Side, g: ProcessingGuarantee) => median(of(app, side, g).map((r) => r.cpuMsPerK));
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
  /** The cost of exactly_once_v2 over at_least_once, streams side (the loop's for reference), per round paired. */
  const eosOverAlos = (app: ThroughputApp, g: ProcessingGuarantee): string[] => {
    if (g !== 'exactly_once_v2') return ['—', ''];
    const ofMedians = ratio(rate(app, 'streams', g), rate(app, 'streams', 'at_least_once'));
    const perRound = of(app, 'streams', g).map((s, k) => ratio(s.rate, of(app, 'streams', 'at_least_once')[k]?.rate ?? NaN));
    const paired = median(perRound);
    const loop = ratio(rate(app, 'loop', g), rate(app, 'loop', 'at_least_once'));
    const met = [ofMedians, paired].map((r) => Number.isFinite(r) && r >= EOS_ALOS_TARGET);
    return [
      `${f2(ofMedians)}×, ${perRound.map(f2).join(' / ')}, ${f2(paired)}× (loop ${f2(loop)}×)`,
      met.every(Boolean) ? 'met' : met.some(Boolean) ? 'inconclusive' : 'not met',
    ];
  };
  const rows: string[][] = [
    ['app', 'guarantee', 'loop (median)', 'streams (median)', 'CPU ms/1k loop / streams', 'ratio of medians', 'per round', 'median of round ratios', 'target', 'verdict', 'streams EOS / ALOS: of medians, per round, median (loop)', `target ≥ ${EOS_ALOS_TARGET}`],
  ];
  for (const app of THROUGHPUT_APPS) {
    for (const g of GUARANTEES) {
      const ofMedians = ratio(rate(app, 'streams', g), rate(app, 'loop', g));
      // Runs of the same round are minutes closer in time than runs of different rounds: pairing
      // them cancels slow drift in the machine's load.
      const perRound = of(app, 'streams', g).map((s, k) => ratio(s.rate, of(app, 'loop', g)[k]?.rate ?? NaN));
      const paired = median(perRound);
      const met = [ofMedians, paired].map((r) => Number.isFinite(r) && r >= THROUGHPUT_TARGET);
      rows.push([
        app,
        SHORT[g],
        kRate(rate(app, 'loop', g)),
        kRate(rate(app, 'streams', g)),
        `${f1(cpu(app, 'loop', g))} / ${f1(cpu(app, 'streams', g))}`,
        `${f2(ofMedians)}×`,
        perRound.map(f2).join(' / '),
        `${f2(paired)}×`,
        `≥ ${THROUGHPUT_TARGET}×`,
        met.every(Boolean) ? 'met' : met.some(Boolean) ? 'inconclusive (the two ratios disagree)' : 'not met',
        ...eosOverAlos(app, g),
      ]);
    }
  }
  return rows;
}

async function failover(bootstrap: string): Promise<string[][]> {
  const kafka = makeKafka(bootstrap, 'bench-streams-failover', clientErrors);
  const results: FailoverResult[] = [];
  for (const session of CFG.sessionTimeouts) {
    console.log(`failover, session timeout ${session} ms, heartbeat ${CFG.heartbeatIntervalMs} ms (load ${load()}):`);
    const r = await failoverBlock(kafka, {
      bootstrap,
      sessionTimeoutMs: session,
      heartbeatIntervalMs: CFG.heartbeatIntervalMs,
      ratePerSec: CFG.rate,
      log: (line) => console.log(line),
    });
    results.push(...r.results);
    notes.push(...r.notes);
  }
  const rows: string[][] = [['session', 'fault', 'victim (tasks)', 'failover', 'created / running', 'rebalance evt', 'gap elsewhere', 'target', 'verdict']];
  for (const r of results) {
    const target = r.fault === 'stop' ? 2000 : r.fault === 'kill' ? r.sessionTimeoutMs + 2000 : null;
    const ok = target === null ? null : Number.isFinite(r.ms) && r.ms <= target;
    rows.push([
      `${r.sessionTimeoutMs / 1000} s`,
      r.fault,
      `${r.victim} (${r.tasks.join(',')})`,
      Number.isFinite(r.ms) ? `${f2(r.ms / 1000)} s` : 'not complete',
      `${f2(r.createdMs / 1000)} / ${f2(r.runningMs / 1000)} s`,
      `${f2(r.rebalanceEventMs / 1000)} s`,
      `${f2(r.othersGapMs / 1000)} s`,
      target === null ? `— (≈ session ${r.sessionTimeoutMs / 1000} s + a bit)` : `≤ ${target / 1000} s`,
      ok === null ? (Number.isFinite(r.ms) ? `${f2(r.ms / 1000 - r.sessionTimeoutMs / 1000)} s over session` : 'n/a') : verdict(ok),
    ]);
    if (r.note) notes.push(`failover ${r.sessionTimeoutMs} ${r.fault}: ${r.note}`);
  }
  return rows;
}

const secs = (ms: number): string => (Number.isFinite(ms) ? `${f2(ms / 1000)} s` : 'n/a');

async function failoverPhases(bootstrap: string): Promise<string[][]> {
  const kafka = makeKafka(bootstrap, 'bench-streams-phases', clientErrors);
  const results: PhaseResult[] = [];
  for (const standbys of [0, 1]) {
    console.log(`failover in phases, bank-ledger, ${standbys} standby, session timeout ${CFG.demoSessionTimeoutMs} ms (load ${load()}):`);
    const r = await failoverPhasesBlock(kafka, standbys, {
      bootstrap,
      sessionTimeoutMs: CFG.demoSessionTimeoutMs,
      heartbeatIntervalMs: CFG.heartbeatIntervalMs,
      ratePerSec: CFG.rate,
      fillMs: CFG.fillMs,
      brokerEvents,
      log: (line) => console.log(line),
    });
    results.push(...r.results);
    notes.push(...r.notes);
  }
  const rows: string[][] = [['standbys', 'fault', 'victim (tasks)', 'detection', 'rebalance', 'restore (records, from)', 'first commit', 'total', 'broker rebalances', 'note']];
  for (const r of results) {
    rows.push([
      String(r.standbys),
      r.fault === 'restart' ? 'restart (static)' : r.fault,
      `${r.victim} (${r.tasks.join(',')})`,
      r.fault === 'restart' ? '—' : secs(r.detectedMs),
      // Without a detection (restart), the rebalance phase is the restarted member's own join.
      secs(r.assignedMs - (Number.isFinite(r.detectedMs) ? r.detectedMs : 0)),
      `${secs(r.restoredMs - r.assignedMs)} (${r.restored}, ${r.sources})`,
      secs(r.committedMs - r.restoredMs),
      secs(r.committedMs),
      `${r.brokerRebalances}${r.fault === 'restart' ? ' (0 expected)' : ''}`,
      [r.sameTasks === null ? '' : r.sameTasks ? 'same tasks back' : 'NOT the same tasks back', r.note].filter(Boolean).join('; '),
    ]);
  }
  return rows;
}

async function pause(bootstrap: string): Promise<Map<string, string[][]>> {
  const kafka = makeKafka(bootstrap, 'bench-streams-pause', clientErrors);
  const tables = new Map<string, string[][]>();
  for (const fault of PAUSE_CASES) {
    const results: PauseResult[] = [];
    for (const protocol of ['cooperative', 'eager'] as Protocol[]) {
      console.log(`pause, ${fault}, ${protocol} (load ${load()}):`);
      const r = await pauseRun(kafka, fault, protocol, {
        bootstrap,
        sessionTimeoutMs: CFG.demoSessionTimeoutMs,
        heartbeatIntervalMs: CFG.heartbeatIntervalMs,
        ratePerSec: CFG.rate,
        freezeMs: CFG.freezeMs,
        slowMs: CFG.slowMs,
        log: (line) => console.log(line),
      });
      if (r.result) results.push(r.result);
      notes.push(...r.notes);
    }
    const rows: string[][] = [['protocol', 'tasks measured (kept of held)', 'p50', 'p99', 'max', 'largest output gap (consumer)', 'rebalances seen by a', 'join → settled', 'note']];
    for (const r of results) {
      rows.push([r.protocol, `${r.pauses.count} of ${r.held}`, secs(r.pauses.p50), secs(r.pauses.p99), secs(r.pauses.max), secs(r.outputGapMs), String(r.rebalances), secs(r.windowMs), r.note]);
    }
    const eager = results.find((r) => r.protocol === 'eager')?.pauses.p50 ?? NaN;
    const coop = results.find((r) => r.protocol === 'cooperative')?.pauses.p50 ?? NaN;
    rows.push(['eager / cooperative p50', '', `${f1(eager / coop)}×`, '', '', '', '', '', '']);
    tables.set(fault === 'freeze' ? `c frozen ${CFG.freezeMs / 1000} s as d joins` : `c slowed to ${CFG.slowMs} ms/record 3 s before d joins`, rows);
  }
  return tables;
}

async function restore(bootstrap: string): Promise<string[][]> {
  const kafka = makeKafka(bootstrap, 'bench-streams-restore', clientErrors);
  const r = await restoreBlock(kafka, { bootstrap, keys: CFG.keys, rounds: CFG.rounds, log: (l) => console.log(l) });
  notes.push(...r.notes);
  const of = (c: RestoreCase, f: (x: RestartResult) => number) => median(r.results.filter((x) => x.case === c && x.tasks === RESTORE_PARTITIONS).map(f));
  const rows: string[][] = [['restart', 'records restored', 'restore (slowest task)', 'start → running', 'per round restore ms', 'restore source (telemetry)']];
  for (const c of ['checkpoint', 'none'] as const) {
    rows.push([
      c === 'checkpoint' ? 'with checkpoint (same state dir)' : 'without (fresh state dir)',
      f0(of(c, (x) => x.restored)),
      `${f0(of(c, (x) => x.restoreMs))} ms`,
      `${f0(of(c, (x) => x.startMs))} ms`,
      r.results.filter((x) => x.case === c).map((x) => f0(x.restoreMs)).join(' / '),
      [...new Set(r.results.filter((x) => x.case === c).map((x) => x.sources))].join('; '),
    ]);
  }
  const ratio = (f: (x: RestartResult) => number) => f2(of('checkpoint', f) / of('none', f));
  rows.push(['with / without', `${ratio((x) => x.restored)}×`, `${ratio((x) => x.restoreMs)}×`, `${ratio((x) => x.startMs)}×`, '']);
  notes.push(`restore: fill (${CFG.keys} keys processed, committed, clean close) took ${f1(r.fillMs / 1000)} s`);
  return rows;
}

async function main(): Promise<void> {
  const t0 = nowMs();
  console.log('Streamwatch streams benchmark');
  console.log(
    `config: throughput ${CFG.records} records per run (passthrough ~100 B, bank-ledger transfers), ${INPUT_PARTITIONS} partitions, ${CFG.rounds} interleaved rounds, commit interval ${COMMIT_INTERVAL_MS} ms; ` +
      `failover and pause: ${CFG.rate} rec/s paced input, heartbeat ${CFG.heartbeatIntervalMs} ms; broker in memory in a child process, ` +
      `initial rebalance delay ${CFG.initialRebalanceDelayMs} ms (bench/broker-child.ts; core/broker/cli.ts has no flag for it); Node ${process.version}, ${cpus().length} cpus, load ${load()}`,
  );
  const b = await JsonChild.start<{ bootstrap: string }>('broker-child.ts', ['', String(CFG.initialRebalanceDelayMs)]);
  broker = b.child;
  const bootstrap = b.ready.bootstrap;
  console.log(`broker: ${bootstrap}`);
  /** Each block's tables, printed together at the end with the load average after the block. */
  const out: { title: string; legend: string[]; rows: string[][]; load: string }[] = [];
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const s = nowMs();
    const r = await f();
    notes.push(`${what} took ${f1((nowMs() - s) / 1000)} s`);
    return r;
  };
  if (runs('throughput')) {
    console.log(`throughput (passthrough and bank-ledger vs the kafkajs loop; load ${load()}):`);
    const rows = await timed('throughput', () => throughput(bootstrap));
    out.push({
      title: `Throughput: records/s from the first record processed to the last processed and committed (median of ${CFG.rounds} rounds)`,
      legend: [
        'CPU ms/1k rec: bench process (first → last record) + broker process (run start → last record) per 1000 records; less sensitive to other load',
        'loop: the hand-written kafkajs consume → produce loop doing the same work (kafkajs consumer and producer; the EOS loop is one kafkajs transactional producer, unchanged baseline); streams: core/client consumer and producer',
        `EOS / ALOS: the runtime's exactly_once_v2 rate over its at_least_once rate (per round: the two runs of the same round), loop's the same for reference; target ≥ ${EOS_ALOS_TARGET}`,
      ],
      rows,
      load: load(),
    });
  }
  if (runs('failover')) {
    const rows = await timed('failover (passthrough)', () => failover(bootstrap));
    out.push({ title: 'Failover: t0 = fault; until every moved task runs elsewhere and its partition has new output (read_uncommitted)', legend: [], rows, load: load() });
    const phases = await timed('failover in phases (bank-ledger)', () => failoverPhases(bootstrap));
    out.push({
      title: `Failover in phases: bank-ledger, exactly_once_v2, 3 static members, session ${CFG.demoSessionTimeoutMs / 1000} s; t0 = kill; the latest over the victim's tasks`,
      legend: [
        'detection: → the broker removes the member or starts a rebalance (broker events); rebalance: → the new owner\'s rebalance telemetry assigning the task',
        'restore: → its task \'restored\' event (records restored, source); first commit: → its first commit event covering the task\'s partition; total: t0 → first commit',
        'restart (static): the victim is killed and restarted at once; no detection expected, rebalance = its own rejoin',
      ],
      rows: phases,
      load: load(),
    });
  }
  if (runs('pause')) {
    const tables = await timed('pause', () => pause(bootstrap));
    for (const [what, rows] of tables) {
      out.push({
        title: `Pause of tasks that stayed with a healthy instance (a, b), per task its largest pause, ${what}`,
        legend: [
          'from the runtime\'s pause telemetry of kind kept (first record after a rebalance − last record before it); passthrough, exactly_once_v2, 12 partitions, session 10 s',
          'largest output gap (consumer): the same partitions, gaps between output batches as a read_uncommitted consumer saw them arrive (a cross-check, adds fetch jitter)',
        ],
        rows,
        load: load(),
      });
    }
  }
  if (runs('txn')) {
    console.log(`txn (per-thread transactional producer vs per-task kafkajs producers; load ${load()}):`);
    const r = await timed('txn', () => txnBlock(makeKafka(bootstrap, 'bench-streams-txn', clientErrors), bootstrap, { records: CFG.records, rounds: CFG.rounds, pace: TXN_PACE, log: (l) => console.log(l) }));
    notes.push(...r.notes);
    out.push({
      title: `Transactions: passthrough, ${TXN_TASK_COUNTS.join(' and ')} tasks in one instance, commit interval ${TXN_COMMIT_INTERVAL_MS} ms; per run ${CFG.records} pre-filled records (saturating), then ${TXN_PACE.ratePerSec} rec/s for ${TXN_PACE.ms / 1000} s (paced) (medians of ${CFG.rounds} rounds)`,
      legend: [
        'thread: the runtime under exactly_once_v2, one transactional producer for the stream thread (KIP-447): one transaction per commit holds every task; figures from its txn (committed) and commit telemetry',
        'per-task: kafkajs, one transactional producer per task (Kafka Streams\' removed exactly_once v1), each task\'s transaction committed with its own sendOffsets once 100 ms old; tasks due at a tick commit concurrently',
        'saturating rec/s: first processed → all pre-filled records processed and committed; every other column: the paced phase (steady state, a transaction = one commit interval)',
        'commit p50 / p99: thread = its whole commit (flush + TxnOffsetCommit + EndTxn); per-task = one task\'s sendOffsets + commit. round: every transaction committed at one commit tick (thread: = its commit)',
        'txns/s: transactions committed per second; per-task producers commit one per task per interval: KIP-447 exists because that (and a producer, connection and transactional id per task) does not scale with tasks',
      ],
      rows: r.rows,
      load: load(),
    });
  }
  if (runs('restore')) {
    console.log(`restore (bank-ledger, ${CFG.keys} keys, checkpoint vs none; load ${load()}):`);
    const rows = await timed('restore', () => restore(bootstrap));
    out.push({
      title: `Restore: bank-ledger, ${CFG.keys} keys (one transfer each), ${RESTORE_PARTITIONS} tasks, exactly_once_v2, persistent store, state directory in a temp dir; restart of one instance (medians of ${CFG.rounds} rounds)`,
      legend: [
        'checkpoint: the same state directory after processing (the fill, later 1% more transfers each round) and a clean close (stores + .checkpoint); none: a fresh state directory, the same changelog restored from its start',
        "restored: sum of the tasks' 'restored' telemetry; restore: the slowest task's restore (its durationMs); start → running: start() → every task's 'running' event (includes the group join)",
      ],
      rows,
      load: load(),
    });
  }
  const stats = await broker.request<{ rssMB: number; logged: { warn: number; error: number }; warnings: string[] }>('stats', 10_000).catch(() => null);
  if (stats) notes.push(`broker at the end: rss ${f1(stats.rssMB)} MB, logged ${stats.logged.warn} warn / ${stats.logged.error} error${stats.warnings.length ? `, e.g. ${stats.warnings.slice(0, 2).join(' | ')}` : ''}`);
  if (clientErrors.count > 0) notes.push(`bench kafkajs clients logged ${clientErrors.count} errors: ${clientErrors.summary()}`);

  for (const t of out) {
    console.log('');
    console.log(t.title);
    for (const l of t.legend) console.log(l);
    printTable(t.rows);
    console.log(`load average after the block: ${t.load}`);
  }
  console.log('');
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`load average at the end ${load()}; total ${f1((nowMs() - t0) / 1000)} s`);
}

try {
  await main();
} catch (e) {
  console.error(`benchmark failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
