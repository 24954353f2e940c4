import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker.js';
import { waitFor } from '../testing/wait.js';
import type { BrokerEvent } from '../events.js';

const WORKER = fileURLToPath(new URL('../testing/eos-worker.ts', import.meta.url));


describe('transactions with kafkajs', () => {
  let b: RunningBroker;
  const events: BrokerEvent[] = [];
  const children: ChildProcess[] = [];
  const kafka = (clientId: string) =>
    new Kafka({ brokers: [b.bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });

  /** Reads a whole topic as a read_committed consumer would, until `expect` records or a quiet second. */
  async function readCommitted(topic: string, expected: number, waitMs = 30_000): Promise<KafkaMessage[]> {
    const got: KafkaMessage[] = [];
    const c = kafka('reader').consumer({ groupId: `reader-${topic}-${Date.now()}`, readUncommitted: false });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(message) });
    await waitFor(`${expected} committed records in ${topic}`, () => got.length >= expected, waitMs);
    await new Promise((r) => setTimeout(r, 1000)); // anything beyond would be a duplicate
    await c.disconnect();
    return got;
  }

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    b.broker.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await b?.close();
  });

  it('fences the first producer when a second one initialises the same transactional id', async () => {
    const admin = kafka('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'fence-out', numPartitions: 1 }] });
    const p1 = kafka('p1').producer({ transactionalId: 'fence-id', idempotent: true, maxInFlightRequests: 1 });
    await p1.connect();
    const t1 = await p1.transaction();
    await t1.send({ topic: 'fence-out', messages: [{ value: 'zombie-1' }, { value: 'zombie-2' }] });

    const p2 = kafka('p2').producer({ transactionalId: 'fence-id', idempotent: true, maxInFlightRequests: 1 });
    await p2.connect();
    // kafkajs sends InitProducerId at the first transaction(): that bumps the epoch, aborting p1's open transaction.
    const t2 = await p2.transaction();

    await expect(t1.commit()).rejects.toThrow(/epoch|fenced/i);
    await t2.send({ topic: 'fence-out', messages: [{ value: 'new-1' }] });
    await t2.commit();

    const seen = await readCommitted('fence-out', 1);
    expect(seen.map((m) => m.value?.toString())).toEqual(['new-1']);
    const fenced = events.find((e) => e.type === 'txn.fenced' && e.transactionalId === 'fence-id');
    expect(fenced).toMatchObject({ reason: 'init-producer-id' });
    expect(events.some((e) => e.type === 'txn.aborted' && e.transactionalId === 'fence-id')).toBe(true);
    await p1.disconnect().catch(() => {});
    await p2.disconnect();
    await admin.disconnect();
  });

  it('gives exactly-once output to read_committed consumers when an instance is killed mid-transaction', { timeout: 180_000 }, async () => {
    const input = 'eos-in';
    const output = 'eos-out';
    const group = 'eos-app';
    const total = 400;
    const admin = kafka('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: input, numPartitions: 4 }, { topic: output, numPartitions: 4 }] });
    const logs: Record<string, string[]> = { a: [], b: [] };
    const startWorker = (name: 'a' | 'b') => {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, b.bootstrap, group, `eos-${name}`, input, output, '150'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout!.on('data', (d: Buffer) => logs[name]!.push(...d.toString().trim().split('\n')));
      children.push(child);
      return child;
    };
    const a = startWorker('a');
    const b2 = startWorker('b');
    // Input only once both are in the group: a worker that starts slowly (a loaded machine) would
    // otherwise join after the other had consumed everything, and never commit anything.
    const joinedBy = Date.now() + 60_000;
    for (;;) {
      const { groups } = await admin.describeGroups([group]);
      if (groups[0]?.state === 'Stable' && groups[0].members.length === 2) break;
      if (Date.now() > joinedBy) throw new Error(`timed out waiting for both workers in a stable group (${groups[0]?.state}, ${groups[0]?.members.length} members)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const producer = kafka('load').producer();
    await producer.connect();
    await producer.send({ topic: input, messages: Array.from({ length: total }, (_, i) => ({ key: `k${i % 37}`, value: `rec-${i}` })) });
    // Kill A while it holds an open transaction, after both have committed some work.
    await waitFor('both instances to commit work', () =>
      logs.a!.some((l) => l.startsWith('committed')) && logs.b!.some((l) => l.startsWith('committed')),
    60_000);
    await waitFor('A to have a transaction open', () => logs.a!.at(-1)?.startsWith('open') ?? false, 60_000);
    a.kill('SIGKILL');

    // B takes over A's partitions after the session timeout; A's open transaction is aborted by its timeout.
    // Session timeout (6 s) + A's transaction timeout (8 s) + the sweep: generous room for a loaded machine.
    const out = await readCommitted(output, total, 90_000);
    const sources = out.map((m) => m.headers?.src?.toString());
    const values = out.map((m) => m.value?.toString());
    expect(new Set(values).size).toBe(total); // nothing missing…
    expect(values).toHaveLength(total); // …and nothing twice
    expect(new Set(sources).size).toBe(total);
    expect(events.some((e) => e.type === 'txn.fenced' && e.transactionalId === 'eos-a' && e.reason === 'timeout')).toBe(true);
    const committed = await admin.fetchOffsets({ groupId: group, topics: [input] });
    const ends = await admin.fetchTopicOffsets(input);
    for (const p of committed[0]!.partitions) {
      expect(p.offset).toBe(ends.find((e) => e.partition === p.partition)!.high);
    }
    b2.kill('SIGKILL');
    await producer.disconnect();
    await admin.disconnect();
  });
});
