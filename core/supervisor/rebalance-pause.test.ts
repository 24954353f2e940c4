// Issue 10, "Done when": a fourth passthrough instance joins three while one of the three is
// frozen for less than the session timeout. With cooperative rebalancing the tasks a healthy
// member keeps go on producing output throughout; with eager every member gives up its tasks
// before joining, and the join waits for the frozen member. The pause is measured where an
// operator would see it: gaps between LogAppendTime timestamps on the output topic.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { KafkaClient } from '../client/client.js';
import { Fetcher } from '../client/fetcher.js';
import { builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator } from '../apps/load-generator.js';
import { StreamsEvent } from '../streams/index.js';
import { PROCESS_FILE_NAME } from '../streams/state/state-directory.js';
import { Supervisor } from './supervisor.js';

const PARTITIONS = 6;
const FREEZE_SECONDS = 4.5;
const SESSION_TIMEOUT_MS = 10_000;
/** How long after the group is stable again the window goes on. */
const SETTLED_MS = 3000;
/** Steady load before each freeze. */
const BASELINE_MS = 3000;
const PASSTHROUGH = builtInApp('passthrough');
/** Fourth instances tried at most (why more than one: see the join loop). */
const MAX_JOINERS = 5;

type Protocol = 'cooperative' | 'eager';
type Rebalance = Extract<StreamsEvent, { type: 'rebalance' }>;

interface PauseRun {
  /** Fourth instances it took until a task stayed with a healthy member. */
  attempts: number;
  frozen: string;
  kept: string[];
  /** Per kept task: the largest gap between consecutive output timestamps of its partition in the window. */
  gapByTask: Map<string, number>;
  /** The same measure over every partition in the steady BASELINE_MS before the freeze, for reference. */
  baselineGapMs: number;
  /** From the freeze to the fourth instance starting to join. */
  joinAfterMs: number;
  /** From the freeze to the last rebalance of the generation everyone ends in. */
  stableAfterMs: number;
  tasksOfNewInstance: string[];
}

