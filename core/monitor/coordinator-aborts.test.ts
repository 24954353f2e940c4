// The coordinator's own aborts and a dead producer's hold on the LSO, seen by the monitor in what
// it reads from the embedded broker: a transactional producer that begins, writes and dies makes
// the partition's LSO stop (time left shrinking) until the timeout aborts it; a new producer with
// the same transactional id fences the old epoch, and aborts an open transaction when there is one.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { KafkaClient } from '../client/client.js';
import { KafkaProducer } from '../client/producer/producer.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { createMonitorKafka } from './kafka-client.js';
import { expectValidEvents } from './testing/expect-valid-events.js';
import type { MonitorEvent, TxnSnapshotEvent } from './types.js';

const TOPIC = 'ledger';
const ID = 'ledger-app-3f1c-1';
// Long enough for the two polls before it runs out on a loaded machine; short enough for a test.
const SHORT_TIMEOUT_MS = 4000;

let b: RunningBroker;
const clients: KafkaClient[] = [];

beforeAll(async () => {
  // Checked often, so the timeout abort comes soon after the timeout runs out.
  b = await startBroker({ port: 0, dataDir: null, transactionAbortCheckIntervalMs: 100 });
  b.broker.topics.create(TOPIC, 2);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await b.close();
});

async function transactionalProducer(transactionTimeoutMs: number): Promise<{ producer: KafkaProducer; client: KafkaClient }> {
  const client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'coordinator-aborts-test' });
  clients.push(client);
  const producer = new KafkaProducer(client, { transactionalId: ID, transactionTimeoutMs });
  await producer.initTransactions();
  return { producer, client };
}

describe('coordinator aborts and held LSOs', () => {
  it('counts a timeout abort of a dead producer\'s transaction after showing the LSO it holds, then a fence and a fence abort by new producers', async () => {
    const events: MonitorEvent[] = [];
    const monitor = new ClusterMonitor({ kafka: createMonitorKafka({ brokers: [b.bootstrap] }), bootstrap: [b.bootstrap], emit: (e) => events.push(e) });
    const latest = (): TxnSnapshotEvent => events.filter((e): e is TxnSnapshotEvent => e.type === 'txn.snapshot').at(-1)!;
    const coordinatorEvents = () => latest().transactions.find((t) => t.transactionalId === ID)?.coordinatorEvents ?? [];
    const coordinator = () => b.broker.transactions.get(ID)!;
    try {
      // A producer begins, writes three records to partition 1 and dies without ending it.
      const dead = await transactionalProducer(SHORT_TIMEOUT_MS);
      dead.producer.beginTransaction();
      await dead.producer.send([0, 1, 2].map((i) => ({ topic: TOPIC, partition: 1, value: `debit-${i}` })));
      const { producerId, producerEpoch, startedAt } = coordinator();
      dead.client.close();

      await monitor.refresh();
      const first = latest().lsoHeld;
      expect(first).toEqual([
        {
          topic: TOPIC,
          partition: 1,
          lastStable: 0,
          highWatermark: 3,
          transactionalId: ID,
          producerId,
          producerEpoch,
          since: startedAt,
          timeoutMs: SHORT_TIMEOUT_MS,
          timeLeftMs: expect.any(Number),
        },
      ]);
      expect(first[0]!.timeLeftMs).toBeGreaterThan(0);
      expect(first[0]!.timeLeftMs).toBeLessThanOrEqual(SHORT_TIMEOUT_MS - (Date.now() - startedAt) + 1000);
      await sleep(300);
      await monitor.refresh();
      const second = latest().lsoHeld;
      expect(second).toHaveLength(1);
      expect(second[0]!.timeLeftMs).toBeLessThan(first[0]!.timeLeftMs);
      expect(coordinatorEvents()).toEqual([]);

      // The coordinator aborts it once the timeout runs out.
      while (coordinator().state !== 'CompleteAbort') await sleep(50);
      await monitor.refresh();
      expect(coordinatorEvents()).toEqual([
        {
          kind: 'timeout-abort',
          seenAt: expect.any(Number),
          producerId,
          epochBefore: producerEpoch,
          epochAfter: producerEpoch + 1,
          startedAt,
          partitions: [{ topic: TOPIC, partitions: [1] }],
          producerAbortPossible: false,
        },
      ]);
      expect(latest().lsoHeld).toEqual([]);

      // The process comes back: its new producer fences the old epoch; nothing was open.
      const back = await transactionalProducer(60_000);
      await monitor.refresh();
      expect(coordinatorEvents().map((e) => [e.kind, e.epochBefore, e.epochAfter])).toEqual([
        ['timeout-abort', producerEpoch, producerEpoch + 1],
        ['fence', producerEpoch + 1, producerEpoch + 2],
      ]);
      back.producer.beginTransaction();
      await back.producer.send([{ topic: TOPIC, partition: 0, value: 'credit' }]);
      const backStarted = coordinator().startedAt;
      await monitor.refresh();
      expect(latest().lsoHeld.map((h) => [h.topic, h.partition, h.lastStable, h.highWatermark, h.since])).toEqual([[TOPIC, 0, 0, 1, backStarted]]);

      // Another producer with the same id, while that transaction is open: fenced and aborted.
      await transactionalProducer(60_000);
      await monitor.refresh();
      const all = coordinatorEvents();
      expect(all.map((e) => e.kind)).toEqual(['timeout-abort', 'fence', 'fence-abort']);
      expect(all[2]).toMatchObject({ startedAt: backStarted, partitions: [{ topic: TOPIC, partitions: [0] }], epochBefore: producerEpoch + 2, epochAfter: coordinator().producerEpoch });
      expect(all.filter((e) => e.kind !== 'fence')).toHaveLength(2);
      await expect(back.producer.commitTransaction()).rejects.toThrow(/fenced/i);
      expect(latest().lsoHeld).toEqual([]);
      expectValidEvents(events);
    } finally {
      await monitor.stop();
    }
  });
});
