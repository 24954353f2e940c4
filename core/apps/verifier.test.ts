import { Kafka, logLevel } from 'kafkajs';
import type { Message, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import type { RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { Serdes, TopologyTestDriver } from '../streams/index.js';
import { bankLedgerTopology } from './bank-ledger.js';
import type { InputValue, LedgerValue } from './records.js';
import { Verifier } from './verifier.js';
import type { VerifierSnapshot } from './verifier.js';

const input = (key: string, gen: string, seq: number, amount?: number): Message => ({
  key,
  value: JSON.stringify({ gen, seq, ts: 1_700_000_000_000 + seq, ...(amount === undefined ? {} : { amount }) } satisfies InputValue),
});

/** bank-ledger's real outputs for these transfers, computed with the topology itself. */
function ledgerFor(transfers: Message[]): Message[] {
  const driver = new TopologyTestDriver(bankLedgerTopology({ applicationId: 'bank', input: 'in', output: 'out' }));
  for (const t of transfers) driver.pipe('in', Buffer.from(String(t.key)), Buffer.from(String(t.value)));
  return driver
    .outputTopic('out', { key: Serdes.String(), value: Serdes.JSON<LedgerValue>() })
    .readKeyValues()
    .map(([key, value]) => ({ key, value: JSON.stringify(value) }));
}

describe('Verifier', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let producer: Producer;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0, dataDir: null });
    kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'verifier-test', logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    closers.push(() => producer.disconnect());
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await broker?.close();
  });

  async function topics(...names: string[]): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: 2 })) });
    await admin.disconnect();
  }

  async function verifier(options: Omit<ConstructorParameters<typeof Verifier>[0], 'kafka'>): Promise<Verifier> {
    const v = new Verifier({ kafka, ...options });
    await v.start();
    closers.push(() => v.stop());
    return v;
  }

  it('counts missing, duplicated, out-of-order, pending, unexpected and invalid passthrough outputs', async () => {
    await topics('pt-in', 'pt-out');
    const seqs = Array.from({ length: 10 }, (_, i) => i);
    await producer.send({ topic: 'pt-in', messages: [...seqs.map((s) => input('a', 'g', s)), ...seqs.map((s) => input('b', 'g', s))] });
    const out = (key: string, ...list: number[]) => list.map((s) => input(key, 'g', s));
    await producer.send({
      topic: 'pt-out',
      messages: [
        ...out('a', 0, 1, 2, 4, 5, 5, 6, 7, 8, 9), // a#3 missing, a#5 twice
        ...out('b', 0, 1, 3, 2, 4, 5, 6, 7), // b#2 out of order, b#8 and b#9 not yet
        ...out('c', 0), // no such input
        { key: 'a', value: 'not a record' },
      ],
    });

    const v = await verifier({ app: 'passthrough', inputTopic: 'pt-in', outputTopic: 'pt-out' });
    const updates: VerifierSnapshot[] = [];
    v.onUpdate((s) => updates.push(s));
    await waitFor('every record read', () => v.snapshot().inputs === 20 && v.snapshot().outputs + v.snapshot().invalid === 20, 10_000);
    expect(v.snapshot()).toEqual({
      app: 'passthrough',
      state: 'running',
      error: null,
      inputs: 20,
      duplicateInputs: 0,
      outputs: 19,
      missing: 1,
      duplicated: 1,
      outOfOrder: 1,
      pending: 2,
      unexpected: 1,
      invalid: 1,
      pendingTransactions: 0,
      money: null,
    });
    await waitFor('an update with the counts', () => updates.at(-1)?.outputs === 19, 5_000);

    await expect(v.waitForDrain({ timeoutMs: 1_000 })).rejects.toThrow(/2 inputs without output \(b g #8, b g #9\)/);
    await producer.send({ topic: 'pt-out', messages: out('b', 8, 9) });
    const drained = await v.waitForDrain({ timeoutMs: 10_000 });
    expect(drained).toMatchObject({ outputs: 21, missing: 1, pending: 0, duplicated: 1, outOfOrder: 1, unexpected: 1 });
  });

  it('conserves money when the ledger is written by two transactional producers, aborted transactions between', async () => {
    await topics('bank-in', 'bank-out');
    const accounts = ['acct-000', 'acct-001', 'acct-002'];
    const transfers = accounts.flatMap((a, i) => Array.from({ length: 8 }, (_, seq) => input(a, 'g1', seq, ((seq * 37 + i * 11) % 201) - 100 || 7)));
    await producer.send({ topic: 'bank-in', messages: transfers });
    const ledger = ledgerFor(transfers);
    const v = await verifier({ app: 'bank-ledger', inputTopic: 'bank-in', outputTopic: 'bank-out' });

    // Two "tasks", each with its own transactional producer; each committed transaction is
    // preceded by an aborted one holding the same entries with wrong balances: if any aborted
    // record showed through, it would count as a duplicate and break the money check.
    const tasks = await Promise.all(
      ['bank-task-0', 'bank-task-1'].map(async (id) => {
        const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
        await p.connect();
        closers.push(() => p.disconnect());
        return p;
      }),
    );
    const wrong = (m: Message): Message => ({ ...m, value: JSON.stringify({ ...JSON.parse(String(m.value)), balance: 1_000_000 }) });
    for (let i = 0; i < ledger.length; i += 4) {
      const chunk = ledger.slice(i, i + 4);
      const [mine, theirs] = i % 8 === 0 ? [tasks[0]!, tasks[1]!] : [tasks[1]!, tasks[0]!];
      const doomed = await theirs.transaction();
      const kept = await mine.transaction();
      await doomed.send({ topic: 'bank-out', messages: chunk.slice(0, 2).map(wrong) });
      await kept.send({ topic: 'bank-out', messages: chunk.slice(0, 2) });
      await doomed.send({ topic: 'bank-out', messages: chunk.slice(2).map(wrong) });
      await kept.send({ topic: 'bank-out', messages: chunk.slice(2) });
      await doomed.abort();
      await kept.commit();
    }

    const drained = await v.waitForDrain({ timeoutMs: 15_000 });
    const amounts = transfers.reduce((sum, t) => sum + (JSON.parse(String(t.value)) as InputValue).amount!, 0);
    expect(drained).toMatchObject({ inputs: 24, outputs: 24, missing: 0, duplicated: 0, outOfOrder: 0, pending: 0, unexpected: 0, invalid: 0 });
    expect(drained.money).toEqual({ inputTotal: amounts, balanceTotal: amounts, conserved: true });
  });

  it('reports money not conserved when a replay applies transfers twice', async () => {
    await topics('replay-in', 'replay-out');
    const transfers = [input('acct-000', 'g', 0, 50), input('acct-000', 'g', 1, -20), input('acct-000', 'g', 2, 5), input('acct-001', 'g', 0, 9)];
    await producer.send({ topic: 'replay-in', messages: transfers });
    const ledger = ledgerFor(transfers);
    // At-least-once gone wrong: seq 1 and 2 replayed onto a store that already held them.
    const replayed = [
      { amount: -20, seq: 1, balance: 15 },
      { amount: 5, seq: 2, balance: 20 },
    ].map(({ amount, seq, balance }) => ({
      key: 'acct-000',
      value: JSON.stringify({ account: 'acct-000', amount, balance, gen: 'g', seq, source: { partition: 0, offset: seq } } satisfies LedgerValue),
    }));
    await producer.send({ topic: 'replay-out', messages: [...ledger, ...replayed] });

    const v = await verifier({ app: 'bank-ledger', inputTopic: 'replay-in', outputTopic: 'replay-out' });
    const drained = await v.waitForDrain({ timeoutMs: 10_000 });
    expect(drained).toMatchObject({ inputs: 4, outputs: 6, duplicated: 2, missing: 0, pending: 0 });
    expect(drained.money).toMatchObject({ inputTotal: 44, balanceTotal: 29, conserved: false });
    // The replayed seq 1 was computed on a store that already had it: where the chain breaks.
    expect(drained.money?.breaks).toEqual([{ account: 'acct-000', gen: 'g', seq: 1, amount: -20, balance: 15, previousBalance: 50, source: { partition: 0, offset: 1 } }]);
  });
});
