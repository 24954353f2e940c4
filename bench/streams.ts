// `npm run bench:streams [-- --records N --rounds R --rate R --only throughput|failover]`:
//   1. Throughput of the passthrough app under KafkaStreams (one instance, in this process) for
//      each processing guarantee, as ratios to a hand-written kafkajs consume → produce loop with
//      the same guarantee, against the same broker in the same run (medians of interleaved rounds).
//   2. Failover of passthrough (exactly_once), three Supervisor worker-thread instances, paced
//      input: graceful stop, kill and freeze of an instance, session timeouts 6 s and 10 s.
// The broker runs in a child process (bench/broker-child.ts, in memory), 127.0.0.1, a port picked
// at run time; everything started is stopped, every wait is bounded.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ProcessingGuarantee } from '../core/streams/index.js';
import { ClientErrors, f0, f1, f2, kRate, makeKafka, median, printTable } from './streams-common.js';
import { failoverBlock, type FailoverResult } from './streams-failover.js';
import { COMMIT_INTERVAL_MS, INPUT_PARTITIONS, throughputRun, type RunResult, type Side } from './streams-throughput.js';
import { JsonChild, nowMs } from './util.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    rounds: { type: 'string' },
    rate: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log('usage: npm run bench:streams [-- --records 150000] [--rounds 4] [--rate 300] [--only throughput|failover]');
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
const CFG = {
  records: positive('records', args.records, 150_000),
  rounds: positive('rounds', args.rounds, 4),
  rate: positive('rate', args.rate, 300),
  only: args.only,
  /** The broker's group.initial.rebalance.delay.ms (bench/broker-child.ts argv; the CLI has no such flag). */
  initialRebalanceDelayMs: 300,
  sessionTimeouts: [6000, 10_000],
  heartbeatIntervalMs: 1000,
};
if (CFG.only !== undefined && CFG.only !== 'throughput' && CFG.only !== 'failover') {
  console.error('--only takes throughput or failover');
  process.exit(2);
}

const GUARANTEES: readonly ProcessingGuarantee[] = ['at_least_once', 'at_most_once', 'exactly_once'];
const SHORT: Record<ProcessingGuarantee, string> = { at_least_once: 'ALOS', at_most_once: 'AMO', exactly_once: 'EOS' };

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

async function throughput(bootstrap: string): Promise<string[][]> {
  const kafka = makeKafka(bootstrap, 'bench-streams', clientErrors);
  const budgetMs = Math.max(60_000, CFG.records / 2);
  const brokerCpu = async (): Promise<number> => (await broker?.request<{ cpuMs: number }>('stats', 10_000).catch(() => null))?.cpuMs ?? NaN;
  const run = (side: Side, g: ProcessingGuarantee, n: number) => throughputRun(kafka, bootstrap, side, g, n, budgetMs, brokerCpu);
  // Warm-up (not reported): JIT and connection set-up for both sides.
  const warm = Math.max(1000, Math.round(CFG.records / 10));
  for (const side of ['loop', 'streams'] as const) {
    for (const issue of (await run(side, 'at_least_once', warm)).issues) notes.push(`throughput warm-up ${side} ALOS: ${issue}`);
  }
  const runs: RunResult[] = [];
  for (let round = 0; round < CFG.rounds; round++) {
    for (const g of GUARANTEES) {
      // Alternate which side goes first, so drift in the machine's load does not favour one.
      const order: Side[] = round % 2 === 0 ? ['loop', 'streams'] : ['streams', 'loop'];
      for (const side of order) {
        const r = await run(side, g, CFG.records);
        runs.push(r);
        console.log(
          `  round ${round + 1} ${side.padEnd(7)} ${SHORT[g].padEnd(4)}: ${kRate(r.rate)} (${f2(r.ms / 1000)} s, commit tail ${f0(r.tailMs)} ms, ${f1(r.cpuMsPerK)} CPU ms/1k rec)` +
            `${r.issues.length ? `  [${r.issues.join('; ')}]` : ''}`,
        );
        for (const issue of r.issues) notes.push(`throughput round ${round + 1} ${side} ${SHORT[g]}: ${issue}`);
      }
    }
  }
  const of = (side: Side, g: ProcessingGuarantee) => runs.filter((r) => r.side === side && r.guarantee === g);
  const rate = (side: Side, g: ProcessingGuarantee) => median(of(side, g).map((r) => r.rate));
  const cpu = (side: Side, g: ProcessingGuarantee) => median(of(side, g).map((r) => r.cpuMsPerK));
  const rows: string[][] = [['what', 'median rate', 'runs (k rec/s)', 'CPU ms/1k rec', 'ratio of medians', 'median of round ratios', 'target', 'verdict']];
  for (const g of GUARANTEES) {
    for (const side of ['loop', 'streams'] as const) {
      const all = of(side, g)
        .map((r) => (Number.isFinite(r.rate) ? (r.rate / 1000).toFixed(1) : 'x'))
        .join(' / ');
      rows.push([`${side} ${SHORT[g]}`, kRate(rate(side, g)), all, f1(cpu(side, g)), '', '', '', '']);
    }
  }
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
  const checks: [string, ProcessingGuarantee, ProcessingGuarantee, number | null][] = [
    ['streams-ALOS / loop-ALOS', 'at_least_once', 'at_least_once', 0.9],
    ['streams-EOS / loop-ALOS', 'exactly_once', 'at_least_once', 0.5],
    ['streams-EOS / loop-EOS', 'exactly_once', 'exactly_once', null],
    ['streams-AMO / loop-AMO', 'at_most_once', 'at_most_once', null],
  ];
  for (const [what, a, b, target] of checks) {
    const ofMedians = ratio(rate('streams', a), rate('loop', b));
    // Runs of the same round are minutes closer in time than runs of different rounds: pairing
    // them cancels slow drift in the machine's load.
    const perRound = of('streams', a).map((s, k) => ratio(s.rate, of('loop', b)[k]?.rate ?? NaN));
    const paired = median(perRound);
    let v = '';
    if (target !== null) {
      const met = [ofMedians, paired].map((r) => Number.isFinite(r) && r >= target);
      v = met.every(Boolean) ? 'target met' : met.some(Boolean) ? 'inconclusive (the two ratios disagree)' : 'target NOT met';
    }
    const cpuRatio = ratio(cpu('loop', b), cpu('streams', a));
    rows.push([what, '', `per round ${perRound.map(f2).join(' / ')}`, `${f2(cpuRatio)}× (loop/streams)`, `${f2(ofMedians)}×`, `${f2(paired)}×`, target === null ? '—' : `≥ ${target}`, v]);
  }
  return rows;
}

