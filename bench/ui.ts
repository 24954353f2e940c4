// `npm run bench:ui [-- --app passthrough|bank-ledger --instances 16 --partitions 128 --rate 800 --seconds 45 --no-build --profile]`:
// event-to-screen latency of the console under load. A child process (bench/ui-serve.ts) runs a
// Session + the web shell on 127.0.0.1; headless Chromium (the one the e2e journeys use:
// e2e/support/browser.ts — STREAMWATCH_BROWSER, a system Chromium/Chrome, Playwright's own, or
// the npm package @sparticuz/chromium; the first line printed says which) opens the console
// with `&bench=1`, connects to the embedded cluster from the Connect view; 16 instances
// (exactly_once_v2, 128 partitions; --instances / --partitions choose others) and the load
// generator are started through the session; then the Overview and the Group view (the board, one
// cell per partition) are shown while the renderer's bench hook (renderer/src/stores/bench-latency.ts)
// records, per event, Date.now() after the frame that applied the batch holding it − the event's
// `ts` (same machine clock).
// Target: event → screen p95 ≤ 100 ms ("one animation frame is the limit" on top of delivery).
// Machines are noisy, so the figure is also printed as a ratio to a baseline measured in the same
// run: the arrival-at-page latency (session → WebSocket → page), which the renderer cannot improve.
// --profile builds the renderer unminified and records a CPU profile of the page in each window
// (CDP Profiler), printing where the page's time went (self time by function and bundle line).
// Everything started is stopped; every wait is bounded.
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, describeChoice, findBrowser } from '../e2e/support/browser.js';
import { printTable } from './streams-common.js';
import { JsonChild, percentile, runProcess, sleep, withTimeout } from './util.js';

