// Part 2 of the streams benchmark: failover of the passthrough app (exactly_once) with three
// instances in worker threads under the Supervisor, input paced at a steady rate. One instance
// that owns tasks is stopped, killed or frozen at t0; the failover time is until every task it
// owned is running on another instance (a `task` telemetry event, phase 'running') and that
// task's partition has new output after that moment (a read_uncommitted consumer on the output
// topic timestamps arrivals per partition; passthrough keeps the key, so an input partition's
// records land in the same output partition).
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { builtInApp } from '../core/apps/instances/catalog.js';
import { StreamsEvent } from '../core/streams/index.js';
import { Supervisor, type InstanceState } from '../core/supervisor/supervisor.js';
import { createTopics, deleteTopics, partitionOfKey } from './streams-common.js';
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
const SETTLE_QUIET_MS = 3000;
const SETTLE_TIMEOUT_MS = 60_000;

const partitionOfTask = (taskId: string): number => Number(taskId.split('_')[1]);

/** Keys grouped so that consecutive keys cover every partition: p0, p1, … p5, p0, … */
function spreadKeys(perPartition: number): { key: string; partition: number }[] {
  const byPartition: string[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; byPartition.some((ks) => ks.length < perPartition); i++) {
    const key = `key-${i}`;
    const list = byPartition[partitionOfKey(key, PARTITIONS)]!;
    if (list.length < perPartition) list.push(key);
  }
  const out: { key: string; partition: number }[] = [];
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < PARTITIONS; p++) out.push({ key: byPartition[p]![i]!, partition: p });
  return out;
}

/** A paced producer: `rate` records/s (open loop, catches up after a slow send), all partitions. */
class PacedLoad {
  sent = 0;
  acked = 0;
  failed = 0;
  readonly #producer: Producer;
  readonly #keys = spreadKeys(10);
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly rate: number,
  ) {
    this.#producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async start(): Promise<void> {
    await this.#producer.connect();
    const t0 = Date.now();
    this.#timer = setInterval(() => {
      if (this.#inFlight >= 4) return;
      const due = Math.min(Math.floor(((Date.now() - t0) / 1000) * this.rate) - this.sent, this.rate);
      if (due <= 0) return;
      const messages = [];
      for (let i = 0; i < due; i++) {
        const { key, partition } = this.#keys[(this.sent + i) % this.#keys.length]!;
        messages.push({ key, partition, value: `seq ${this.sent + i} at ${Date.now()} `.padEnd(100, '.') });
      }
      this.sent += due;
      this.#inFlight++;
      this.#producer
        .send({ topic: this.topic, messages, acks: -1 })
        .then(
          () => (this.acked += messages.length),
          () => (this.failed += messages.length),
        )
        .finally(() => this.#inFlight--);
    }, 20);
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#producer.disconnect().catch(() => undefined);
  }
}

/** Timestamps (Date.now()) of output batches per partition, from a read_uncommitted consumer. */
class OutputWatch {
  readonly arrivals: number[][] = Array.from({ length: PARTITIONS }, () => []);
  records = 0;
  /** records whose key maps to another partition than the one they arrived on */
  misplaced = 0;
  readonly #consumer: Consumer;

  constructor(
    kafka: Kafka,
    groupId: string,
    private readonly topic: string,
  ) {
    this.#consumer = kafka.consumer({ groupId, readUncommitted: true, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => this.#consumer.on(this.#consumer.events.GROUP_JOIN, () => resolve()));
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.#consumer.run({
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        this.arrivals[batch.partition]!.push(Date.now());
        this.records += batch.messages.length;
        const key = batch.messages[0]!.key?.toString() ?? '';
        if (partitionOfKey(key, PARTITIONS) !== batch.partition) this.misplaced++;
      },
    });
    await joined;
  }

  last(p: number): number {
    const a = this.arrivals[p]!;
    return a[a.length - 1] ?? 0;
  }

  firstAtOrAfter(p: number, t: number): number | null {
    const a = this.arrivals[p]!;
    for (let i = a.length - 1; i >= 0; i--) if (a[i]! < t) return a[i + 1] ?? null;
    return a[0] ?? null;
  }

  /** Longest gap between arrivals on partition p within [from, to], counting the window's edges. */
  maxGap(p: number, from: number, to: number): number {
    const points = [from, ...this.arrivals[p]!.filter((t) => t > from && t < to), to];
    let gap = 0;
    for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
    return gap;
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect().catch(() => undefined);
  }
}

