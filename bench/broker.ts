// `npm run bench:broker [-- --quick]`: throughput and latency of the embedded broker against
// raw-TCP baselines measured in the same run (figures are ratios because machines are noisy),
// then the record codecs' compression throughput against gzip (bench/compression.ts).
// The broker runs in a child process with an on-disk data dir in os.tmpdir() (flush 'os');
// librdkafka clients run as child processes, kafkajs runs here. Everything binds 127.0.0.1 on
// ports picked at run time, everything started is stopped, every loop is bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { downloadMBps, echoLatencyUs, uploadMBps } from './baselines.js';
import { loadCodecs, measureCompression, printCompression } from './compression.js';
import { ensureTopics, kafkajsFetch, kafkajsLatency, kafkajsProduce, makeKafka, type KafkajsErrors } from './kafkajs-bench.js';
import { kcatAvailable, kcatFetch, kcatProduce, pythonFetch, pythonProduce, PYTHON, writeLinesFile } from './rdkafka.js';
import { JsonChild, killRunning, KiB, MB, mbps, nowMs, type LatencySummary } from './util.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' }, codecs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (args.help || (args.only !== undefined && args.only !== 'compression')) {
  console.log(
    [
      'usage: npm run bench:broker [-- --quick] [--only compression] [--codecs PATH]',
      '  --quick               10x smaller counts, shorter compression rounds: a smoke run',
      '  --only compression    only the codecs\' compression throughput (no broker, no clients)',
      '  --codecs PATH         measure another module exporting compress/decompress (e.g. an older checkout\'s compression.ts)',
    ].join('\n'),
  );
  process.exit(args.help ? 0 : 2);
}
const quick = args.quick ?? false;
const scale = quick ? 10 : 1;

const CFG = {
  recordBytes: KiB,
  records: 200_000 / scale,
  /** ~200 MB for the raw TCP baselines, the same bytes as the records' values. */
  baselineBytes: (200_000 / scale) * KiB,
  kafkajsBatch: 1000,
  kafkajsInFlight: 4,
  latencyRate: 500,
  latencyMs: 10_000 / scale,
  /** Per-step budget: a step that runs longer stops and reports what it completed. */
  stepBudgetSec: quick ? 15 : 25,
};

const TOPICS = { rdAll: 'bench-rd-acks-all', rdOne: 'bench-rd-acks-1', kcat: 'bench-kcat', kjs: 'bench-kjs', lat: 'bench-latency' };

interface BrokerStats {
  cpuCores: number;
  cpuMs: number;
  rssMB: number;
  heapMB: number;
  broker: { frames: number; rejected: number; connections: number };
  logged: { warn: number; error: number };
  topics: Record<string, { hw: number; bytes: number; segments: number }[]>;
}

interface Row {
  what: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
  cpu: string;
}

const rows: Row[] = [];
const notes: string[] = [];
const started: { tcp?: JsonChild; broker?: JsonChild; dataDir?: string; linesFile?: string } = {};

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const kRate = (recs: number, ms: number) => `${f1(recs / (ms / 1000) / 1000)}k rec/s`;
const ratioOf = (x: number, base: number) => (base > 0 && Number.isFinite(x) ? x / base : NaN);
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '?');
/**
 * Broker CPU over the step (its CPU time since the previous stats call / the measured time),
 * client CPU, and the whole machine's busy CPU: when the machine is near ${cpus().length * 100}% but
 * broker + client are not, other processes were competing for the cores.
 */
const cpuOf = (s: (BrokerStats & { machine?: number }) | null, ms: number, client: number) =>
  `${s ? pct(s.cpuMs / ms) : '?'} / ${pct(client)} / ${s?.machine !== undefined ? pct(s.machine) : '?'}`;
/** CPU of this process (kafkajs runs here) since `from`, as a fraction of one core over `ms`. */
const selfCpu = (from: NodeJS.CpuUsage, ms: number) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000 / ms;
};
const targetCell = (r: number, target: number) => `≥${target}× ${Number.isFinite(r) ? (r >= target ? 'ok' : 'MISS') : '?'}`;
const errRow = (what: string, e: unknown): Row => ({
  what,
  figure: `error: ${(e as Error).message.split('\n')[0]!.slice(0, 120)}`,
  baseline: '',
  ratio: '',
  target: '',
  cpu: '',
});

