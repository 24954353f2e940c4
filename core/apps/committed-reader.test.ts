import { Kafka, logLevel } from 'kafkajs';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import type { RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { CommittedReader, rawBatch } from './committed-reader.js';
import type { CommittedRecord } from './committed-reader.js';

describe('rawBatch', () => {
  const batch = (fields: object) => ({ topic: 't', partition: 0, ...fields }) as unknown as Parameters<typeof rawBatch>[0];
  const raw = { offset: '0', key: null, value: null, timestamp: '0', headers: {}, isControlRecord: false, batchContext: { producerId: '1', inTransaction: false } };

  it('takes the raw messages of a kafkajs 2.2.x batch', () => {
    expect(rawBatch(batch({ rawMessages: [raw], fetchedOffset: '0' }))).toEqual({ rawMessages: [raw], fetchedOffset: '0' });
  });

  it('says what is missing when kafkajs batches lose their internals', () => {
    expect(() => rawBatch(batch({ messages: [] }))).toThrow(/rawMessages .*kafkajs 2\.2\.x/);
    expect(() => rawBatch(batch({ rawMessages: [{ ...raw, batchContext: undefined }], fetchedOffset: '0' }))).toThrow(/batchContext/);
  });
});

describe('CommittedReader', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    broker = await startBroker({ port: 0, dataDir: null });
    kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'committed-reader-test', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await broker?.close();
  });

  async function reader(topic: string) {
    const seen: CommittedRecord[] = [];
    const errors: Error[] = [];
    const r = new CommittedReader({ kafka, topics: [topic], onRecords: (rs) => seen.push(...rs), onError: (e) => errors.push(e) });
    await r.start();
    closers.push(() => r.stop());
    return { reader: r, seen, errors, values: () => seen.map((m) => m.value?.toString()) };
  }

  async function producer(transactionalId?: string): Promise<Producer> {
    const p =
      transactionalId === undefined
        ? kafka.producer()
        : kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    closers.push(() => p.disconnect());
    return p;
  }

  it('sees exactly the committed records of two producers interleaving committed and aborted transactions', async () => {
    const topic = 'txn-out';
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const live = await reader(topic);
    const [p1, p2, plain] = [await producer('reader-p1'), await producer('reader-p2'), await producer()];
    const send = (t: { send: Producer['send'] }, value: string) => t.send({ topic, messages: [{ value }] });

    const t1 = await p1.transaction();
    const t2 = await p2.transaction();
    await send(t1, 'p1-aborted-1');
    await send(t2, 'p2-committed-1');
    await send(t1, 'p1-aborted-2');
    await send(t2, 'p2-committed-2');
    await send(plain, 'plain');
    // The live reader holds both transactions' records before any marker is written, so the
    // markers reach it in fetches of their own: the case kafkajs never hands to eachBatch.
    await waitFor('the live reader to hold two open transactions', () => live.reader.pendingTransactions === 2, 10_000);
    expect(live.values()).toEqual([]);
    await t1.abort();
    await t2.commit();
    await waitFor('the first commit to be seen', () => live.seen.length === 3, 10_000);

    const t3 = await p1.transaction();
    const t4 = await p2.transaction();
    await send(t4, 'p2-aborted-3');
    await send(t3, 'p1-committed-3');
    await send(t4, 'p2-aborted-4');
    await t4.abort();
    await send(t3, 'p1-committed-4');
    await t3.commit();

    const committed = ['p2-committed-1', 'p2-committed-2', 'plain', 'p1-committed-3', 'p1-committed-4'];
    await waitFor('every committed record live', () => live.seen.length >= committed.length, 10_000);
    const late = await reader(topic); // from the beginning, after every marker is written
    await waitFor('every committed record read afterwards', () => late.seen.length >= committed.length, 10_000);
    await new Promise((r) => setTimeout(r, 500)); // room for anything beyond them to show up
    expect(live.values()).toEqual(committed);
    expect(late.values()).toEqual(committed);
    expect(live.seen.map((m) => m.offset)).toEqual(late.seen.map((m) => m.offset));
    expect(live.reader.refetches).toBeGreaterThan(0);
    expect([live.reader.pendingTransactions, late.reader.pendingTransactions]).toEqual([0, 0]);
    expect([...live.errors, ...late.errors]).toEqual([]);
    // 5 committed and 4 aborted records, 4 markers: the reader has taken in every offset.
    expect(live.reader.position(topic, 0)).toBe(13);
  });
});
