// Interactive queries: where a key lives (Kafka's murmur2 placement among the store's source
// partitions), and apps.queryKey / apps.browseStore against bank-ledger on the embedded cluster —
// the owner answers, a standby answers while the owner is frozen (stale, with its lag), and the
// new owner answers the same after the old one stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../broker/testing/wait.js';
import { bankLedgerTopology, BALANCES_STORE } from '../apps/bank-ledger.js';
import { wordCountTopology } from '../apps/word-count.js';
import { toPositive } from '../client/producer/partitioner.js';
import type { CommandResult, InstanceInfo } from './api.js';
import { locateKey } from './services/queries.js';
import { Session } from './session.js';
import { commandFailure as failure } from './testing/command-failure.js';


describe('locateKey', () => {
  const ledger = bankLedgerTopology({ applicationId: 'iq' });

  it("places a key as Kafka's partitioner does: toPositive(murmur2(serialized key)) % partitions", () => {
    // murmur2('foobar') = -790332482 in Kafka's UtilsTest.
    for (const n of [1, 4, 6, 7]) {
      const at = locateKey(ledger, BALANCES_STORE, 'foobar', n);
      expect(at.partition).toBe(toPositive(-790332482) % n);
      expect(at.taskId).toBe(`0_${at.partition}`);
      expect(at.keyBytes.toString('utf8')).toBe('foobar');
    }
    // The same place a Java-compatible producer (kafkajs's DefaultPartitioner) sends the key to.
    const producer = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    for (let i = 0; i < 100; i++) {
      const key = `acct-${i}`;
      expect(locateKey(ledger, BALANCES_STORE, key, 6).partition).toBe(producer({ topic: 'transfers', partitionMetadata, message: { key, value: null } }));
    }
  });

  it('names the task of the sub-topology that holds the store, and refuses unknown stores', () => {
    const words = wordCountTopology({ applicationId: 'wc' });
    const counts = words.stores()[0]!.name;
    const sub = words.subtopologies.find((s) => s.stores.includes(counts))!.id;
    expect(sub).toBe(1); // behind the repartition topic
    expect(locateKey(words, counts, 'hello', 3).taskId).toBe(`1_${locateKey(words, counts, 'hello', 3).partition}`);
    expect(() => locateKey(ledger, 'nope', 'k', 3)).toThrow(/has no store 'nope' \(stores: balances\)/);
  });
});