/** Busy CPU time of the whole machine (all cores, all processes), ms. */
function machineBusyMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}
let machineMark = machineBusyMs();
let machineMarkAt = nowMs();

/**
 * Broker CPU since the previous call; also marks the machine-wide CPU counter, so every step
 * reports broker, client and whole-machine CPU over the same interval.
 */
async function brokerStats(): Promise<(BrokerStats & { machine: number }) | null> {
  const m = machineBusyMs();
  const at = nowMs();
  const machine = (m - machineMark) / (at - machineMarkAt);
  machineMark = m;
  machineMarkAt = at;
  try {
    const s = await started.broker?.request<BrokerStats>('stats', 10_000);
    return s ? { ...s, machine } : null;
  } catch {
    return null;
  }
}

function hw(s: BrokerStats | null, topic: string): number {
  return s?.topics[topic]?.[0]?.hw ?? NaN;
}

async function cleanup(): Promise<void> {
  killRunning();
  await Promise.allSettled([started.broker?.stop(), started.tcp?.stop()]);
  for (const p of [started.dataDir, started.linesFile]) if (p) rmSync(p, { recursive: true, force: true });
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: stopping children and removing the data dir`);
    void cleanup().then(() => process.exit(130));
  });
}

async function measureBaselines(ports: { sink: number; source: number }, timeoutMs: number) {
  const up = await uploadMBps(ports.sink, CFG.baselineBytes, timeoutMs);
  const down = await downloadMBps(ports.source, CFG.baselineBytes, timeoutMs);
  return { up, down };
}

async function main(): Promise<void> {
  const tStart = nowMs();
  const load0 = loadavg()[0] ?? NaN;
  console.log(`Streamwatch broker benchmark${quick ? ' (--quick: counts 10x smaller)' : ''}`);
  console.log(
    `config: record value ${CFG.recordBytes} B, ${CFG.records} records (${f1((CFG.records * CFG.recordBytes) / MB)} MB) per throughput run, ` +
      `1 partition, no compression; librdkafka linger.ms=5 batch.size=1000000; kafkajs ${CFG.kafkajsBatch}/send, ${CFG.kafkajsInFlight} in flight, acks=-1; ` +
      `latency ${CFG.latencyRate} rec/s for ${CFG.latencyMs / 1000} s acks=-1; broker data dir in ${tmpdir()} (flush os); ` +
      `Node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model.trim() ?? '?'}); MB = 10^6 bytes`,
  );

  // 1. Baselines: servers in a child process, client here (as broker child / client here).
  const tcp = await JsonChild.start<{ sink: number; source: number; echo: number }>('tcp-child.ts', [
    String(CFG.baselineBytes),
    String(CFG.baselineBytes),
  ]);
  started.tcp = tcp.child;
  const ports = tcp.ready;
  const base1 = await measureBaselines(ports, 60_000);
  const echo = await echoLatencyUs(ports.echo, CFG.latencyRate, CFG.latencyMs);
  console.log(`baselines (run 1): upload ${f1(base1.up)} MB/s, download ${f1(base1.down)} MB/s, echo p50 ${f1(echo.p50)} µs p99 ${f1(echo.p99)} µs`);

  // The broker, on disk.
  started.dataDir = mkdtempSync(join(tmpdir(), 'streamwatch-bench-'));
  const b = await JsonChild.start<{ bootstrap: string }>('broker-child.ts', [started.dataDir]);
  started.broker = b.child;
  const bootstrap = b.ready.bootstrap;
  console.log(`broker: ${bootstrap}, data dir ${started.dataDir}`);

  const kjsErrors: KafkajsErrors = { count: 0, samples: [] };
  const kafka = makeKafka(bootstrap, kjsErrors);
  const how = await ensureTopics(kafka, Object.values(TOPICS));
  if (how !== 'CreateTopics') notes.push(`topics: ${how}`);

  const results: {
    rd: { label: string; acks: 'all' | '1'; topic: string; mbps: number; recs: number; ms: number; cpu: BrokerStats | null; client: number }[];
    kcat?: { mbps: number; ms: number; cpu: BrokerStats | null; client: number } | Error;
    kjs?: { mbps: number; recs: number; ms: number; cpu: BrokerStats | null; client: number } | Error;
    fetch?: { mbps: number; recs: number; ms: number; cpu: BrokerStats | null; client: number } | Error;
    kcatFetch?: { mbps: number; recs: number; ms: number; cpu: BrokerStats | null; client: number } | Error;
    kjsFetch?: { mbps: number; recs: number; ms: number; cpu: BrokerStats | null; client: number } | Error;
    lat?: (LatencySummary & { sent: number; failed: number; cpu: BrokerStats | null; client: number; ms: number }) | Error;
  } = { rd: [] };
  const failures: Row[] = [];

  // 2. librdkafka produce, acks=all then acks=1.
  for (const [acks, topic] of [['all', TOPICS.rdAll], ['1', TOPICS.rdOne]] as const) {
    const label = `produce librdkafka acks=${acks}`;
    if (interrupted) return;
    try {
      await brokerStats();
      const r = await pythonProduce(bootstrap, topic, CFG.records, CFG.recordBytes, acks, CFG.stepBudgetSec);
      const s = await brokerStats();
      const delivered = r.produced - r.failed - r.undelivered;
      const ms = r.elapsed * 1000;
      results.rd.push({ label, acks, topic, mbps: mbps(delivered * CFG.recordBytes, ms), recs: delivered, ms, cpu: s, client: r.cpu / r.elapsed });
      if (delivered < CFG.records) notes.push(`${label}: ${delivered}/${CFG.records} delivered within the budget (failed ${r.failed}, undelivered ${r.undelivered})`);
      if (r.errors.length) notes.push(`${label}: client errors: ${r.errors.join('; ')}`);
      if (hw(s, topic) !== delivered) notes.push(`${label}: broker high watermark ${hw(s, topic)} != delivered ${delivered}`);
      notes.push(`${label}: python enqueue loop took ${f2(r.enqueuedSec)} s of ${f2(r.elapsed)} s`);
      console.log(`${label}: ${f1(mbps(delivered * CFG.recordBytes, ms))} MB/s in ${f2(r.elapsed)} s`);
    } catch (e) {
      failures.push(errRow(label, e));
      console.log(`${label}: ${(e as Error).message}`);
    }
  }

  // 2b. kcat, acks=all, from a file of 1 KiB lines.
  if (kcatAvailable() && !interrupted) {
    try {
      started.linesFile = join(tmpdir(), `streamwatch-bench-lines-${process.pid}.txt`);
      writeLinesFile(started.linesFile, CFG.records, CFG.recordBytes);
      await brokerStats();
      const r = await kcatProduce(bootstrap, TOPICS.kcat, started.linesFile, CFG.stepBudgetSec);
      const s = await brokerStats();
      const got = hw(s, TOPICS.kcat);
      if (!r.ok) notes.push(`kcat: ${r.detail}`);
      if (got !== CFG.records) notes.push(`produce kcat acks=all: broker high watermark ${got} != ${CFG.records}`);
      results.kcat = {
        mbps: mbps((Number.isFinite(got) ? got : 0) * CFG.recordBytes, r.elapsedSec * 1000),
        ms: r.elapsedSec * 1000,
        cpu: s,
        client: r.cpuSec / r.elapsedSec,
      };
      console.log(`produce kcat acks=all: ${f1(results.kcat.mbps)} MB/s in ${f2(r.elapsedSec)} s`);
    } catch (e) {
      results.kcat = e as Error;
    } finally {
      if (started.linesFile) rmSync(started.linesFile, { force: true });
      started.linesFile = undefined;
    }
  }

  // 3. kafkajs produce throughput.
  const value = Buffer.alloc(CFG.recordBytes, 0x6a);
  if (!interrupted) {
    try {
      await brokerStats();
      const c0 = process.cpuUsage();
      const r = await kafkajsProduce(kafka, TOPICS.kjs, CFG.records, value, CFG.kafkajsBatch, CFG.kafkajsInFlight, CFG.stepBudgetSec * 1000);
      const s = await brokerStats();
      results.kjs = { mbps: mbps(r.records * CFG.recordBytes, r.elapsedMs), recs: r.records, ms: r.elapsedMs, cpu: s, client: selfCpu(c0, r.elapsedMs) };
      if (r.records < CFG.records) notes.push(`produce kafkajs: ${r.records}/${CFG.records} acked (${r.timedOut ? 'budget ran out' : `${r.failedSends} failed sends`})`);
      if (hw(s, TOPICS.kjs) !== r.records) notes.push(`produce kafkajs: broker high watermark ${hw(s, TOPICS.kjs)} != acked ${r.records}`);
      console.log(`produce kafkajs acks=-1: ${f1(results.kjs.mbps)} MB/s in ${f2(r.elapsedMs / 1000)} s`);
    } catch (e) {
      results.kjs = e as Error;
    }
  }

  // 4. librdkafka fetch of the acks=all topic from offset 0.
  const fetchFrom = results.rd.find((r) => r.acks === 'all');
  if (fetchFrom && !interrupted) {
    try {
      const s0 = await brokerStats();
      const r = await pythonFetch(bootstrap, fetchFrom.topic, fetchFrom.recs, CFG.stepBudgetSec);
      const s = await brokerStats();
      const ms = r.elapsed * 1000;
      results.fetch = { mbps: mbps(r.bytes, ms), recs: r.count, ms, cpu: s, client: r.cpu / r.elapsed };
      if (s0 && s) notes.push(`fetch librdkafka: ${s.broker.frames - s0.broker.frames - 1} requests to the broker during the read`);
      if (r.count !== fetchFrom.recs || r.first !== 0 || r.last !== fetchFrom.recs - 1) {
        notes.push(`fetch librdkafka: read ${r.count} records, offsets ${r.first}..${r.last}, early eof ${r.eof} (expected ${fetchFrom.recs})`);
      }
      if (r.errors.length) notes.push(`fetch librdkafka: client errors: ${r.errors.join('; ')}`);
      console.log(`fetch librdkafka: ${f1(results.fetch.mbps)} MB/s in ${f2(r.elapsed)} s`);
    } catch (e) {
      results.fetch = e as Error;
    }
  }

  // 4b. kcat fetch of the same topic (C client, no per-record Python objects).
  if (fetchFrom && kcatAvailable() && !interrupted) {
    const label = 'fetch kcat from offset 0';
    try {
      await brokerStats();
      const r = await kcatFetch(bootstrap, fetchFrom.topic, fetchFrom.recs, CFG.stepBudgetSec, join(started.dataDir, '..', `streamwatch-bench-kcat-${process.pid}`));
      const s = await brokerStats();
      const ms = r.elapsedSec * 1000;
      const rate = mbps(r.count * CFG.recordBytes, ms);
      if (!r.ok || r.lastOffset !== fetchFrom.recs - 1) notes.push(`${label}: ${r.count} records, last offset ${r.lastOffset}: ${r.detail}`);
      results.kcatFetch = { mbps: rate, recs: r.count, ms, cpu: s, client: r.cpuSec / r.elapsedSec };
      console.log(`${label}: ${f1(rate)} MB/s in ${f2(r.elapsedSec)} s`);
    } catch (e) {
      results.kcatFetch = e as Error;
    }
  }

  // 4c. kafkajs fetch of the same topic through a consumer group.
  if (fetchFrom && !interrupted) {
    try {
      await brokerStats();
      const c0 = process.cpuUsage();
      const r = await kafkajsFetch(kafka, fetchFrom.topic, fetchFrom.recs, CFG.stepBudgetSec * 1000);
      const s = await brokerStats();
      if (r.records < fetchFrom.recs) notes.push(`fetch kafkajs: read ${r.records}/${fetchFrom.recs}${r.timedOut ? ' (budget ran out)' : ''}`);
      results.kjsFetch = { mbps: mbps(r.bytes, r.elapsedMs), recs: r.records, ms: r.elapsedMs, cpu: s, client: selfCpu(c0, r.elapsedMs) };
      console.log(`fetch kafkajs: ${f1(results.kjsFetch.mbps)} MB/s in ${f2(r.elapsedMs / 1000)} s`);
    } catch (e) {
      results.kjsFetch = e as Error;
    }
  }

  // 5. kafkajs produce latency at a fixed rate.
  if (!interrupted) {
    try {
      await brokerStats();
      const c0 = process.cpuUsage();
      const l0 = nowMs();
      const r = await kafkajsLatency(kafka, TOPICS.lat, value, CFG.latencyRate, CFG.latencyMs);
      const s = await brokerStats();
      const ms = nowMs() - l0;
      results.lat = { ...r, cpu: s, client: selfCpu(c0, ms), ms };
      if (r.failed || r.count !== r.sent) notes.push(`latency: ${r.count}/${r.sent} acked, ${r.failed} failed`);
      console.log(`latency kafkajs: p50 ${f2(r.p50)} ms p99 ${f2(r.p99)} ms`);
    } catch (e) {
      results.lat = e as Error;
    }
  }

  notes.push(`load average (1 min) at start ${f2(load0)}, before the end baselines ${f2(loadavg()[0] ?? NaN)}`);
  const final = await brokerStats();
  if (final) {
    notes.push(
      `broker at the end: rss ${f1(final.rssMB)} MB, heap ${f1(final.heapMB)} MB, ${final.broker.frames} frames, ` +
        `${final.broker.connections} connections, ${final.broker.rejected} rejected, logged ${final.logged.warn} warn / ${final.logged.error} error`,
    );
  }
  const brokerStderr = started.broker.stderrLines;
  if (brokerStderr.length) notes.push(`broker stderr (${brokerStderr.length} lines), first: ${brokerStderr.slice(0, 3).join(' | ')}`);
  if (kjsErrors.count) notes.push(`kafkajs logged ${kjsErrors.count} errors, e.g. ${kjsErrors.samples.slice(0, 3).join(' | ')}`);
  await started.broker.stop();
  started.broker = undefined;

  // Baselines again at the end; the ratios use the better of the two runs.
  const base2 = await measureBaselines(ports, 60_000);
  await started.tcp.stop();
  started.tcp = undefined;
  const up = Math.max(base1.up, base2.up);
  const down = Math.max(base1.down, base2.down);
  notes.push(`baselines: upload ${f1(base1.up)} / ${f1(base2.up)} MB/s, download ${f1(base1.down)} / ${f1(base2.down)} MB/s (start / end; the better one is used)`);

  // The table.
  rows.push({ what: 'baseline upload (TCP sink, 1 KiB writes)', figure: `${f1(up)} MB/s`, baseline: '', ratio: '', target: '', cpu: '' });
  rows.push({ what: 'baseline download (TCP source, 64 KiB)', figure: `${f1(down)} MB/s`, baseline: '', ratio: '', target: '', cpu: '' });
  rows.push({
    what: `baseline TCP echo 1 KiB @${CFG.latencyRate}/s`,
    figure: `p50 ${f1(echo.p50)} µs, p99 ${f1(echo.p99)} µs`,
    baseline: '',
    ratio: '',
    target: '',
    cpu: '',
  });
  for (const r of results.rd) {
    const ratio = ratioOf(r.mbps, up);
    rows.push({
      what: r.label,
      figure: `${f1(r.mbps)} MB/s (${kRate(r.recs, r.ms)})`,
      baseline: `upload ${f1(up)}`,
      ratio: `${f2(ratio)}×`,
      target: targetCell(ratio, 0.35),
      cpu: cpuOf(r.cpu, r.ms, r.client),
    });
  }
  rows.push(...failures);
  if (results.kcat instanceof Error) rows.push(errRow('produce kcat acks=all', results.kcat));
  else if (results.kcat) {
    const ratio = ratioOf(results.kcat.mbps, up);
    rows.push({
      what: 'produce kcat acks=all (incl. start-up)',
      figure: `${f1(results.kcat.mbps)} MB/s (${kRate(CFG.records, results.kcat.ms)})`,
      baseline: `upload ${f1(up)}`,
      ratio: `${f2(ratio)}×`,
      target: targetCell(ratio, 0.35),
      cpu: cpuOf(results.kcat.cpu, results.kcat.ms, results.kcat.client),
    });
  } else if (!kcatAvailable()) notes.push('kcat: not installed, skipped');
  if (results.kjs instanceof Error) rows.push(errRow('produce kafkajs acks=-1', results.kjs));
  else if (results.kjs) {
    rows.push({
      what: `produce kafkajs acks=-1 (${CFG.kafkajsBatch}/send)`,
      figure: `${f1(results.kjs.mbps)} MB/s (${kRate(results.kjs.recs, results.kjs.ms)})`,
      baseline: `upload ${f1(up)}`,
      ratio: `${f2(ratioOf(results.kjs.mbps, up))}×`,
      target: '— (client-bound)',
      cpu: cpuOf(results.kjs.cpu, results.kjs.ms, results.kjs.client),
    });
  }
  if (results.fetch instanceof Error) rows.push(errRow('fetch librdkafka from offset 0', results.fetch));
  else if (results.fetch) {
    const ratio = ratioOf(results.fetch.mbps, down);
    rows.push({
      what: 'fetch librdkafka from offset 0',
      figure: `${f1(results.fetch.mbps)} MB/s (${kRate(results.fetch.recs, results.fetch.ms)})`,
      baseline: `download ${f1(down)}`,
      ratio: `${f2(ratio)}×`,
      target: targetCell(ratio, 0.5),
      cpu: cpuOf(results.fetch.cpu, results.fetch.ms, results.fetch.client),
    });
  } else rows.push(errRow('fetch librdkafka from offset 0', new Error('skipped: the acks=all produce run failed')));
  if (results.kcatFetch instanceof Error) rows.push(errRow('fetch kcat from offset 0', results.kcatFetch));
  else if (results.kcatFetch) {
    const k = results.kcatFetch;
    const ratio = ratioOf(k.mbps, down);
    rows.push({
      what: 'fetch kcat from offset 0 (incl. start-up)',
      figure: `${f1(k.mbps)} MB/s (${kRate(k.recs, k.ms)})`,
      baseline: `download ${f1(down)}`,
      ratio: `${f2(ratio)}×`,
      target: targetCell(ratio, 0.5),
      cpu: cpuOf(k.cpu, k.ms, k.client),
    });
  }
  if (results.kjsFetch instanceof Error) rows.push(errRow('fetch kafkajs (consumer group)', results.kjsFetch));
  else if (results.kjsFetch) {
    const k = results.kjsFetch;
    rows.push({
      what: 'fetch kafkajs (consumer group)',
      figure: `${f1(k.mbps)} MB/s (${kRate(k.recs, k.ms)})`,
      baseline: `download ${f1(down)}`,
      ratio: `${f2(ratioOf(k.mbps, down))}×`,
      target: '— (client-bound)',
      cpu: cpuOf(k.cpu, k.ms, k.client),
    });
  }
  if (results.lat instanceof Error) rows.push(errRow('produce latency kafkajs acks=-1', results.lat));
  else if (results.lat) {
    const l = results.lat;
    rows.push({
      what: `produce latency kafkajs acks=-1 @${CFG.latencyRate}/s`,
      figure: `p50 ${f2(l.p50)} ms, p99 ${f2(l.p99)} ms`,
      baseline: `echo ${f1(echo.p50)}/${f1(echo.p99)} µs`,
      ratio: `${f1(ratioOf(l.p50 * 1000, echo.p50))}× / ${f1(ratioOf(l.p99 * 1000, echo.p99))}×`,
      target: '',
      cpu: cpuOf(l.cpu, l.ms, l.client),
    });
  }

  const head: Row = { what: 'what', figure: 'figure', baseline: 'baseline', ratio: 'ratio', target: 'target', cpu: 'CPU broker / client / machine' };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))])) as Record<keyof Row, number>;
  const line = (r: Row) => cols.map((c) => r[c].padEnd(width[c])).join(' | ').trimEnd();
  console.log('');
  console.log(line(head));
  console.log(cols.map((c) => '-'.repeat(width[c])).join('-|-'));
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log(
    `CPU: broker process / client process / whole machine over that step, % of one core (${cpus().length} cores = ${cpus().length * 100}%; ` +
      'kafkajs runs in the bench process; machine includes anything else running). Latency ratio: p50 / p99 vs the echo round trip.',
  );
  console.log(`librdkafka via ${PYTHON} confluent_kafka; the produce target applies to librdkafka ingest (kafkajs is bound by its own JS encoding).`);
  for (const n of notes) console.log(`note: ${n}`);
  // After the broker and the baselines' servers have stopped: the codecs have the CPU to themselves.
  if (!interrupted) await compressionSection();
  console.log(`total ${f1((nowMs() - tStart) / 1000)} s`);
}

async function compressionSection(): Promise<void> {
  const { codecs, label } = await loadCodecs(args.codecs);
  printCompression(measureCompression(codecs, { quick }), label);
}

try {
  if (args.only === 'compression') await compressionSection();
  else await main();
} catch (e) {
  console.error(`benchmark failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
