// Fault storms: bank-ledger instances in worker threads under load while instances are killed,
// frozen, stopped and started at random; then the load stops, a healthy group drains the input,
// and the verifier (its own read_committed reader) says what was delivered how often.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator } from '../apps/load-generator.js';
import { Verifier, type VerifierSnapshot } from '../apps/verifier.js';
import { StreamsEvent } from '../streams/index.js';
import type { ProcessingGuarantee } from '../streams/index.js';
import { Supervisor } from './supervisor.js';
import type { InstanceState } from './supervisor.js';

const SESSION_TIMEOUT_MS = 6000;
const STORM_MS = 60_000;
const PARTITIONS = 4;
const BANK = builtInApp('bank-ledger');

/** A seeded generator, so a failing storm can be replayed from the seed it prints. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// On one node and on three: with three, partition leaders and the group and transaction
// coordinators sit on different nodes, so every request of the runtime's client is routed.
describe.each([1, 3])('fault storms on bank-ledger, %i node(s)', (nodes) => {
  let b: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, nodes });
    kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'storm-test', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await b?.close();
  });

  async function createTopics(input: string, output: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: input, numPartitions: PARTITIONS }, { topic: output, numPartitions: PARTITIONS }] });
    await admin.disconnect();
  }

  interface StormResult {
    snapshot: VerifierSnapshot;
    actions: Record<string, number>;
    fenced: number;
    /** Tasks closed as migrated, by cause (generation: a commit the group coordinator refused; lost: the heartbeat found the member gone; epoch / timeout: the transaction coordinator). */
    migrations: Record<string, number>;
    /** Transactions the instances aborted. */
    aborted: number;
    telemetryInvalid: number;
    crashes: string[];
    /** What happened to each task, in order (instance, time, phase and details), to explain a failure. */
    timeline: string[];
  }

  async function storm(guarantee: ProcessingGuarantee, seed: number): Promise<StormResult> {
    const input = `transfers-${guarantee}`;
    const output = `ledger-${guarantee}`;
    await createTopics(input, output);
    const config = {
      applicationId: `bank-${guarantee}`,
      bootstrapServers: [b.bootstrap],
      processingGuarantee: guarantee,
      commitIntervalMs: 100,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
      app: { input, output },
    };
    const supervisor = new Supervisor({ resourceIntervalMs: 0 });
    const states = new Map<string, InstanceState>();
    const crashes: string[] = [];
    let fenced = 0;
    let aborted = 0;
    const migrations: Record<string, number> = {};
    let telemetryInvalid = 0;
    const started = Date.now();
    const timeline: string[] = [];
    supervisor.onEvent((e) => {
      const at = `+${((e.ts - started) / 1000).toFixed(2)}s ${e.id}`;
      if (e.type === 'instance.state') {
        states.set(e.id, e.to);
        timeline.push(`${at} instance ${e.to}`);
      }
      if (e.type === 'instance.error') crashes.push(`${e.id}: ${e.message}`);
      if (e.type !== 'instance.telemetry') return;
      const parsed = StreamsEvent.safeParse(e.event);
      if (!parsed.success) {
        telemetryInvalid++;
        return;
      }
      const d = parsed.data;
      if (d.type === 'task' && (d.role ?? 'active') === 'active' && d.phase !== 'restoring') {
        const details = [
          d.restoreSource ? `from ${d.restoreSource}` : '',
          d.checkpoint ? `checkpoint ${JSON.stringify(d.checkpoint.map((c) => c.offset))}` : '',
          d.restored !== undefined ? `restored ${d.restored}` : '',
          d.migration ? `(${d.migration})` : '',
          d.reason ? `: ${d.reason}` : '',
        ];
        timeline.push(`${at} task ${d.taskId} ${d.phase} ${details.filter((x) => x !== '').join(' ')}`);
      }
      if (d.type === 'txn' && (d.phase === 'aborted' || d.phase === 'fenced')) timeline.push(`${at} txn ${d.phase} tasks ${d.tasks.join(',')}${d.error ? `: ${d.error}` : ''}`);
      if ((d.type === 'txn' && d.phase === 'fenced') || (d.type === 'task' && d.phase === 'migrated')) {
        fenced++;
        if (d.type === 'task') migrations[d.migration ?? 'unknown'] = (migrations[d.migration ?? 'unknown'] ?? 0) + 1;
      } else if (d.type === 'txn' && d.phase === 'aborted') aborted++;
    });
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids.slice(0, 3)) supervisor.start(BANK.module, config, { id });
    const verifier = new Verifier({ kafka, app: 'bank-ledger', inputTopic: input, outputTopic: output });
    await verifier.start();
    const load = new LoadGenerator({ kafka, topic: input, ratePerSecond: 150, keys: 40, kind: 'transfers' });
    const actions: Record<string, number> = {};
    try {
      await waitFor('three instances running', () => ids.slice(0, 3).every((id) => states.get(id) === 'running'), 30_000);
      await load.start();
      const rnd = random(seed);
      const until = Date.now() + STORM_MS;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 1500 + rnd() * 3000));
        const live = ids.filter((id) => ['running', 'starting'].includes(states.get(id) ?? ''));
        const dead = ids.filter((id) => !['running', 'starting', 'stopping', 'frozen'].includes(states.get(id) ?? 'none'));
        const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
        const roll = rnd();
        if ((live.length <= 1 || roll < 0.25) && dead.length > 0) {
          const id = pick(dead);
          if (states.has(id)) supervisor.restart(id);
          else supervisor.start(BANK.module, config, { id });
          actions.start = (actions.start ?? 0) + 1;
        } else if (live.length > 1 && roll < 0.5) {
          await supervisor.kill(pick(live));
          actions.kill = (actions.kill ?? 0) + 1;
        } else if (live.length > 1 && roll < 0.75) {
          supervisor.freeze(pick(live), (SESSION_TIMEOUT_MS + 1000 + rnd() * 4000) / 1000);
          actions.freeze = (actions.freeze ?? 0) + 1;
        } else if (live.length > 1) {
          void supervisor.stop(pick(live), 10_000);
          actions.stop = (actions.stop ?? 0) + 1;
        }
      }
      await load.stop();
      // Drain with a healthy group: whatever is still up stays, the rest starts again.
      await waitFor('no instance frozen or stopping', () => ids.every((id) => !['frozen', 'stopping'].includes(states.get(id) ?? 'none')), 30_000);
      for (const id of ids.slice(0, 3)) if (states.get(id) !== 'running' && states.get(id) !== 'starting') supervisor.restart(id);
      const snapshot = await verifier.waitForDrain({ timeoutMs: 90_000, quietMs: 3000 });
      return { snapshot, actions, fenced, migrations, aborted, telemetryInvalid, crashes, timeline };
    } finally {
      await load.stop().catch(() => undefined);
      await verifier.stop();
      await Promise.all(ids.map((id) => (states.get(id) === 'running' ? supervisor.stop(id, 10_000) : Promise.resolve())));
      await supervisor.close();
    }
  }

  it('exactly_once_v2: 0 missing, 0 duplicated, money conserved', async () => {
    const seed = Number(process.env.STORM_SEED ?? Date.now() % 100_000);
    const r = await storm('exactly_once_v2', seed);
    console.log(`exactly_once_v2 storm, ${nodes} node(s) (seed ${seed}): actions ${JSON.stringify(r.actions)}, fenced/migrated events ${r.fenced} ${JSON.stringify(r.migrations)}, aborted transactions ${r.aborted}, verifier ${JSON.stringify(r.snapshot)}`);
    expect(r.telemetryInvalid).toBe(0);
    expect(r.snapshot.inputs).toBeGreaterThan(5000);
    expect(r.snapshot.pending).toBe(0);
    expect(r.snapshot.missing).toBe(0);
    expect(r.snapshot.duplicated).toBe(0);
    expect(r.snapshot.outOfOrder).toBe(0);
    expect(r.snapshot.unexpected).toBe(0);
    if (r.snapshot.money?.conserved === false) {
      // Where each broken account's ledger went wrong, and what its task went through.
      const tasks = new Set((r.snapshot.money.breaks ?? []).map((x) => `0_${x.source?.partition}`));
      console.log(`money not conserved; breaks ${JSON.stringify(r.snapshot.money.breaks)}\n${r.timeline.filter((l) => [...tasks].some((id) => l.includes(` task ${id} `)) || l.includes(' instance ') || l.includes(' txn ')).join('\n')}`);
    }
    expect(r.snapshot.money?.conserved).toBe(true);
    expect(Object.values(r.actions).reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(10);
  }, 240_000);

  it('at_least_once: 0 missing (duplicates counted)', async () => {
    const seed = Number(process.env.STORM_SEED ?? Date.now() % 100_000);
    const r = await storm('at_least_once', seed);
    console.log(`at_least_once storm, ${nodes} node(s) (seed ${seed}): actions ${JSON.stringify(r.actions)}, verifier ${JSON.stringify(r.snapshot)}`);
    expect(r.telemetryInvalid).toBe(0);
    expect(r.snapshot.inputs).toBeGreaterThan(5000);
    expect(r.snapshot.pending).toBe(0);
    expect(r.snapshot.missing).toBe(0);
    expect(r.snapshot.unexpected).toBe(0);
  }, 240_000);
});
