// Part 3 of the streams benchmark: the processing pause of tasks that do not move when a fourth
// instance joins three under paced load while one of the three is frozen or slow. passthrough,
// exactly_once_v2, 12 partitions; one group per (case, protocol), run one after the other.
//   freeze  c is frozen for `freezeMs` the moment d starts joining (d's state event 'joining the group')
//   slow    c gets a per-record delay `slowMs` 3 s before d starts, until the group has settled
// Measured per task that stayed with a healthy instance (a or b): the largest `pause` telemetry
// of kind 'kept' (first record after a rebalance − the last record before it, on that instance)
// from d's start until the four have settled. Cross-check: the largest gap between output batches
// of those tasks' partitions as a read_uncommitted consumer saw them arrive (adds fetch jitter).
import type { Kafka } from 'kafkajs';
import { builtInApp } from '../core/apps/instances/catalog.js';
import { createTopics } from './streams-common.js';
import { SupervisedGroup, tearDown } from './streams-group.js';
import { OutputWatch, PacedLoad } from './streams-load.js';
import { sleep, summarize, type LatencySummary } from './util.js';

const PARTITIONS = 12;
const HEALTHY = ['a', 'b'] as const;
const SICK = 'c';
const JOINER = 'd';
export const PAUSE_CASES = ['freeze', 'slow'] as const;
export type PauseCase = (typeof PAUSE_CASES)[number];
export type Protocol = 'cooperative' | 'eager';

export interface PauseResult {
  fault: PauseCase;
  protocol: Protocol;
  /** active tasks a and b held before d joined */
  held: number;
  /** per kept task, its largest pause (ms) */
  pauses: LatencySummary;
  /** largest output gap over the kept tasks' partitions, consumer-side (ms) */
  outputGapMs: number;
  /** `rebalance` events on a healthy instance in the window */
  rebalances: number;
  /** d's start → settled */
  windowMs: number;
  note: string;
}

export interface PauseOptions {
  bootstrap: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  ratePerSec: number;
  freezeMs: number;
  slowMs: number;
  log: (line: string) => void;
}

let runSeq = 0;

/** One group: three instances settle, the fault, the fourth joins, measure until settled. */
export async function pauseRun(kafka: Kafka, fault: PauseCase, protocol: Protocol, opts: PauseOptions): Promise<{ result: PauseResult | null; notes: string[] }> {
  const tag = `${fault}-${protocol}-${++runSeq}`;
  const input = `bench-pause-in-${tag}`;
  const output = `bench-pause-out-${tag}`;
  const notes: string[] = [];
  await createTopics(kafka, [input, output], PARTITIONS);
  const group = new SupervisedGroup(builtInApp('passthrough').module, PARTITIONS);
  const watch = new OutputWatch(kafka, `bench-pause-watch-${tag}`, output, PARTITIONS);
  const load = new PacedLoad(kafka, input, PARTITIONS, opts.ratePerSec);
  const config = {
    applicationId: `bench-pause-${tag}`,
    bootstrapServers: [opts.bootstrap],
    processingGuarantee: 'exactly_once_v2',
    commitIntervalMs: 100,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    rebalanceProtocol: protocol,
    app: { input, output },
  };
  const three = [...HEALTHY, SICK];
  const four = [...three, JOINER];
  let result: PauseResult | null = null;
  try {
    await watch.start();
    await load.start();
    for (const id of three) group.start(id, config);
    const why = await group.settle(three, watch);
    if (why !== null) {
      notes.push(`pause ${tag}: three did not settle within 60 s (${why})`);
      return { result, notes };
    }
    opts.log(`  ${fault} ${protocol}: three settled: ${group.describeOwners(three)}`);
    group.phase = `${fault} ${SICK}, ${JOINER} joins`;
    if (fault === 'slow') {
      group.supervisor.slow(SICK, opts.slowMs);
      await sleep(3000);
    }
    const held = HEALTHY.reduce((n, id) => n + group.ownersOf(id).size, 0);
    const from = group.events.length;
    const t0 = Date.now();
    group.start(JOINER, config);
    if (fault === 'freeze') {
      const joining = await waitFor(() => group.since(from, { id: JOINER }).some((s) => s.event.type === 'state' && s.event.reason === 'joining the group'), 30_000);
      if (!joining) notes.push(`pause ${tag}: ${JOINER} did not start joining within 30 s; froze ${SICK} anyway`);
      group.supervisor.freeze(SICK, opts.freezeMs / 1000);
    }
    const notSettled = await group.settle(four, watch, 90_000);
    const end = Date.now();
    if (fault === 'slow') group.supervisor.slow(SICK, 0);
    if (notSettled !== null) notes.push(`pause ${tag}: four did not settle within 90 s (${notSettled}); measured up to then`);
    opts.log(`  ${fault} ${protocol}: four settled after ${((end - t0) / 1000).toFixed(1)} s: ${group.describeOwners(four)}`);

    const perTask = new Map<string, number>();
    let rebalances = 0;
    for (const { id, event: e } of group.since(from)) {
      if (!(HEALTHY as readonly string[]).includes(id)) continue;
      if (e.type === 'pause' && e.kind === 'kept') perTask.set(`${id}/${e.taskId}`, Math.max(perTask.get(`${id}/${e.taskId}`) ?? 0, e.pauseMs));
      if (e.type === 'rebalance' && id === HEALTHY[0]) rebalances++;
    }
    const keptPartitions = [...new Set([...perTask.keys()].map((k) => Number(k.split('_')[1])))];
    result = {
      fault,
      protocol,
      held,
      pauses: summarize([...perTask.values()]),
      outputGapMs: Math.max(0, ...keptPartitions.map((p) => watch.maxGap(p, t0, end))),
      rebalances,
      windowMs: end - t0,
      note: perTask.size === 0 ? 'no kept task had a pause event' : '',
    };
  } finally {
    notes.push(...(await tearDown(kafka, `pause ${tag}`, { group, load, watch, topics: [input, output] })));
  }
  return { result, notes };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > timeoutMs) return false;
    await sleep(5);
  }
  return true;
}
