// Part 2b of the streams benchmark: failover of a stateful app (bank-ledger, exactly_once_v2) with
// three static members (group.instance.id = instance name), split into phases. Two groups, one
// without standby replicas and one with num.standby.replicas = 1; in each, after the changelog has
// grown under paced load:
//   kill     one instance is killed (no LeaveGroup); it comes back only after the measurement;
//   restart  one instance is killed and restarted at once, within the session timeout: as a static
//            member it should get its tasks back without a rebalance.
// Phases, per moved task, the latest over the victim's tasks (t0 = the kill):
//   detection    t0 → the broker's first group.member.left or group.rebalance.started for the group
//                (broker events; none is expected for restart)
//   rebalance    → the new owner's `rebalance` telemetry assigning the task
//   restore      → its `task` 'restored' event (records restored, source from 'created'/'restoring')
//   first commit → the new owner's first `commit` event covering the task's input partition
import type { Kafka } from 'kafkajs';
import { builtInApp } from '../core/apps/instances/catalog.js';
import type { BrokerEvent } from '../core/broker/events.js';
import { createTopics } from './streams-common.js';
import { SupervisedGroup, tearDown, type Seen } from './streams-group.js';
import { OutputWatch, PacedLoad } from './streams-load.js';
import { sleep } from './util.js';

const PARTITIONS = 6;
const INSTANCES = ['a', 'b', 'c'] as const;
export const PHASE_CASES = ['kill', 'restart'] as const;
export type PhaseCase = (typeof PHASE_CASES)[number];

export interface PhaseResult {
  standbys: number;
  fault: PhaseCase;
  victim: string;
  tasks: string[];
  /** the phases' ends, ms after t0 (NaN: never seen) */
  detectedMs: number;
  assignedMs: number;
  restoredMs: number;
  committedMs: number;
  /** records restored over the moved tasks, and where from */
  restored: number;
  sources: string;
  /** group.rebalance.started the broker reported for the group, t0 → end of the measurement */
  brokerRebalances: number;
  /** restart: the victim runs the same active tasks as before the kill */
  sameTasks: boolean | null;
  note: string;
}

export interface PhasesOptions {
  bootstrap: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  ratePerSec: number;
  /** paced load before the first fault, so changelogs hold something to restore */
  fillMs: number;
  /** the broker's events since the previous call (bench/broker-child.ts "events") */
  brokerEvents: () => Promise<BrokerEvent[]>;
  log: (line: string) => void;
}

const partitionOfTask = (taskId: string): number => Number(taskId.split('_')[1]);