describe('apps.queryKey and apps.browseStore on the embedded cluster', () => {
  let stateDir: string;
  let session: Session;
  let kafka: Kafka;
  const APP = 'iq-ledger';

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'streamwatch-queries-'));
    session = new Session({ stateDir, embeddedInMemory: true, resourceIntervalMs: 0, monitorFactory: null });
  });

  afterAll(async () => {
    await session?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  type Query = CommandResult<'apps.queryKey'>;
  const tasksOf = async (id: string): Promise<string[]> => (await session.command('instances.list', {})).instances.find((i: InstanceInfo) => i.id === id)?.tasks ?? [];
  /** Polls the query until `ok` holds of its answer (failures count as not yet). */
  async function queryUntil(key: string, ok: (r: Query) => boolean, what: string, ms = 30_000): Promise<Query> {
    let last: Query | string = 'nothing yet';
    const end = Date.now() + ms;
    while (Date.now() < end) {
      try {
        last = await session.command('apps.queryKey', { applicationId: APP, store: BALANCES_STORE, key });
        if (ok(last)) return last;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}; last answer: ${JSON.stringify(last)}`);
  }

  it('reads balances from the owner, from a standby while the owner is frozen, and from the new owner after a stop', async () => {
    const { bootstrap } = await session.command('cluster.useEmbedded', {});
    expect((await failure(session.handle('apps.queryKey', { applicationId: APP, store: BALANCES_STORE, key: 'a' }))).code).toBe('not_found');

    const { ids } = await session.command('instances.start', { app: 'bank-ledger', applicationId: APP, count: 2, partitions: 4, numStandbyReplicas: 1 });
    let instances: InstanceInfo[] = [];
    session.onEvent((e) => {
      if (e.type === 'instance.state') instances = [...instances.filter((i) => i.id !== e.instance.id), e.instance];
    });
    await waitFor('both instances running with the four tasks', () => instances.length === 2 && instances.every((i) => i.streamsState === 'RUNNING') && instances.flatMap((i) => i.tasks).length === 4, 60_000);
    expect(instances.flatMap((i) => i.tasks).sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);

    // Transfers, one send per account so the producer reports the partition it chose.
    kafka = new Kafka({ brokers: [bootstrap], clientId: 'iq-test', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const expected = new Map<string, number>();
    const sentTo = new Map<string, number>();
    for (let a = 0; a < 12; a++) {
      const account = `acct-${a}`;
      const amounts = Array.from({ length: 3 + (a % 4) }, (_, i) => (a + 1) * 10 - i * 7);
      const [meta] = await producer.send({
        topic: 'transfers',
        messages: amounts.map((amount, seq) => ({ key: account, value: JSON.stringify({ gen: 'iq', seq, ts: Date.now(), amount }) })),
      });
      sentTo.set(account, meta!.partition);
      expected.set(account, amounts.reduce((x, y) => x + y, 0));
    }
    await producer.disconnect();

    // Every account's balance, from the instance that holds its task as active.
    const account = 'acct-5';
    for (const [acct, balance] of expected) {
      const r = await queryUntil(acct, (q) => q.found && (q.value as { balance: number }).balance === balance, `${acct}'s balance ${balance}`);
      expect(r.partition).toBe(sentTo.get(acct));
      expect(r).toMatchObject({ task: `0_${sentTo.get(acct)}`, role: 'active', stale: false, changelogLag: 0, store: BALANCES_STORE, key: acct });
      expect(await tasksOf(r.instanceId)).toContain(r.task);
    }
    const missing = await session.command('apps.queryKey', { applicationId: APP, store: BALANCES_STORE, key: 'nobody' });
    expect(missing).toMatchObject({ found: false, value: null, role: 'active' });

    const first = await queryUntil(account, (q) => q.role === 'active', 'the owner');
    const owner = first.instanceId;
    const other = ids.find((id) => id !== owner)!;
    expect((first.value as { balance: number }).balance).toBe(expected.get(account));

    // The store browser: a range of one task's keys, in order, with the task's entry count.
    const inTask = [...expected.keys()].filter((k) => sentTo.get(k) === first.partition).sort();
    const all = await session.command('apps.browseStore', { applicationId: APP, task: first.task, store: BALANCES_STORE, limit: 100 });
    expect(all).toMatchObject({ instanceId: owner, role: 'active', count: inTask.length });
    expect(all.entries.map((e) => e.key)).toEqual(inTask);
    expect(all.entries.map((e) => (e.value as { balance: number }).balance)).toEqual(inTask.map((k) => expected.get(k)));
    const page = await session.command('apps.browseStore', { applicationId: APP, task: first.task, store: BALANCES_STORE, from: inTask[0], to: inTask.at(-1), limit: 1 });
    expect(page.entries.map((e) => e.key)).toEqual([inTask[0]]);
    expect(page.count).toBe(inTask.length);

    // The other instance keeps a standby of the task: readable when asked for it by name.
    const standby = await (async () => {
      const stop = Date.now() + 30_000;
      for (;;) {
        try {
          const b = await session.command('apps.browseStore', { applicationId: APP, instanceId: other, task: first.task, store: BALANCES_STORE, limit: 100 });
          if (b.changelogLag === 0 && b.count === inTask.length) return b;
        } catch (error) {
          if (Date.now() > stop) throw error;
        }
        if (Date.now() > stop) throw new Error('the standby did not catch up');
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    expect(standby).toMatchObject({ instanceId: other, role: 'standby', stale: true });
    expect(standby.entries.map((e) => (e.value as { balance: number }).balance)).toEqual(inTask.map((k) => expected.get(k)));

    // The owner frozen (shorter than the session timeout, so no rebalance): the standby answers, marked stale.
    await session.command('instances.freeze', { id: owner, seconds: 6 });
    const fromStandby = await session.command('apps.queryKey', { applicationId: APP, store: BALANCES_STORE, key: account });
    expect(fromStandby).toMatchObject({ instanceId: other, role: 'standby', stale: true, task: first.task, found: true });
    expect(typeof fromStandby.changelogLag).toBe('number');
    expect((fromStandby.value as { balance: number }).balance).toBe(expected.get(account));
    const frozen = await failure(session.handle('apps.browseStore', { applicationId: APP, instanceId: owner, task: first.task, store: BALANCES_STORE }));
    expect(frozen.code).toBe('conflict');
    expect(frozen.message).toBe(`cannot read task ${first.task}: instance ${owner} is frozen (its event loop is blocked); it cannot answer until it thaws`);
    await new Promise((r) => setTimeout(r, 6500)); // thawed

    // The owner stops (leaving the group): the task moves to the other instance, which answers the same.
    await session.command('instances.stop', { id: owner, leaveGroup: true } as { id: string });
    const moved = await queryUntil(account, (q) => q.instanceId === other && q.role === 'active' && !q.stale, 'the task on its new owner', 40_000);
    expect(moved).toMatchObject({ task: first.task, partition: first.partition, found: true, changelogLag: 0 });
    expect(moved.value).toEqual(first.value);
    expect(await tasksOf(other)).toContain(first.task);

    const gone = await failure(session.handle('apps.browseStore', { applicationId: APP, instanceId: owner, task: first.task, store: BALANCES_STORE }));
    expect(gone.message).toMatch(/stopped; only a running instance answers queries/);
    // The only instance left frozen: nobody can answer, and the failure says who and why.
    await session.command('instances.freeze', { id: other, seconds: 2 });
    const nobody = await failure(session.handle('apps.queryKey', { applicationId: APP, store: BALANCES_STORE, key: account }));
    expect(nobody.code).toBe('conflict');
    expect(nobody.message).toBe(`no instance can read task ${first.task} of ${APP}: instance ${other} (active copy) is frozen (its event loop is blocked); it cannot answer until it thaws`);
    const wrongSub = await failure(session.handle('apps.browseStore', { applicationId: APP, task: '1_0', store: BALANCES_STORE }));
    expect(wrongSub.code).toBe('invalid_args');
  }, 150_000);
});
