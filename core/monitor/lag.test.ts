// The acceptance test: on topics holding committed and aborted transactions, the monitor's lag
// is what kafkajs's admin reports (end offset − committed) minus the transaction markers in
// between, and for a read_committed group the end is the last stable offset.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import type { GroupSnapshot, MonitorEvent } from './types.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { createMonitorKafka } from './kafka-client.js';
import { commitOffsets } from './testing/commit-offsets.js';
import { expectValidEvents } from './testing/expect-valid-events.js';

const TOPIC = 'ledger';

let b: RunningBroker;
let kafka: Kafka;
const producers: Producer[] = [];

async function transactional(id: string): Promise<Producer> {
  const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  producers.push(p);
  return p;
}

const values = (n: number, partition: number) => Array.from({ length: n }, (_, i) => ({ partition, value: `v${i}` }));

function lagOf(snapshot: GroupSnapshot | undefined, partition: number) {
  const p = snapshot?.partitions.find((x) => x.topic === TOPIC && x.partition === partition);
  if (!p) throw new Error(`no lag for ${TOPIC}-${partition}`);
  return p;
}

let beforeWrites = 0;
let afterWrites = 0;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
  kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'lag-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  beforeWrites = Date.now();
  // Partition 0: offsets 0-4 plain; 5-7 committed txn, marker 8; 9-12 aborted txn, marker 13;
  // 14-15 committed txn, marker 16. High watermark 17.
  // Partition 1: 0-1 committed txn, marker 2; 3-5 committed txn, marker 6. High watermark 7.
  const plain = kafka.producer({ idempotent: true });
  await plain.connect();
  await plain.send({ topic: TOPIC, messages: values(5, 0) });
  await plain.disconnect();
  const tx = await transactional('lag-writer');
  for (const [p0, p1, commit] of [[3, 2, true], [4, 0, false], [2, 3, true]] as const) {
    const t = await tx.transaction();
    await t.send({ topic: TOPIC, messages: [...values(p0, 0), ...values(p1, 1)] });
    await (commit ? t.commit() : t.abort());
  }
  afterWrites = Date.now();
  for (const groupId of ['reader-uncommitted', 'reader-committed']) await commitOffsets(b, groupId, TOPIC, { 0: 6, 1: 3 });
  await admin.disconnect();
});

afterAll(async () => {
  for (const p of producers) await p.disconnect().catch(() => {});
  await b.close();
});

describe('lag', () => {
  it('is end − committed minus the transaction markers in between, as kafkajs sees the offsets', async () => {
    const events: MonitorEvent[] = [];
    const monitor = new ClusterMonitor({
      kafka: createMonitorKafka({ brokers: [b.bootstrap] }),
      bootstrap: [b.bootstrap],
      emit: (e) => events.push(e),
      readCommitted: (g) => g === 'reader-committed',
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const pollStart = Date.now();
      await monitor.refresh();
      const pollEnd = Date.now();
      const kafkaEnds = await admin.fetchTopicOffsets(TOPIC);
      const kafkaCommitted = (await admin.fetchOffsets({ groupId: 'reader-uncommitted', topics: [TOPIC] }))[0]!.partitions;
      const kafkaLag = (partition: number) =>
        Number(kafkaEnds.find((o) => o.partition === partition)!.high) - Number(kafkaCommitted.find((o) => o.partition === partition)!.offset);
      expect([kafkaLag(0), kafkaLag(1)]).toEqual([11, 4]);

      const group = monitor.snapshot().find((g) => g.groupId === 'reader-uncommitted');
      // [6, 17) on partition 0 holds markers 8, 13, 16; [3, 7) on partition 1 holds marker 6.
      expect(lagOf(group, 0)).toMatchObject({ committed: 6, end: 17, lso: 17, lag: kafkaLag(0) - 3 });
      expect(lagOf(group, 1)).toMatchObject({ committed: 3, end: 7, lso: 7, lag: kafkaLag(1) - 1 });
      expect(group?.totalLag).toBe(8 + 3);

      // Offset 6 was written between beforeWrites and afterWrites.
      const timeLag = lagOf(group, 0).timeLagMs;
      expect(timeLag).not.toBeNull();
      expect(timeLag!).toBeGreaterThanOrEqual(pollStart - afterWrites);
      expect(timeLag!).toBeLessThanOrEqual(pollEnd - beforeWrites);
      // Nobody consumes these groups, so their lag makes them STOP.
      expect(group?.status).toBe('STOP');
      expect(events[0]).toEqual({
        type: 'cluster.status',
        connected: true,
        embedded: false,
        bootstrap: b.bootstrap,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: b.address.port }],
        clusterId: b.broker.topics.clusterId,
        error: null,
        retryInMs: null,
      });
      expect(events.filter((e) => e.type === 'group.snapshot')).toHaveLength(2);
      expectValidEvents(events);
    } finally {
      await admin.disconnect();
      await monitor.stop();
    }
  });

  it('watches only the groups the filter lets through', async () => {
    const monitor = new ClusterMonitor({
      kafka: createMonitorKafka({ brokers: [b.bootstrap] }),
      bootstrap: [b.bootstrap],
      emit: () => {},
      groupFilter: (g) => g !== 'reader-uncommitted',
    });
    try {
      await monitor.refresh();
      expect(monitor.snapshot().map((g) => g.groupId)).toEqual(['reader-committed']);
    } finally {
      await monitor.stop();
    }
  });

  it('ends at the high watermark, or at the LSO for a read_committed group, while a transaction is open', async () => {
    const monitor = new ClusterMonitor({
      kafka: createMonitorKafka({ brokers: [b.bootstrap] }),
      bootstrap: [b.bootstrap],
      emit: () => {},
      readCommitted: (g) => g === 'reader-committed',
    });
    const tx = await transactional('lag-open');
    const t = await tx.transaction();
    await t.send({ topic: TOPIC, messages: values(2, 1) }); // offsets 7-8, open
    const admin = kafka.admin();
    await admin.connect();
    try {
      await monitor.refresh();
      // kafkajs's "high" is read_committed: the LSO, still 7.
      const kafkaHigh = Number((await admin.fetchTopicOffsets(TOPIC)).find((o) => o.partition === 1)!.high);
      expect(kafkaHigh).toBe(7);
      const [committedGroup, uncommittedGroup] = ['reader-committed', 'reader-uncommitted'].map((id) =>
        monitor.snapshot().find((g) => g.groupId === id),
      );
      expect(lagOf(uncommittedGroup, 1)).toMatchObject({ end: 9, lso: kafkaHigh, lag: 9 - 3 - 1 });
      expect(lagOf(committedGroup, 1)).toMatchObject({ end: 9, lso: kafkaHigh, lag: kafkaHigh - 3 - 1 });
    } finally {
      await t.abort();
      await admin.disconnect();
      await monitor.stop();
    }
  });
});