/** One group (with `standbys` standby replicas): kill, recover, then restart of a static member. */
export async function failoverPhasesBlock(kafka: Kafka, standbys: number, opts: PhasesOptions): Promise<{ results: PhaseResult[]; notes: string[] }> {
  const { log } = opts;
  const tag = `standby${standbys}`;
  const input = `bench-phases-in-${tag}`;
  const output = `bench-phases-out-${tag}`;
  const applicationId = `bench-phases-${tag}`;
  const notes: string[] = [];
  const results: PhaseResult[] = [];
  await createTopics(kafka, [input, output], PARTITIONS);
  const group = new SupervisedGroup(builtInApp('bank-ledger').module, PARTITIONS);
  const watch = new OutputWatch(kafka, `bench-phases-watch-${tag}`, output, PARTITIONS);
  const load = new PacedLoad(kafka, input, PARTITIONS, opts.ratePerSec, 'transfer');
  const configOf = (id: string) => ({
    applicationId,
    bootstrapServers: [opts.bootstrap],
    processingGuarantee: 'exactly_once_v2',
    commitIntervalMs: 100,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    groupInstanceId: id,
    numStandbyReplicas: standbys,
    // A demo timing: warm-ups placed after the recovery move within seconds, not 10 minutes.
    probingRebalanceIntervalMs: 10_000,
    app: { input, output },
  });
  const settle = async (what: string): Promise<boolean> => {
    const t = Date.now();
    const why = await group.settle(INSTANCES, watch, 90_000);
    if (why === null) {
      log(`  settled (${what}) in ${((Date.now() - t) / 1000).toFixed(1)} s: ${group.describeOwners(INSTANCES)}`);
      return true;
    }
    notes.push(`${tag}: did not settle after ${what} within 90 s (${why})`);
    log(`  NOT settled (${what}): ${why}`);
    return false;
  };

  try {
    await watch.start();
    await load.start();
    for (const id of INSTANCES) group.start(id, configOf(id));
    if (!(await settle('start'))) return { results, notes };
    await sleep(opts.fillMs);
    log(`  ${load.acked} transfers written before the first fault`);

    for (const [i, fault] of PHASE_CASES.entries()) {
      const victim = INSTANCES[(2 + i) % 3]!;
      const tasks = [...group.ownersOf(victim)].sort();
      await opts.brokerEvents(); // drop what came before t0
      group.phase = `${fault} ${victim}`;
      const from = group.events.length;
      const t0 = Date.now();
      await group.supervisor.kill(victim);
      if (fault === 'restart') group.supervisor.restart(victim);
      const owner = fault === 'restart' ? { id: victim } : { not: victim };

      const broker: BrokerEvent[] = [];
      const deadline = t0 + opts.sessionTimeoutMs + 60_000;
      let p = measure(group.since(from, owner), tasks, input);
      while (p.some((x) => x.committed === null) && Date.now() < deadline) {
        await sleep(100);
        broker.push(...(await opts.brokerEvents()));
        p = measure(group.since(from, owner), tasks, input);
      }
      // A rebalance the restart causes may come just after the victim's first commit.
      await sleep(2000);
      broker.push(...(await opts.brokerEvents()));
      const mine = broker.filter((e) => 'groupId' in e && e.groupId === applicationId && e.at >= t0);
      // A restarted static member replaces (fences) its old member id: that is not a detection.
      const detected = fault === 'kill' ? mine.find((e) => e.type === 'group.member.left' || e.type === 'group.rebalance.started') : undefined;
      const replaced = mine.find((e) => e.type === 'group.member.left' && e.reason === 'fenced');
      const latest = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? Math.max(...(xs as number[])) - t0 : NaN);
      const done = p.every((x) => x.committed !== null);
      const result: PhaseResult = {
        standbys,
        fault,
        victim,
        tasks,
        detectedMs: detected === undefined ? NaN : detected.at - t0,
        assignedMs: latest(p.map((x) => x.assigned)),
        restoredMs: latest(p.map((x) => x.restored)),
        committedMs: latest(p.map((x) => x.committed)),
        restored: p.reduce((s, x) => s + (x.records ?? 0), 0),
        sources: [...new Set(p.map((x) => x.source ?? '?'))].join('+'),
        brokerRebalances: mine.filter((e) => e.type === 'group.rebalance.started').length,
        sameTasks: fault === 'restart' ? [...group.ownersOf(victim)].sort().join() === tasks.join() : null,
        note: [
          done ? '' : `not complete after ${((deadline - t0) / 1000).toFixed(0)} s (${p.filter((x) => x.committed === null).map((x) => x.task).join(',')} without a commit)`,
          detected ? `detected by ${detected.type}${detected.type === 'group.member.left' ? ` (${detected.reason})` : ''}` : '',
          fault === 'restart' && replaced ? `old member id replaced (fenced) by the broker at ${((replaced.at - t0) / 1000).toFixed(2)} s` : '',
        ]
          .filter(Boolean)
          .join('; '),
      };
      results.push(result);
      const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
      log(
        `  ${fault} ${victim} (tasks ${tasks.join(',')}): detected ${s(result.detectedMs)}, assigned ${s(result.assignedMs)}, restored ${s(result.restoredMs)} ` +
          `(${result.restored} records from ${result.sources}), first commit ${s(result.committedMs)}; broker rebalances ${result.brokerRebalances}`,
      );

      group.phase = `recovery after ${fault} ${victim}`;
      if (fault === 'kill') group.supervisor.restart(victim);
      if (!(await settle(`${fault} of ${victim}`))) break;
    }
  } finally {
    notes.push(...(await tearDown(kafka, tag, { group, load, watch, topics: [input, output, `${applicationId}-balances-changelog`] })));
  }
  return { results, notes };
}

interface TaskPhases {
  task: string;
  assigned: number | null;
  restored: number | null;
  records: number | null;
  source: string | null;
  committed: number | null;
}

/** The phase ends of each moved task, from the new owner's telemetry since t0. */
function measure(seen: readonly Seen[], tasks: readonly string[], input: string): TaskPhases[] {
  return tasks.map((task) => {
    const out: TaskPhases = { task, assigned: null, restored: null, records: null, source: null, committed: null };
    for (const { event: e } of seen) {
      if (e.type === 'rebalance' && out.assigned === null && e.assigned.includes(task)) out.assigned = e.at;
      else if (e.type === 'task' && e.taskId === task && (e.role ?? 'active') === 'active') {
        if (e.restoreSource !== undefined && out.source === null) out.source = e.restoreSource;
        if (e.phase === 'restored' && out.restored === null) {
          out.restored = e.at;
          out.records = e.restored ?? 0;
        }
      } else if (e.type === 'commit' && out.restored !== null && out.committed === null) {
        if (e.offsets.some((o) => o.topic === input && o.partition === partitionOfTask(task))) out.committed = e.at;
      }
    }
    return out;
  });
}
