// Part 2 of the streams benchmark: failover of the passthrough app (exactly_once_v2) with three
// instances in worker threads under the Supervisor, input paced at a steady rate. One instance
// that owns tasks is stopped, killed or frozen at t0; the failover time is until every task it
// owned is running on another instance (a `task` telemetry event, phase 'running') and that
// task's partition has new output after that moment (a read_uncommitted consumer on the output
// topic timestamps arrivals per partition; passthrough keeps the key, so an input partition's
// records land in the same output partition).
import type { Kafka } from 'kafkajs';
import { builtInApp } from '../core/apps/instances/catalog.js';
import type { InstanceState } from '../core/supervisor/supervisor.js';
import { createTopics } from './streams-common.js';
import { SupervisedGroup, tearDown } from './streams-group.js';
import { OutputWatch, PacedLoad } from './streams-load.js';
import { sleep } from './util.js';

export const PARTITIONS = 6;
export const FAULTS = ['stop', 'kill', 'freeze'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FailoverResult {
  sessionTimeoutMs: number;
  fault: Fault;
  victim: string;
  tasks: string[];
  /** t0 → every moved task running elsewhere with new output on its partition; NaN if it never came */
  ms: number;
  /** t0 → the last moved task created on its new owner (the rebalance reached it) */
  createdMs: number;
  /** t0 → the last moved task running on its new owner */
  runningMs: number;
  /** t0 → the survivors' `rebalance` telemetry listing the last moved task (stamped when published) */
  rebalanceEventMs: number;
  /** longest output gap on the partitions that did not move, over the same window */
  othersGapMs: number;
  note: string;
}

export interface FailoverOptions {
  bootstrap: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  ratePerSec: number;
  log: (line: string) => void;
}

const INSTANCES = ['a', 'b', 'c'] as const;

const partitionOfTask = (taskId: string): number => Number(taskId.split('_')[1]);

/** One session timeout: three instances, then stop, kill and freeze one in turn. */
export async function failoverBlock(kafka: Kafka, opts: FailoverOptions): Promise<{ results: FailoverResult[]; notes: string[] }> {
  const { sessionTimeoutMs: session, log } = opts;
  const tag = `s${session}`;
  const input = `bench-failover-in-${tag}`;
  const output = `bench-failover-out-${tag}`;
  const notes: string[] = [];
  const results: FailoverResult[] = [];
  await createTopics(kafka, [input, output], PARTITIONS);

  const group = new SupervisedGroup(builtInApp('passthrough').module, PARTITIONS);
  const config = {
    applicationId: `bench-failover-${tag}`,
    bootstrapServers: [opts.bootstrap],
    processingGuarantee: 'exactly_once_v2',
    commitIntervalMs: 100,
    sessionTimeoutMs: session,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    app: { input, output },
  };
  const watch = new OutputWatch(kafka, `bench-failover-watch-${tag}`, output, PARTITIONS);
  const load = new PacedLoad(kafka, input, PARTITIONS, opts.ratePerSec);
  const { events, supervisor } = group;
  const settle = async (what: string): Promise<boolean> => {
    const t = Date.now();
    const why = await group.settle(INSTANCES, watch);
    if (why === null) {
      log(`  settled (${what}) in ${((Date.now() - t) / 1000).toFixed(1)} s: ${group.describeOwners(INSTANCES)}`);
      return true;
    }
    notes.push(`session ${session}: did not settle after ${what} within 60 s (${why})`);
    log(`  NOT settled (${what}): ${why}`);
    return false;
  };

  try {
    await watch.start();
    await load.start();
    for (const id of INSTANCES) group.start(id, config);
    if (!(await settle('start'))) return { results, notes };

    for (const [i, fault] of FAULTS.entries()) {
      const order = [...INSTANCES.slice(i % 3), ...INSTANCES.slice(0, i % 3)];
      const victim = order.find((id) => group.ownersOf(id).size > 0)!;
      const tasks = [...group.ownersOf(victim)].sort();
      const from = events.length;
      group.phase = `${fault} ${victim}`;
      const t0 = Date.now();
      let stopped: Promise<InstanceState> | null = null;
      const freezeSec = session / 1000 + 5;
      // As the console's Stop: leave the group (the runtime, like Kafka Streams, remains by default).
      if (fault === 'stop') stopped = supervisor.stop(victim, 15_000, 'bench stop', { leaveGroup: true });
      else if (fault === 'kill') await supervisor.kill(victim);
      else supervisor.freeze(victim, freezeSec);

      const firstEvent = (taskId: string, phase: 'created' | 'running'): number | null => {
        for (let k = from; k < events.length; k++) {
          const { id, event } = events[k]!;
          if (id !== victim && event.type === 'task' && event.taskId === taskId && event.phase === phase) return event.at;
        }
        return null;
      };
      const progress = () =>
        tasks.map((t) => {
          const running = firstEvent(t, 'running');
          return { created: firstEvent(t, 'created'), running, output: running === null ? null : watch.firstAtOrAfter(partitionOfTask(t), running) };
        });
      const deadline = t0 + session + 30_000;
      let p = progress();
      while (p.some((x) => x.output === null) && Date.now() < deadline) {
        await sleep(50);
        p = progress();
      }
      const done = p.every((x) => x.output !== null);
      const end = done ? Math.max(...p.map((x) => x.output!)) : Date.now();
      const latest = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? Math.max(...(xs as number[])) - t0 : NaN);
      const moved = new Set(tasks.map(partitionOfTask));
      const others = Array.from({ length: PARTITIONS }, (_, q) => q).filter((q) => !moved.has(q));
      // Cross-check with the rebalance events: the survivors' assignments must cover the moved tasks.
      const reassigned = new Map<string, number>();
      for (let k = from; k < events.length; k++) {
        const { id, event } = events[k]!;
        if (id !== victim && event.type === 'rebalance') for (const t of event.assigned) if (!reassigned.has(t)) reassigned.set(t, event.at);
      }
      const notInRebalance = tasks.filter((t) => !reassigned.has(t));
      const result: FailoverResult = {
        sessionTimeoutMs: session,
        fault,
        victim,
        tasks,
        ms: done ? end - t0 : NaN,
        createdMs: latest(p.map((x) => x.created)),
        runningMs: latest(p.map((x) => x.running)),
        rebalanceEventMs: latest(tasks.map((t) => reassigned.get(t) ?? null)),
        othersGapMs: Math.max(0, ...others.map((q) => watch.maxGap(q, t0, end))),
        note: [
          done ? '' : `not complete after ${((deadline - t0) / 1000).toFixed(0)} s`,
          notInRebalance.length > 0 ? `no survivor rebalance event listed ${notInRebalance.join(',')} (yet)` : '',
        ]
          .filter(Boolean)
          .join('; '),
      };
      results.push(result);
      log(
        `  ${fault} ${victim} (tasks ${tasks.join(',')}): failover ${done ? `${(result.ms / 1000).toFixed(2)} s` : 'NOT complete'} ` +
          `(created ${(result.createdMs / 1000).toFixed(2)} s, running ${(result.runningMs / 1000).toFixed(2)} s), longest gap elsewhere ${(result.othersGapMs / 1000).toFixed(2)} s`,
      );

      group.phase = `recovery after ${fault} ${victim}`;
      // Recover: the victim comes back (a frozen one thaws by itself) and the group settles.
      if (fault === 'stop') {
        const final = await stopped!;
        if (final !== 'stopped') notes.push(`session ${session}: graceful stop of ${victim} ended as '${final}'`);
        supervisor.restart(victim);
      } else if (fault === 'kill') {
        supervisor.restart(victim);
      } else {
        const thaw = t0 + freezeSec * 1000;
        while (Date.now() < thaw + 500) await sleep(200);
      }
      if (!(await settle(`${fault} of ${victim}`))) break;
    }
  } finally {
    notes.push(...(await tearDown(kafka, `session ${session}`, { group, load, watch, topics: [input, output] })));
  }
  return { results, notes };
}
