// Transactions through raw ListTransactions + DescribeTransactions, against open, timed-out and
// completed kafkajs transactions on the embedded broker.
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import type { MonitorEvent, TransactionSnapshot } from './types.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { createMonitorKafka } from './kafka-client.js';
import { expectValidEvents } from './testing/expect-valid-events.js';
import { isHanging } from './transactions.js';

const TOPIC = 'payments';
const SHORT_TIMEOUT_MS = 1000;

let b: RunningBroker;
let kafka: Kafka;
const producers: Producer[] = [];

async function transactional(transactionalId: string, transactionTimeout?: number): Promise<Producer> {
  const p = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, ...(transactionTimeout ? { transactionTimeout } : {}) });
  await p.connect();
  producers.push(p);
  return p;
}

function lastTxnSnapshot(events: MonitorEvent[]) {
  const all = events.filter((e) => e.type === 'txn.snapshot');
  return all[all.length - 1];
}

beforeAll(async () => {
  // The broker would abort the short transaction once it times out; checking only hourly leaves
  // it open past its timeout, which is what a hanging transaction looks like.
  b = await startBroker({ port: 0, dataDir: null, transactionAbortCheckIntervalMs: 3_600_000 });
  kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'txn-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await admin.disconnect();
});

afterAll(async () => {
  for (const p of producers) await p.disconnect().catch(() => {});
  await b.close();
});

describe('transactions', () => {
  it('lists open and completed transactions with state, producer id and epoch, and flags one open past its timeout', async () => {
    const events: MonitorEvent[] = [];
    const monitor = new ClusterMonitor({ kafka: createMonitorKafka({ brokers: [b.bootstrap] }), bootstrap: [b.bootstrap], emit: (e) => events.push(e) });
    try {
      const done = await transactional('tx-done');
      const t1 = await done.transaction();
      await t1.send({ topic: TOPIC, messages: [{ partition: 0, value: 'a' }] });
      await t1.commit();
      const open = await transactional('tx-open');
      const t2 = await open.transaction();
      await t2.send({ topic: TOPIC, messages: [{ partition: 1, value: 'b' }, { partition: 0, value: 'c' }] });
      const short = await transactional('tx-short', SHORT_TIMEOUT_MS);
      const t3 = await short.transaction();
      await t3.send({ topic: TOPIC, messages: [{ partition: 1, value: 'd' }] });
      const shortStarted = b.broker.transactions.get('tx-short')!.startedAt;
      await sleep(SHORT_TIMEOUT_MS + 200 - (Date.now() - shortStarted));

      await monitor.refresh();
      const snap = lastTxnSnapshot(events);
      expect(snap?.supported).toBe(true);
      const byId = new Map<string, TransactionSnapshot>((snap?.transactions ?? []).map((t) => [t.transactionalId, t]));
      expect([...byId.keys()]).toEqual(['tx-done', 'tx-open', 'tx-short']);
      const ids = (id: string) => ({ producerId: b.broker.transactions.get(id)!.producerId, producerEpoch: b.broker.transactions.get(id)!.producerEpoch });
      expect(byId.get('tx-done')).toEqual({
        transactionalId: 'tx-done',
        state: 'CompleteCommit',
        ...ids('tx-done'),
        timeoutMs: 60_000,
        startedAt: null,
        partitions: [],
        hanging: false,
        coordinatorEvents: [],
      });
      expect(byId.get('tx-open')).toEqual({
        transactionalId: 'tx-open',
        state: 'Ongoing',
        ...ids('tx-open'),
        timeoutMs: 60_000,
        startedAt: b.broker.transactions.get('tx-open')!.startedAt,
        partitions: [{ topic: TOPIC, partitions: [0, 1] }],
        hanging: false,
        coordinatorEvents: [],
      });
      expect(byId.get('tx-short')).toMatchObject({ state: 'Ongoing', timeoutMs: SHORT_TIMEOUT_MS, startedAt: shortStarted, hanging: true });

      await t2.commit();
      await t3.abort();
      await monitor.refresh();
      const after = new Map((lastTxnSnapshot(events)?.transactions ?? []).map((t) => [t.transactionalId, t]));
      expect(after.get('tx-open')).toMatchObject({ state: 'CompleteCommit', startedAt: null, partitions: [], hanging: false });
      expect(after.get('tx-short')).toMatchObject({ state: 'CompleteAbort', startedAt: null, hanging: false });
      expectValidEvents(events);
    } finally {
      await monitor.stop();
    }
  });

  it('shows transactions and exact lag through a listener that requires SASL (SCRAM-SHA-512)', async () => {
    const users = [{ username: 'ops', password: 'ops-secret' }];
    const secured = await startBroker({ port: 0, dataDir: null, saslPort: 0, saslUsers: users });
    const sasl = { mechanism: 'scram-sha-512' as const, ...users[0]! };
    const bootstrap = [...secured.saslBootstrapServers];
    const producer = new Kafka({ brokers: bootstrap, sasl, logLevel: logLevel.NOTHING }).producer({ transactionalId: 'tx-secured', idempotent: true, maxInFlightRequests: 1 });
    const events: MonitorEvent[] = [];
    const monitor = new ClusterMonitor({ kafka: createMonitorKafka({ brokers: bootstrap, sasl }), bootstrap, emit: (e) => events.push(e), sasl });
    try {
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: 'secured', messages: [{ value: 'x' }] });
      await monitor.refresh();
      expect(lastTxnSnapshot(events)).toMatchObject({ supported: true, transactions: [{ transactionalId: 'tx-secured', state: 'Ongoing' }] });
      expect(events.filter((e) => e.type === 'error')).toEqual([]);
      await txn.commit();
      expectValidEvents(events);
    } finally {
      await monitor.stop();
      await producer.disconnect();
      await secured.close();
    }
  });

  it('names the failure when the SASL credentials are wrong', async () => {
    const secured = await startBroker({ port: 0, dataDir: null, saslPort: 0, saslUsers: [{ username: 'ops', password: 'right' }] });
    const sasl = { mechanism: 'scram-sha-256' as const, username: 'ops', password: 'wrong' };
    const bootstrap = [...secured.saslBootstrapServers];
    const events: MonitorEvent[] = [];
    const monitor = new ClusterMonitor({ kafka: createMonitorKafka({ brokers: bootstrap, sasl }), bootstrap, emit: (e) => events.push(e), sasl });
    try {
      await monitor.refresh();
      const status = events.find((e) => e.type === 'cluster.status');
      expect(status).toMatchObject({ connected: false, error: expect.stringMatching(/auth/i) });
    } finally {
      await monitor.stop();
      await secured.close();
    }
  });
});

describe('isHanging', () => {
  it('is an open transaction past its timeout, never a completed one', () => {
    expect(isHanging('Ongoing', 1000, 500, 1501)).toBe(true);
    expect(isHanging('Ongoing', 1000, 500, 1500)).toBe(false);
    expect(isHanging('PrepareCommit', 1000, 500, 9999)).toBe(true);
    expect(isHanging('CompleteCommit', 1000, 500, 9999)).toBe(false);
    expect(isHanging('Ongoing', null, 500, 9999)).toBe(false);
  });
});
