// `npm run bench:monitor [-- --groups 500 --partitions 20 --polls 15 --interval 1000]`: what one
// poll of the cluster monitor (core/monitor/cluster-monitor.ts) costs on a cluster with many
// consumer groups. An embedded broker in this process (as the console runs it), one topic of
// `--partitions` partitions per group, a few records in each partition, and each group's offsets
// committed as admin tools do (no live members, generation -1), some of them behind the end so
// there is lag to compute. Then the monitor polls every `--interval` ms and each poll's wall time
// and CPU time (process.cpuUsage: the broker answering is in this process too, as in the console)
// are printed against the target: a poll ≤ 1 s at a 1 s interval, so the monitor never falls
// behind. Machines are noisy, so the figures are also printed as ratios to baselines measured in
// the same run: one ListGroups round trip, and one poll of a monitor watching a single group.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../core/broker/broker.js';
import { KafkaClient } from '../core/client/client.js';
import { ClusterMonitor } from '../core/monitor/cluster-monitor.js';
import { createMonitorKafka } from '../core/monitor/kafka-client.js';
import type { MonitorEvent } from '../core/monitor/types.js';
import { ApiKey } from '../core/protocol/apis.js';
import type { ListGroupsResponse, OffsetCommitResponse } from '../core/protocol/schema/generated/index.js';
import { printTable } from './streams-common.js';
import { percentile, sleep } from './util.js';