interface Seen {
  id: string;
  event: StreamsEvent;
}

/** One session timeout: three instances, then stop, kill and freeze one in turn. */
export async function failoverBlock(kafka: Kafka, opts: FailoverOptions): Promise<{ results: FailoverResult[]; notes: string[] }> {
  const { sessionTimeoutMs: session, log } = opts;
  const tag = `s${session}`;
  const input = `bench-failover-in-${tag}`;
  const output = `bench-failover-out-${tag}`;
  const notes: string[] = [];
  const results: FailoverResult[] = [];
  await createTopics(kafka, [input, output], PARTITIONS);

  const supervisor = new Supervisor({ resourceIntervalMs: 0 });
  const states = new Map<string, InstanceState>();
  const events: Seen[] = [];
  const owners = new Map<string, Set<string>>(INSTANCES.map((id) => [id, new Set<string>()]));
  let lastChange = Date.now();
  let invalid = 0;
  /** what went on when something looked wrong: start, the fault, or the recovery after it */
  let phase = 'start';
  const problems = new Map<string, number>();
  const problem = (what: string, withPhase = true) => {
    const key = withPhase ? `[${phase}] ${what}` : what;
    problems.set(key, (problems.get(key) ?? 0) + 1);
  };
  supervisor.onEvent((e) => {
    if (e.type === 'instance.state') {
      states.set(e.id, e.to);
      if (e.to === 'stopped' || e.to === 'killed' || e.to === 'crashed') owners.get(e.id)?.clear();
      if (e.to === 'crashed') problem(`instance ${e.id} crashed: ${e.reason.slice(0, 160)}`);
    } else if (e.type === 'instance.error') {
      problem(`instance.error (${e.source}): ${e.message.slice(0, 160)}`);
    } else if (e.type === 'instance.telemetry') {
      const parsed = StreamsEvent.safeParse(e.event);
      if (!parsed.success) {
        invalid++;
        return;
      }
      const ev = parsed.data;
      events.push({ id: e.id, event: ev });
      if (ev.type === 'task') {
        lastChange = Date.now();
        if (ev.phase === 'running') owners.get(e.id)?.add(ev.taskId);
        if (ev.phase === 'closed' || ev.phase === 'migrated') owners.get(e.id)?.delete(ev.taskId);
        if (ev.phase === 'migrated') problem(`task migrated on ${e.id}: ${(ev.reason ?? '').replace(/\d+/g, 'N').slice(0, 100)}`);
      } else if (ev.type === 'txn' && (ev.phase === 'fenced' || ev.phase === 'aborted')) {
        problem(`txn ${ev.phase} on ${e.id}`);
      } else if (ev.type === 'rebalance') {
        lastChange = Date.now();
      } else if (ev.type === 'error') {
        problem(`error event on ${e.id}${ev.fatal ? ' (fatal)' : ''}: ${ev.message.replace(/\d+/g, 'N').slice(0, 160)}`);
      } else if (ev.type === 'log') {
        // kafkajs's rejoin chatter comes with every rebalance: counted over the block, not per phase.
        problem(`kafkajs ${ev.level} (log event): ${ev.message.replace(/\d+/g, 'N').slice(0, 160)}`, false);
      }
    }
  });

  const config = {
    applicationId: `bench-failover-${tag}`,
    bootstrapServers: [opts.bootstrap],
    processingGuarantee: 'exactly_once',
    commitIntervalMs: 100,
    sessionTimeoutMs: session,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    app: { input, output },
  };
  const module = builtInApp('passthrough').module;
  const watch = new OutputWatch(kafka, `bench-failover-watch-${tag}`, output);
  const load = new PacedLoad(kafka, input, opts.ratePerSec);

  const live = (id: string) => states.get(id) === 'running';
  /** Every task on exactly one running instance, every instance with a task, quiet, output flowing. */
  const settledNow = (): string | null => {
    if (!INSTANCES.every(live)) return `instances ${INSTANCES.map((id) => `${id}=${states.get(id)}`).join(' ')}`;
    const count = new Map<string, number>();
    for (const id of INSTANCES) for (const t of owners.get(id)!) count.set(t, (count.get(t) ?? 0) + 1);
    if (count.size !== PARTITIONS || [...count.values()].some((c) => c !== 1)) return `tasks ${JSON.stringify(Object.fromEntries(count))}`;
    if (INSTANCES.some((id) => owners.get(id)!.size === 0)) return 'an instance holds no task';
    if (Date.now() - lastChange < SETTLE_QUIET_MS) return 'task events in the last 3 s';
    const now = Date.now();
    const dry = Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => now - watch.last(p) > 1500);
    if (dry.length > 0) return `no output for 1.5 s on partitions ${dry.join(',')}`;
    return null;
  };
  const settle = async (what: string): Promise<boolean> => {
    const t = Date.now();
    let why: string | null = 'not checked';
    while (Date.now() - t < SETTLE_TIMEOUT_MS) {
      for (const id of INSTANCES) if (states.get(id) === 'crashed') supervisor.restart(id);
      why = settledNow();
      if (why === null) {
        log(`  settled (${what}) in ${((Date.now() - t) / 1000).toFixed(1)} s: ${INSTANCES.map((id) => `${id}=[${[...owners.get(id)!].sort().join(',')}]`).join(' ')}`);
        return true;
      }
      await sleep(200);
    }
    notes.push(`session ${session}: did not settle after ${what} within ${SETTLE_TIMEOUT_MS / 1000} s (${why})`);
    log(`  NOT settled (${what}): ${why}`);
    return false;
  };

  try {
    await watch.start();
    await load.start();
    for (const id of INSTANCES) supervisor.start(module, config, { id });
    if (!(await settle('start'))) return { results, notes };

    for (const [i, fault] of FAULTS.entries()) {
      const order = [...INSTANCES.slice(i % 3), ...INSTANCES.slice(0, i % 3)];
      const victim = order.find((id) => owners.get(id)!.size > 0)!;
      const tasks = [...owners.get(victim)!].sort();
      const from = events.length;
      phase = `${fault} ${victim}`;
      const t0 = Date.now();
      let stopped: Promise<InstanceState> | null = null;
      const freezeSec = session / 1000 + 5;
      if (fault === 'stop') stopped = supervisor.stop(victim, 15_000);
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

      phase = `recovery after ${fault} ${victim}`;
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
    phase = 'shutdown';
    await load.stop();
    await Promise.all(INSTANCES.map((id) => (states.get(id) === 'running' || states.get(id) === 'frozen' ? supervisor.stop(id, 10_000) : Promise.resolve(states.get(id)))));
    await supervisor.close();
    await watch.stop();
    await deleteTopics(kafka, [input, output]);
    if (invalid > 0) notes.push(`session ${session}: ${invalid} telemetry events failed StreamsEvent validation`);
    if (watch.misplaced > 0) notes.push(`session ${session}: ${watch.misplaced} output batches on a partition their key does not map to`);
    if (load.failed > 0) notes.push(`session ${session}: ${load.failed} of ${load.sent} input records failed to send`);
    notes.push(`session ${session}: input ${load.acked} records acked (${opts.ratePerSec}/s), output consumer saw ${watch.records} (read_uncommitted: aborted ones included)`);
    for (const [what, n] of problems) notes.push(`session ${session}: ${n}× ${what}`);
  }
  return { results, notes };
}