async function failover(bootstrap: string): Promise<string[][]> {
  const kafka = makeKafka(bootstrap, 'bench-streams-failover', clientErrors);
  const results: FailoverResult[] = [];
  for (const session of CFG.sessionTimeouts) {
    console.log(`failover, session timeout ${session} ms, heartbeat ${CFG.heartbeatIntervalMs} ms:`);
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

async function main(): Promise<void> {
  const t0 = nowMs();
  console.log('Streamwatch streams benchmark');
  console.log(
    `config: throughput ${CFG.records} records of ~100 B per run, ${INPUT_PARTITIONS} partitions, ${CFG.rounds} interleaved rounds, commit interval ${COMMIT_INTERVAL_MS} ms ` +
      `(all guarantees); failover: 3 instances, ${CFG.rate} rec/s, 6 partitions, exactly_once, heartbeat ${CFG.heartbeatIntervalMs} ms; broker in memory in a child process, ` +
      `initial rebalance delay ${CFG.initialRebalanceDelayMs} ms (bench/broker-child.ts; core/broker/cli.ts has no flag for it); Node ${process.version}, ${cpus().length} cpus, load ${loadavg().map(f2).join(' / ')}`,
  );
  const b = await JsonChild.start<{ bootstrap: string }>('broker-child.ts', ['', String(CFG.initialRebalanceDelayMs)]);
  broker = b.child;
  const bootstrap = b.ready.bootstrap;
  console.log(`broker: ${bootstrap}`);
  let tRows: string[][] | null = null;
  let fRows: string[][] | null = null;
  if (CFG.only !== 'failover') {
    console.log('throughput (passthrough vs kafkajs loop):');
    const s = nowMs();
    tRows = await throughput(bootstrap);
    notes.push(`throughput part took ${f1((nowMs() - s) / 1000)} s`);
  }
  if (CFG.only !== 'throughput') {
    const s = nowMs();
    fRows = await failover(bootstrap);
    notes.push(`failover part took ${f1((nowMs() - s) / 1000)} s`);
  }
  const stats = await broker.request<{ rssMB: number; logged: { warn: number; error: number }; warnings: string[] }>('stats', 10_000).catch(() => null);
  if (stats) notes.push(`broker at the end: rss ${f1(stats.rssMB)} MB, logged ${stats.logged.warn} warn / ${stats.logged.error} error${stats.warnings.length ? `, e.g. ${stats.warnings.slice(0, 2).join(' | ')}` : ''}`);
  if (clientErrors.count > 0) notes.push(`bench kafkajs clients logged ${clientErrors.count} errors: ${clientErrors.summary()}`);

  console.log('');
  if (tRows) {
    console.log(`Throughput: records/s from the first record processed to the last processed and committed (median of ${CFG.rounds} rounds)`);
    console.log('CPU ms/1k rec: bench process (first → last record) + broker process (run start → last record) per 1000 records; less sensitive to other load');
    printTable(tRows);
    console.log('');
  }
  if (fRows) {
    console.log('Failover: t0 = fault; until every moved task runs elsewhere and its partition has new output (read_uncommitted)');
    printTable(fRows);
    console.log('');
  }
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`load average at the end ${loadavg().map(f2).join(' / ')}; total ${f1((nowMs() - t0) / 1000)} s`);
}

try {
  await main();
} catch (e) {
  console.error(`benchmark failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