const { values: args } = parseArgs({
  options: {
    app: { type: 'string' },
    instances: { type: 'string' },
    partitions: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'no-build': { type: 'boolean' },
    profile: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log('usage: npm run bench:ui [-- --app passthrough|bank-ledger] [--instances 16] [--partitions 128] [--rate 800] [--seconds 45] [--no-build] [--profile]');
  process.exit(0);
}
const APP = args.app ?? 'passthrough';
if (APP !== 'passthrough' && APP !== 'bank-ledger') {
  console.error('--app takes passthrough or bank-ledger');
  process.exit(2);
}
const CFG = {
  app: APP,
  instances: Number(args.instances ?? 16),
  partitions: Number(args.partitions ?? 128),
  rate: Number(args.rate ?? 800),
  seconds: Number(args.seconds ?? 45),
  targetP95Ms: 100,
};
// The session's limits (core/session/api.ts instances.start): count 1–16, partitions 1–256.
if (!(CFG.rate > 0) || !(CFG.seconds >= 10) || !isIntIn(CFG.instances, 1, 16) || !isIntIn(CFG.partitions, 1, 256)) {
  console.error('--rate must be > 0, --seconds ≥ 10, --instances 1–16, --partitions 1–256');
  process.exit(2);
}
const ratio = (x: number, base: number): string => `${(x / base).toFixed(2)}×`;
function isIntIn(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}
const BROWSER = findBrowser();
if (!BROWSER.ok) {
  console.error(BROWSER.message.replace(/^e2e: no browser for the web journeys/, 'bench:ui: no browser'));
  process.exit(1);
}
console.log(describeChoice(BROWSER).replace(/^e2e:/, 'bench:ui:'));
const CHROMIUM = BROWSER.executablePath;

let child: JsonChild | undefined;
let browser: Browser | undefined;
let stateDir: string | undefined;
const notes: string[] = [];
const la = (): string => loadavg().map((x) => x.toFixed(2)).join(' / ');
const mib = (b: number): string => (Number.isFinite(b) ? `${(b / 1024 / 1024).toFixed(0)} MiB` : 'n/a');
const t0 = performance.now();
const log = (msg: string): void => console.error(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

async function cleanup(): Promise<void> {
  const c = child;
  child = undefined;
  if (c) {
    await cmd(c, 'load.stop', {}).catch(() => undefined);
    await c.stop(40_000).catch(() => undefined); // the session stops the instances and the broker
  }
  await browser?.close().catch(() => undefined);
  browser = undefined;
  if (stateDir) await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping the browser and the web shell child`);
    void cleanup().then(() => process.exit(130));
  });
}

async function cmd<T = unknown>(c: JsonChild, command: string, a: unknown, timeoutMs = 200_000): Promise<T> {
  const r = await c.request<{ ok: boolean; result?: T; error?: string }>(JSON.stringify({ command, args: a }), timeoutMs);
  if (!r.ok) throw new Error(`${command}: ${r.error}`);
  return r.result as T;
}

/** VmRSS / VmHWM of a process, bytes (Linux). */
function procMem(pid: number): { rss: number; hwm: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(500);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** What the renderer's bench hook puts on window (renderer/src/stores/bench-latency.ts). */
interface Hooked {
  __streamwatchLatency?: { painted: number[]; arrived: number[]; batchSizes: number[]; dropped: number };
}

interface Window_ {
  painted: number[];
  arrived: number[];
  batches: number;
  dropped: number;
}
async function resetSamples(page: Page): Promise<void> {
  await page.evaluate(() => {
    const s = (globalThis as unknown as Hooked).__streamwatchLatency!;
    s.painted.length = 0;
    s.arrived.length = 0;
    s.batchSizes.length = 0;
    s.dropped = 0;
  });
}
async function takeSamples(page: Page): Promise<Window_> {
  return page.evaluate(() => {
    const s = (globalThis as unknown as Hooked).__streamwatchLatency!;
    return { painted: [...s.painted], arrived: [...s.arrived], batches: s.batchSizes.length, dropped: s.dropped };
  });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}
type Cdp = Awaited<ReturnType<ReturnType<Browser['contexts']>[number]['newCDPSession']>>;

async function startProfile(cdp: Cdp): Promise<void> {
  if (!args.profile) return;
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
}

/** Prints the page's busiest functions (self time) in the window, and keeps the profile in a file. */
async function stopProfile(cdp: Cdp, name: string): Promise<void> {
  if (!args.profile) return;
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  const file = join(tmpdir(), `sw-bench-ui-${name}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byNode.get(id)!.callFrame;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
  console.log(`\nCPU profile of the page, ${name} window (${(total / 1000).toFixed(1)} s sampled; ${file}):`);
  printTable([['self ms', 'share', 'function bundle:line'], ...top.map(([k, v]) => [v.toFixed(0), `${((100 * v) / total).toFixed(1)} %`, k])]);
}

async function main(): Promise<void> {
  const laStart = la();
  console.log(`bench:ui — ${cpus().length} CPUs, load average (1/5/15 min) at start: ${laStart}`);
  if (!args['no-build']) {
    log('building the renderer (npm run build:renderer)');
    const minify = args.profile ? ['--minify', 'false'] : []; // function names survive for the profile
    const b = await runProcess('npx', ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn', ...minify], 300_000);
    if (b.code !== 0) throw new Error(`renderer build failed: ${b.stderr.slice(-2000)}`);
  }
  stateDir = await mkdtemp(join(tmpdir(), 'sw-bench-ui-'));
  const started = await JsonChild.start<{ url: string }>('ui-serve.ts', ['--state-dir', stateDir], 60_000);
  child = started.child;
  const c = child;
  const pid = c.proc.pid!;
  const url = `${started.ready.url}&bench=1`;
  log(`web shell up (pid ${pid}) at ${started.ready.url.replace(/token=.*/, 'token=…')}`);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable'); // counters (layouts, style recalcs) from here on
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  await page.getByTestId('view-connect').waitFor({ timeout: 30_000 });
  if (!(await page.evaluate(() => (globalThis as unknown as Hooked).__streamwatchLatency !== undefined))) throw new Error('the renderer has no bench hook (is dist/renderer built from this tree?)');

  log('Connect view → Use embedded cluster');
  await page.getByTestId('connect-embedded').click();
  await waitFor('embedded cluster running', 90_000, async () => /running/i.test((await page.getByTestId('embedded-state').textContent()) ?? ''));
  await waitFor('console uses the embedded cluster', 30_000, async () => /Using embedded cluster/.test((await page.getByTestId('connect-embedded').textContent()) ?? ''));

  log(`instances.start ${CFG.app} ×${CFG.instances}, exactly_once_v2, ${CFG.partitions} partitions`);
  const { ids } = await cmd<{ ids: string[] }>(c, 'instances.start', { app: CFG.app, count: CFG.instances, guarantee: 'exactly_once_v2', partitions: CFG.partitions });
  log(`started ${ids.join(', ')}; load.start ${CFG.rate} records/s`);
  await cmd(c, 'load.start', { app: CFG.app, ratePerSecond: CFG.rate, keys: 1000 });
  await waitFor('all instances running, streams RUNNING', 240_000, async () => {
    const { instances } = await cmd<{ instances: { id: string; state: string; streamsState: string | null }[] }>(c, 'instances.list', {}, 30_000);
    const mine = instances.filter((i) => ids.includes(i.id));
    return mine.length === ids.length && mine.every((i) => i.state === 'running' && i.streamsState === 'RUNNING');
  });
  log('all instances RUNNING');

  // Overview, then the Group view with the board.
  const phases: { name: string; w: Window_; ms: number }[] = [];
  await page.getByTestId('nav-overview').click();
  await page.getByTestId('view-overview').waitFor({ timeout: 30_000 });
  await sleep(3000); // settle: the first batches after navigation
  const overviewMs = Math.round((CFG.seconds * 1000) / 3);
  await resetSamples(page);
  await startProfile(cdp);
  let t = performance.now();
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, procMem(pid).rss)), 1000);
  await sleep(overviewMs);
  phases.push({ name: 'Overview', w: await takeSamples(page), ms: performance.now() - t });
  await stopProfile(cdp, 'Overview');
  log(`Overview window done (${phases[0]!.w.painted.length} events)`);

  await page.getByTestId('nav-group').click();
  await page.getByTestId('view-group').waitFor({ timeout: 30_000 });
  const groupId = CFG.app; // applicationId defaults to the app's name
  await withTimeout(page.getByTestId('group-select').locator(`option[value="${groupId}"]`).waitFor({ state: 'attached' }), 30_000, 'group option');
  await page.getByTestId('group-select').selectOption(groupId);
  await waitFor(`board shows ${CFG.partitions} input partitions`, 60_000, async () => (await page.locator(`[data-testid^="board-cell-"]`).count()) >= CFG.partitions);
  const cells = await page.locator(`[data-testid^="board-cell-"]`).count();
  await sleep(3000);
  await resetSamples(page);
  await startProfile(cdp);
  t = performance.now();
  await sleep(CFG.seconds * 1000 - overviewMs);
  phases.push({ name: `Group (board, ${cells} cells)`, w: await takeSamples(page), ms: performance.now() - t });
  await stopProfile(cdp, 'Group');
  clearInterval(rssTimer);
  log(`Group window done (${phases[1]!.w.painted.length} events)`);

  // Memory at the end.
  const mem = procMem(pid);
  const stats = await c.request<{ rss: number; heapUsed: number; heapTotal: number; external: number }>('stats', 10_000);
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const metric = (n: string): number => metrics.find((m) => m.name === n)?.value ?? NaN;
  const perfMem = await page.evaluate(() => {
    const m = (performance as unknown as { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
    return m ? { used: m.usedJSHeapSize, total: m.totalJSHeapSize } : null;
  });
  const laEnd = la();

  // Report.
  const all: Window_ = {
    painted: phases.flatMap((p) => p.w.painted),
    arrived: phases.flatMap((p) => p.w.arrived),
    batches: phases.reduce((a, p) => a + p.w.batches, 0),
    dropped: phases.reduce((a, p) => a + p.w.dropped, 0),
  };
  const row = (name: string, w: Window_, ms: number): string[] => {
    const s = [...w.painted].sort((a, b) => a - b);
    const a = [...w.arrived].sort((x, y) => x - y);
    const p95 = percentile(s, 95);
    const arriveP95 = percentile(a, 95);
    // Per event, in the page: received → on screen (the batcher's wait, the stores, the render, the frame).
    const inPage = w.painted.map((x, i) => x - (w.arrived[i] ?? x)).sort((x, y) => x - y);
    return [
      name,
      (ms / 1000).toFixed(0),
      String(s.length),
      (s.length / (ms / 1000)).toFixed(0),
      (s.length / Math.max(1, w.batches)).toFixed(1),
      percentile(a, 50).toFixed(0),
      arriveP95.toFixed(0),
      percentile(s, 50).toFixed(0),
      p95.toFixed(0),
      percentile(s, 99).toFixed(0),
      (s[s.length - 1] ?? NaN).toFixed(0),
      `${percentile(inPage, 50).toFixed(0)} / ${percentile(inPage, 95).toFixed(0)}`,
      ratio(p95, Math.max(1, arriveP95)),
      s.length === 0 ? 'n/a (no events)' : `${ratio(p95, CFG.targetP95Ms)} ${p95 <= CFG.targetP95Ms ? 'met' : 'NOT met'}`,
    ];
  };
  console.log('');
  console.log(`Event-to-screen latency, ${CFG.app} ×${CFG.instances} exactly_once_v2, ${CFG.partitions} partitions, load ${CFG.rate} records/s (ms; target p95 ≤ ${CFG.targetP95Ms} ms)`);
  printTable([
    ['view', 's', 'events', 'events/s', 'ev/batch', 'arrive p50', 'arrive p95', 'screen p50', 'screen p95', 'screen p99', 'max', 'in page p50 / p95', 'screen/arrive p95', `p95 vs ${CFG.targetP95Ms} ms`],
    ...phases.map((p) => row(p.name, p.w, p.ms)),
    row('both', all, phases.reduce((a, p) => a + p.ms, 0)),
  ]);
  console.log('  arrive = page received the event − event.ts (the baseline: delivery, which the renderer cannot shorten);');
  console.log('  screen = after the frame that applied the batch holding it − event.ts; in page = screen − arrive, per event;');
  console.log('  screen/arrive p95 = the ratio to the baseline measured in this run (machines are noisy: compare ratios across runs).');
  console.log('');
  printTable([
    ['resource (at the end)', 'value'],
    [`web shell process RSS (session, broker, ${CFG.instances} instance worker threads)`, `${mib(mem.rss)} (peak in window ${mib(peakRss)}, VmHWM ${mib(mem.hwm)})`],
    ['web shell process JS heap used / total', `${mib(stats.heapUsed)} / ${mib(stats.heapTotal)}`],
    ['renderer JS heap used / total (CDP Performance.getMetrics)', `${mib(metric('JSHeapUsedSize'))} / ${mib(metric('JSHeapTotalSize'))}`],
    ['renderer JS heap used / total (performance.memory)', perfMem ? `${mib(perfMem.used)} / ${mib(perfMem.total)}` : 'n/a'],
    ['renderer DOM nodes / layouts / recalc styles', `${metric('Nodes')} / ${metric('LayoutCount')} / ${metric('RecalcStyleCount')}`],
    ['load average (1/5/15 min) start → end', `${laStart} → ${laEnd}  (${cpus().length} CPUs)`],
  ]);
  const overall = [...all.painted].sort((a, b) => a - b);
  const p95 = percentile(overall, 95);
  const arriveP95 = percentile([...all.arrived].sort((a, b) => a - b), 95);
  console.log('');
  console.log(
    overall.length === 0
      ? `RESULT: no events were measured — target p95 ≤ ${CFG.targetP95Ms} ms NOT demonstrated`
      : `RESULT: event-to-screen p95 ${p95.toFixed(0)} ms over ${overall.length} events (${ratio(p95, CFG.targetP95Ms)} of the ${CFG.targetP95Ms} ms target, ` +
          `${ratio(p95, Math.max(1, arriveP95))} of arrival p95 ${arriveP95.toFixed(0)} ms) — target p95 ≤ ${CFG.targetP95Ms} ms ${p95 <= CFG.targetP95Ms ? 'MET' : 'NOT MET'}`,
  );
  if (all.dropped > 0) notes.push(`${all.dropped} samples dropped (hook buffer full)`);
  if (pageErrors.length > 0) notes.push(`page errors: ${pageErrors.slice(0, 3).join(' | ')}`);
  for (const n of notes) console.log(`note: ${n}`);
}

try {
  await main();
} catch (err) {
  console.error(`bench:ui failed: ${err instanceof Error ? err.message : String(err)}`);
  if (child) console.error(child.stderrLines.slice(-10).join('\n'));
  process.exitCode = 1;
} finally {
  log('stopping load, instances, web shell and browser');
  await cleanup();
  log('done');
}