const { values: args } = parseArgs({
  options: {
    groups: { type: 'string' },
    partitions: { type: 'string' },
    polls: { type: 'string' },
    interval: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log('usage: npm run bench:monitor [-- --groups 500] [--partitions 20] [--polls 15] [--interval 1000]');
  process.exit(0);
}
const CFG = {
  groups: Number(args.groups ?? 500),
  partitions: Number(args.partitions ?? 20),
  polls: Number(args.polls ?? 15),
  intervalMs: Number(args.interval ?? 1000),
  /** Records written to each partition before the offsets are committed. */
  records: 5,
  targetMs: 1000,
};
if (![CFG.groups, CFG.partitions, CFG.polls, CFG.intervalMs].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('--groups, --partitions, --polls and --interval take positive integers');
  process.exit(2);
}
const topicOf = (g: number): string => `bench-topic-${g}`;
const groupOf = (g: number): string => `bench-group-${g}`;
/** A third of the groups are caught up, the others 1 or 2 records behind on every partition. */
const behind = (g: number): number => g % 3;

const t0 = performance.now();
const log = (msg: string): void => console.error(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${msg}`);
const la = (): string => loadavg().map((x) => x.toFixed(2)).join(' / ');
const ms = (n: number): string => n.toFixed(n < 10 ? 2 : 0);
const ratio = (x: number, base: number): string => `${(x / base).toFixed(x / base < 10 ? 2 : 0)}×`;

interface Sample {
  wallMs: number;
  cpuMs: number;
}
/** Wall and CPU time (user + system, this process) of `run`. */
async function measure(run: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

async function setUp(b: RunningBroker): Promise<void> {
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'bench-monitor-setup', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const all = Array.from({ length: CFG.groups }, (_, g) => g);
  for (let i = 0; i < all.length; i += 100) {
    await admin.createTopics({ topics: all.slice(i, i + 100).map((g) => ({ topic: topicOf(g), numPartitions: CFG.partitions })), timeout: 60_000 });
  }
  await admin.disconnect();
  log(`${CFG.groups} topics × ${CFG.partitions} partitions created`);

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const partitions = Array.from({ length: CFG.partitions }, (_, p) => p);
  for (let i = 0; i < all.length; i += 50) {
    await producer.sendBatch({
      topicMessages: all.slice(i, i + 50).map((g) => ({
        topic: topicOf(g),
        messages: partitions.flatMap((partition) => Array.from({ length: CFG.records }, (_, r) => ({ partition, value: `record ${r}` }))),
      })),
    });
  }
  await producer.disconnect();
  log(`${CFG.records} records in each of ${CFG.groups * CFG.partitions} partitions`);

  // Offsets as an admin tool commits them for a group with no members (generation -1).
  const client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'bench-monitor-commit' });
  try {
    for (let i = 0; i < all.length; i += 50) {
      await Promise.all(
        all.slice(i, i + 50).map(async (g) => {
          const res = await client.coordinatorRequest<OffsetCommitResponse>('group', groupOf(g), ApiKey.OffsetCommit, {
            groupId: groupOf(g),
            generationIdOrMemberEpoch: -1,
            memberId: '',
            groupInstanceId: null,
            topics: [
              {
                name: topicOf(g),
                partitions: partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: CFG.records - behind(g), committedMetadata: null })),
              },
            ],
          });
          const failed = res.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0);
          if (failed) throw new Error(`commit for ${groupOf(g)}: error ${failed.errorCode}`);
        }),
      );
    }
  } finally {
    client.close();
  }
  log(`offsets committed for ${CFG.groups} groups`);
}

/** One ListGroups round trip, the smallest question a poll asks. */
async function listGroupsRoundTrips(b: RunningBroker, n: number): Promise<Sample[]> {
  const client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'bench-monitor-baseline' });
  try {
    await client.anyRequest<ListGroupsResponse>(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] }); // connect first
    const out: Sample[] = [];
    for (let i = 0; i < n; i++) out.push(await measure(() => client.anyRequest<ListGroupsResponse>(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] })));
    return out;
  } finally {
    client.close();
  }
}

function newMonitor(b: RunningBroker, emit: (e: MonitorEvent) => void, groupFilter?: (id: string) => boolean): ClusterMonitor {
  return new ClusterMonitor({
    kafka: createMonitorKafka({ brokers: [b.bootstrap] }),
    bootstrap: [b.bootstrap],
    intervalMs: CFG.intervalMs,
    embedded: true,
    emit,
    ...(groupFilter ? { groupFilter } : {}),
  });
}

/**
 * Polls `polls` times, one poll starting every intervalMs (or at once when the previous one
 * overran: that is falling behind). The first poll (connections, first reads of the logs) is
 * reported apart.
 */
async function pollAtInterval(monitor: ClusterMonitor, polls: number): Promise<{ first: Sample; steady: Sample[]; periodMs: number }> {
  const first = await measure(() => monitor.refresh());
  const steady: Sample[] = [];
  const start = performance.now();
  let lastStart = start;
  for (let i = 0; i < polls; i++) {
    const due = start + i * CFG.intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    lastStart = performance.now();
    steady.push(await measure(() => monitor.refresh()));
  }
  // From the first poll's start to the last one's: the period the polls actually kept.
  return { first, steady, periodMs: polls > 1 ? (lastStart - start) / (polls - 1) : NaN };
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? NaN };
};

async function main(): Promise<void> {
  const laStart = la();
  console.log(`bench:monitor — ${cpus().length} CPUs, load average (1/5/15 min) at start: ${laStart}`);
  const b = await startBroker({ port: 0, dataDir: null });
  try {
    await setUp(b);

    const rtt = summary((await listGroupsRoundTrips(b, 50)).map((s) => s.wallMs));
    log(`baseline: ListGroups round trip p50 ${ms(rtt.p50)} ms`);

    const one = newMonitor(b, () => {}, (id) => id === groupOf(1));
    let single: Awaited<ReturnType<typeof pollAtInterval>>;
    try {
      single = await pollAtInterval(one, 5);
    } finally {
      await one.stop();
    }
    const singleWall = summary(single.steady.map((s) => s.wallMs));
    const singleCpu = summary(single.steady.map((s) => s.cpuMs));
    log(`baseline: one group's poll p50 ${ms(singleWall.p50)} ms wall, ${ms(singleCpu.p50)} ms CPU`);

    const counts = new Map<string, number>();
    const errors = new Set<string>();
    let lastSnapshots = new Map<string, { totalLag: number; status: string }>();
    const monitor = newMonitor(b, (e) => {
      counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
      if (e.type === 'error') errors.add(e.message.slice(0, 300));
      if (e.type === 'group.snapshot') lastSnapshots.set(e.group.groupId, { totalLag: e.group.totalLag, status: e.group.status });
    });
    log(`monitor of all ${CFG.groups} groups: ${CFG.polls} polls, one every ${CFG.intervalMs} ms`);
    let run: Awaited<ReturnType<typeof pollAtInterval>>;
    try {
      lastSnapshots = new Map();
      run = await pollAtInterval(monitor, CFG.polls);
    } finally {
      await monitor.stop();
    }

    // What the monitor saw must be the cluster that was set up, or the timing means nothing.
    const expectedLag = (g: number) => behind(g) * CFG.partitions;
    const wrong = Array.from({ length: CFG.groups }, (_, g) => g).filter((g) => lastSnapshots.get(groupOf(g))?.totalLag !== expectedLag(g));
    if (wrong.length > 0) {
      throw new Error(`the monitor's snapshots disagree with the set-up for ${wrong.length} groups, e.g. ${groupOf(wrong[0]!)}: ${JSON.stringify(lastSnapshots.get(groupOf(wrong[0]!)))}`);
    }

    const wall = summary(run.steady.map((s) => s.wallMs));
    const cpu = summary(run.steady.map((s) => s.cpuMs));
    const overran = run.steady.filter((s) => s.wallMs > CFG.intervalMs).length;
    console.log('');
    console.log(
      `One poll of ClusterMonitor, ${CFG.groups} groups × ${CFG.partitions} partitions (${CFG.groups * CFG.partitions} partitions, no live members), ` +
        `embedded broker in this process, interval ${CFG.intervalMs} ms, ${run.steady.length} polls after the first (ms)`,
    );
    printTable([
      ['', 'p50', 'p95', 'max', 'p95 vs target', 'p50 / ListGroups RTT', 'p50 / one-group poll'],
      ['wall', ms(wall.p50), ms(wall.p95), ms(wall.max), `${ratio(wall.p95, CFG.targetMs)} of ${CFG.targetMs} ms`, ratio(wall.p50, rtt.p50), ratio(wall.p50, singleWall.p50)],
      ['CPU (user+system)', ms(cpu.p50), ms(cpu.p95), ms(cpu.max), `${ratio(cpu.p95, CFG.targetMs)} of ${CFG.targetMs} ms`, '', ratio(cpu.p50, singleCpu.p50)],
      ['first poll: wall / CPU', ms(run.first.wallMs), ms(run.first.cpuMs), '', '', '', ''],
      ['baseline: ListGroups RTT', ms(rtt.p50), ms(rtt.p95), ms(rtt.max), '', '', ''],
      ['baseline: one-group poll wall', ms(singleWall.p50), ms(singleWall.p95), ms(singleWall.max), '', '', ''],
      ['baseline: one-group poll CPU', ms(singleCpu.p50), ms(singleCpu.p95), ms(singleCpu.max), '', '', ''],
    ]);
    console.log(`  polls over the interval: ${overran} of ${run.steady.length}; mean period ${ms(run.periodMs)} ms (interval ${CFG.intervalMs} ms)`);
    console.log(`  events emitted: ${[...counts].map(([t, n]) => `${t} ${n}`).join(', ')}`);
    for (const m of errors) console.log(`  monitor error: ${m}`);
    console.log(`  load average (1/5/15 min) start → end: ${laStart} → ${la()} (${cpus().length} CPUs; shared machine, figures are noisy)`);
    const met = wall.p95 <= CFG.targetMs && overran === 0;
    console.log('');
    console.log(
      `RESULT: poll p95 ${ms(wall.p95)} ms wall, ${ms(cpu.p95)} ms CPU at a ${CFG.intervalMs} ms interval, ${overran} polls overran — ` +
        `target p95 ≤ ${CFG.targetMs} ms without falling behind ${met ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await b.close();
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench:monitor failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
}