/** Largest gap in [from, to] between consecutive timestamps, counting the window's edges. */
function largestGap(timestamps: readonly number[], from: number, to: number): number {
  const inside = [from, ...timestamps.filter((t) => t >= from && t <= to), to];
  let gap = 0;
  for (let i = 1; i < inside.length; i++) gap = Math.max(gap, inside[i]! - inside[i - 1]!);
  return gap;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function partitionOfTask(taskId: string): number {
  return Number(taskId.split('_')[1]);
}

describe.each([1, 3])('a fourth instance joins while one of three is frozen, %i node(s)', (nodes) => {
  let b: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, nodes });
    kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'rebalance-pause-test', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await b?.close();
  });

  /** Every output record's LogAppendTime, by partition, read from the beginning to the end. */
  async function outputTimestamps(topic: string): Promise<Map<number, number[]>> {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'rebalance-pause-reader' });
    const fetcher = new Fetcher(client, { isolationLevel: 'read_uncommitted', autoOffsetReset: 'earliest' });
    const partitions = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
    const out = new Map<number, number[]>(partitions.map((tp) => [tp.partition, []]));
    try {
      fetcher.assign(partitions.map((tp) => ({ ...tp, position: 'earliest' as const })));
      const end = Date.now() + 30_000;
      while (!partitions.every((tp) => fetcher.lag(tp) === 0)) {
        if (Date.now() > end) throw new Error(`reading ${topic} did not reach its end in 30 s`);
        const { batches } = await fetcher.poll(200);
        for (const batch of batches) out.get(batch.partition)!.push(...batch.records.map((r) => r.timestamp));
      }
      return out;
    } finally {
      fetcher.close();
      client.close();
    }
  }

  async function freezeOneAndJoinAFourth(protocol: Protocol): Promise<PauseRun> {
    const input = `numbers-${protocol}`;
    const output = `copies-${protocol}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: PARTITIONS },
        { topic: output, numPartitions: PARTITIONS, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
      ],
    });
    await admin.disconnect();

    const config = {
      applicationId: `pause-${protocol}`,
      bootstrapServers: [b.bootstrap],
      processingGuarantee: 'at_least_once',
      rebalanceProtocol: protocol,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 1000,
      commitIntervalMs: 1000,
      app: { input, output },
    };
    const supervisor = new Supervisor({ resourceIntervalMs: 0 });
    const events: { id: string; event: StreamsEvent }[] = [];
    supervisor.onEvent((e) => {
      if (e.type !== 'instance.telemetry') return;
      const parsed = StreamsEvent.safeParse(e.event);
      if (parsed.success) events.push({ id: e.id, event: parsed.data });
    });
    const rebalances = (id: string, after: number): Rebalance[] =>
      events.flatMap((e) => (e.id === id && e.event.type === 'rebalance' && e.event.at >= after ? [e.event] : []));
    const lastState = (id: string): string | undefined => {
      const e = events.findLast((x) => x.id === id && x.event.type === 'state')?.event;
      return e?.type === 'state' ? e.to : undefined;
    };
    /** Each member's last rebalance since `after`, when all ended in one generation with no follow-up due and run; else null. */
    const settledRebalances = (ids: readonly string[], after: number): Rebalance[] | null => {
      const last = ids.map((id) => rebalances(id, after).at(-1));
      if (last.some((r) => r === undefined || r.followUp === true)) return null;
      if (new Set(last.map((r) => r!.generation)).size !== 1) return null;
      return ids.every((id) => lastState(id) === 'RUNNING') ? (last as Rebalance[]) : null;
    };
    const start = (id: string) => supervisor.start(PASSTHROUGH.module, config, { id });
    /**
     * The joiner's process id, written where its state directory keeps it: the largest a Java
     * UUID compares as (its halves are signed longs), so it sorts after the three and takes the
     * last round-robin slot. With a random one it sorts first a quarter of the time, moving every
     * healthy member's tasks; and when the first of the three drew a large id, joiner after joiner
     * did (4 in a row in 2 of 6 runs).
     */
    const lastProcessId = (id: string) => {
      const appDir = join(supervisor.stateDirOf(id), config.applicationId);
      mkdirSync(appDir, { recursive: true });
      writeFileSync(join(appDir, PROCESS_FILE_NAME), JSON.stringify({ processId: '7fffffff-ffff-4fff-bfff-ffffffffffff' }));
    };
    /** Tasks a healthy member kept through every round since `after`. */
    const keptBy = (healthy: readonly string[], after: number): string[] =>
      healthy.flatMap((id) => {
        const rounds = rebalances(id, after);
        return rounds.length === 0 ? [] : rounds.map((r) => r.kept).reduce((acc, k) => acc.filter((t) => k.includes(t)));
      });
    const load = new LoadGenerator({ kafka, topic: input, ratePerSecond: 200, keys: 60, kind: 'sequence' });
    try {
      for (const id of ['a', 'b', 'c']) start(id);
      await waitFor('three instances running in one generation', () => settledRebalances(['a', 'b', 'c'], 0) !== null, 60_000);
      await load.start();
      await new Promise((r) => setTimeout(r, BASELINE_MS)); // steady output on every partition

      for (let attempt = 1; ; attempt++) {
        const joiner = `d${attempt}`;
        // Kafka's HighAvailabilityTaskAssignor places stateless tasks round-robin over the clients
        // in process-id order, not sticky: a joiner moves the tasks of every client that sorts
        // after it. The frozen one is the client that sorts last (it runs 0_2) and the joiner is
        // given the largest process id, so the healthy ones keep tasks; should none stay anyway,
        // it leaves and another joins.
        const frozen = ['a', 'b', 'c'].find((id) => rebalances(id, 0).at(-1)?.assigned.includes('0_2'))!;
        const healthy = ['a', 'b', 'c'].filter((id) => id !== frozen);
        // The freeze starts once the fourth instance's code is loaded (it then connects and joins),
        // so its JoinGroup comes right after the freeze however long a worker takes to start.
        const frozenAt = await new Promise<number>((resolve) => {
          const off = supervisor.onEvent((e) => {
            if (e.type !== 'instance.state' || e.id !== joiner || e.to !== 'running') return;
            off();
            supervisor.freeze(frozen, FREEZE_SECONDS);
            resolve(Date.now());
          });
          lastProcessId(joiner);
          start(joiner);
        });
        await waitFor('four instances running in one generation', () => settledRebalances(['a', 'b', 'c', joiner], frozenAt) !== null, 60_000);
        const final = settledRebalances(['a', 'b', 'c', joiner], frozenAt)!;
        const stableAt = Math.max(...final.map((r) => r.at));
        await new Promise((r) => setTimeout(r, stableAt + SETTLED_MS + 500 - Date.now()));
        const kept = keptBy(healthy, frozenAt);
        if (kept.length === 0 && attempt < MAX_JOINERS) {
          const placement = ['a', 'b', 'c', joiner].map((id) => `${id} ${rebalances(id, frozenAt).at(-1)?.assigned.join(',')} (kept ${rebalances(id, frozenAt).map((r) => r.kept.join(',') || '-').join(' then ')})`);
          console.log(`${nodes} node(s), ${protocol}: no task stayed with a healthy member (${frozen} frozen; ${placement.join('; ')}); another joiner`);
          const leftAt = Date.now();
          await supervisor.stop(joiner, 10_000, 'no task stayed with a healthy member; another joiner', { leaveGroup: true });
          await waitFor('three instances running in one generation', () => settledRebalances(['a', 'b', 'c'], leftAt) !== null, 60_000);
          await new Promise((r) => setTimeout(r, BASELINE_MS));
          continue;
        }
        await load.stop();
        await supervisor.close();

        const joinedAt = events.find((e) => e.id === joiner && e.event.type === 'state' && e.event.to === 'REBALANCING')?.event.at ?? NaN;
        const timestamps = await outputTimestamps(output);
        const windowEnd = stableAt + SETTLED_MS;
        return {
          attempts: attempt,
          frozen,
          kept,
          gapByTask: new Map(kept.map((t) => [t, largestGap(timestamps.get(partitionOfTask(t)) ?? [], frozenAt, windowEnd)])),
          baselineGapMs: Math.max(...[...timestamps.values()].map((ts) => largestGap(ts, frozenAt - BASELINE_MS, frozenAt))),
          joinAfterMs: joinedAt - frozenAt,
          stableAfterMs: stableAt - frozenAt,
          tasksOfNewInstance: final[3]!.assigned,
        };
      }
    } finally {
      await load.stop().catch(() => undefined);
      await supervisor.close();
    }
  }

  it('cooperative: kept tasks write on (largest gap < 1 s); eager: every kept task waits for the frozen member (> 2.5 s)', async () => {
    const runs = new Map<Protocol, PauseRun>();
    for (const protocol of ['cooperative', 'eager'] as const) runs.set(protocol, await freezeOneAndJoinAFourth(protocol));
    for (const [protocol, r] of runs) {
      const gaps = [...r.gapByTask.values()];
      console.log(
        `${nodes} node(s), ${protocol}: ${r.frozen} frozen; kept by healthy members ${r.kept.join(',') || '(none)'}; largest output gap of kept tasks ` +
          `${Math.max(...gaps)} ms, p50 across their partitions ${median(gaps)} ms (per task ${JSON.stringify(Object.fromEntries(r.gapByTask))}); ` +
          `before the freeze ${r.baselineGapMs} ms; joiner ${r.attempts} joined ${r.joinAfterMs} ms after the freeze, group stable ${r.stableAfterMs} ms after the freeze starts; new instance runs ${r.tasksOfNewInstance.join(',')}`,
      );
    }
    for (const r of runs.values()) {
      expect(r.tasksOfNewInstance.length).toBeGreaterThan(0);
      expect(r.kept.length).toBeGreaterThan(0);
      expect(r.baselineGapMs).toBeLessThan(1000);
    }
    const cooperative = runs.get('cooperative')!;
    const eager = runs.get('eager')!;
    expect(Math.max(...cooperative.gapByTask.values())).toBeLessThan(1000);
    expect(Math.min(...eager.gapByTask.values())).toBeGreaterThan(2500);
  }, 200_000);
});
