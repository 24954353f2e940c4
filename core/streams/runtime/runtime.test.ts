// The runtime against the embedded broker: tasks through the group, outputs and changelogs
// under each guarantee, restore on another instance, and clear errors for bad setups.
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { waitFor } from '../../broker/testing/wait.js';
import { Serdes } from '../serdes.js';
import { StreamsBuilder } from '../topology/streams-builder.js';
import { KafkaStreams } from './kafka-streams.js';
import type { ProcessingGuarantee } from './config.js';
import type { StreamsEvent } from './telemetry.js';

interface Ledger {
  account: string;
  balance: number;
  partition: number;
  offset: number;
}

function ledgerTopology(input: string, output: string) {
  const b = new StreamsBuilder();
  b.stream(input, { key: Serdes.String(), value: Serdes.JSON<{ amount: number }>() })
    .groupByKey()
    .aggregate(() => 0, (_account, t, balance) => balance + (t?.amount ?? 0), 'balances', { value: Serdes.Int64() })
    .toStream()
    .mapValues((balance, account, ctx): Ledger => ({ account: account ?? '', balance: Number(balance), partition: ctx.partition, offset: ctx.offset }))
    .to(output, { value: Serdes.JSON<Ledger>() });
  return b.build();
}

describe('streams runtime on the embedded broker', () => {
  let b: RunningBroker;
  const apps: KafkaStreams[] = [];
  const kafka = () => new Kafka({ brokers: [b.bootstrap], clientId: 'test', logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close().catch(() => undefined)));
    await b?.close();
  });

  async function createTopic(topic: string, numPartitions: number): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions }] });
    await admin.disconnect();
  }

  async function produce(topic: string, records: { key: string; amount: number }[]): Promise<void> {
    const p = kafka().producer();
    await p.connect();
    await p.send({ topic, messages: records.map((r) => ({ key: r.key, value: JSON.stringify({ amount: r.amount }) })) });
    await p.disconnect();
  }

  /** Committed records of a topic (the streams apps here only write committed transactions). */
  async function readAll(topic: string, expected: number): Promise<Ledger[]> {
    const got: Ledger[] = [];
    const c = kafka().consumer({ groupId: `reader-${topic}-${Math.random()}` });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(JSON.parse(message.value!.toString()) as Ledger) });
    await waitFor(`${expected} records in ${topic} (have ${got.length})`, () => got.length >= expected, 45_000);
    await new Promise((r) => setTimeout(r, 500));
    await c.disconnect();
    return got;
  }

  function start(app: string, input: string, output: string, guarantee: ProcessingGuarantee, events?: StreamsEvent[], stateDir: string | null = null): KafkaStreams {
    const s = new KafkaStreams(ledgerTopology(input, output), {
      applicationId: app,
      stateDir,
      bootstrapServers: [b.bootstrap],
      processingGuarantee: guarantee,
      commitIntervalMs: 100,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    });
    if (events) s.onEvent((e) => events.push(e));
    apps.push(s);
    return s;
  }

  const transfers = (n: number, accounts: number) =>
    Array.from({ length: n }, (_, i) => ({ key: `acct-${i % accounts}`, amount: (i % 7) - 3 }));

  for (const guarantee of ['exactly_once_v2', 'at_least_once'] as const) {
    it(`${guarantee}: two instances split the tasks and every input yields one output`, async () => {
      const input = `in-${guarantee}`;
      const output = `out-${guarantee}`;
      await createTopic(input, 4);
      await createTopic(output, 4);
      const events: StreamsEvent[] = [];
      // Both instances' events: which of them ran the tasks while the records came in depends on
      // how far the cooperative hand-over had got.
      const a = start(`ledger-${guarantee}`, input, output, guarantee, events);
      const c = start(`ledger-${guarantee}`, input, output, guarantee, events);
      await Promise.all([a.start(), c.start()]);
      const records = transfers(400, 20);
      await produce(input, records);
      const out = await readAll(output, 400);
      expect(out).toHaveLength(400);
      expect(new Set(out.map((o) => `${o.partition}:${o.offset}`)).size).toBe(400);
      const final = new Map<string, Ledger>();
      for (const o of out) if ((final.get(o.account)?.offset ?? -1) < o.offset) final.set(o.account, o);
      const expected = new Map<string, number>();
      for (const r of records) expected.set(r.key, (expected.get(r.key) ?? 0) + r.amount);
      for (const [account, sum] of expected) expect(final.get(account)?.balance, account).toBe(sum);
      const tasks = [...a.tasks(), ...c.tasks()].map((t) => t.taskId).sort();
      expect(tasks).toEqual(['0_0', '0_1', '0_2', '0_3']);
      expect(events.some((e) => e.type === 'rebalance')).toBe(true);
      if (guarantee === 'exactly_once_v2') {
        const txn = events.filter((e): e is Extract<StreamsEvent, { type: 'txn' }> => e.type === 'txn' && e.phase === 'committed');
        expect(txn.length).toBeGreaterThan(0);
        // One transactional producer per stream thread (KIP-447): <app>-<process id>-<thread index>,
        // its producer id and epoch from the client itself; each transaction names its tasks and offsets.
        const ids = new Set(txn.map((t) => t.transactionalId));
        expect(ids.size).toBeLessThanOrEqual(2);
        for (const id of ids) expect(id).toMatch(/^ledger-exactly_once_v2-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-1$/);
        for (const t of txn) {
          expect(t.producerId).toBeGreaterThanOrEqual(0);
          expect(t.producerEpoch).toBeGreaterThanOrEqual(0);
          expect(t.tasks.length).toBeGreaterThan(0);
        }
        expect(txn.some((t) => t.tasks.length > 1 && (t.offsets?.length ?? 0) > 1), 'one transaction holds several tasks').toBe(true);
      }
      await Promise.all([a.close({ leaveGroup: true }), c.close({ leaveGroup: true })]);
      expect(a.state).toBe('NOT_RUNNING');
    });
  }

  it.each(['in-memory', 'persistent'] as const)('restores state from the changelog on another instance after a graceful stop (%s stores)', async (kind) => {
    const dirs = kind === 'persistent' ? [mkdtempSync(join(tmpdir(), 'restore-a-')), mkdtempSync(join(tmpdir(), 'restore-c-'))] : [null, null];
    onTestFinished(() => dirs.forEach((d) => d && rmSync(d, { recursive: true, force: true })));
    const app = `ledger-restore-${kind}`;
    await createTopic(`in-restore-${kind}`, 2);
    await createTopic(`out-restore-${kind}`, 2);
    const a = start(app, `in-restore-${kind}`, `out-restore-${kind}`, 'exactly_once_v2', undefined, dirs[0]);
    await a.start();
    await produce(`in-restore-${kind}`, transfers(300, 10));
    await readAll(`out-restore-${kind}`, 300);
    for (const t of a.tasks()) expect(a.store('balances', t.taskId)!.persistent).toBe(kind === 'persistent');
    const before = new Map<string, string>();
    for (const t of a.tasks()) for (const [k, v] of a.store('balances', t.taskId)!.all()) before.set(k.toString(), v.readBigInt64BE().toString());
    expect(before.size).toBe(10);
    await a.close({ leaveGroup: true });

    const events: StreamsEvent[] = [];
    const c = start(app, `in-restore-${kind}`, `out-restore-${kind}`, 'exactly_once_v2', events, dirs[1]);
    await c.start();
    await waitFor('both tasks running on the new instance', () => c.tasks().length === 2 && c.tasks().every((t) => t.phase === 'running'));
    const after = new Map<string, string>();
    for (const t of c.tasks()) for (const [k, v] of c.store('balances', t.taskId)!.all()) after.set(k.toString(), v.readBigInt64BE().toString());
    expect(after).toEqual(before);
    const restored = events.filter((e): e is Extract<StreamsEvent, { type: 'task' }> => e.type === 'task' && e.phase === 'restored');
    expect(restored.map((e) => e.restored).reduce((x, y) => (x ?? 0) + (y ?? 0), 0)).toBeGreaterThanOrEqual(10);
    await c.close();
  });

  it('refuses to start without its source topic and says which one', async () => {
    const s = start('ledger-missing', 'no-such-topic', 'out-missing', 'at_least_once');
    await expect(s.start()).rejects.toThrow(/source topic 'no-such-topic' does not exist/);
    expect(s.state).toBe('NOT_RUNNING');
  });

  it('refuses to start without its output topic and says which one', async () => {
    await createTopic('in-no-output', 1);
    const s = start('ledger-no-output', 'in-no-output', 'no-such-output', 'exactly_once_v2');
    await expect(s.start()).rejects.toThrow(/output topic 'no-such-output' does not exist/);
    expect(s.state).toBe('NOT_RUNNING');
  });
});
