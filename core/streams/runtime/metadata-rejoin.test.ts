// A source topic that gains partitions while the app runs: the group leader notices within
// metadata.max.age.ms (ConsumerCoordinator's assignmentSnapshot), rejoins, and the new generation
// has a task for the new partition. The rebalance telemetry carries Kafka's reason, which the
// console reads as "topic metadata changed".
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { waitFor } from '../../broker/testing/wait.js';
import { Serdes } from '../serdes.js';
import { StreamsBuilder } from '../topology/streams-builder.js';
import { KafkaStreams } from './kafka-streams.js';
import type { StreamsEvent } from './telemetry.js';

type RebalanceEvent = Extract<StreamsEvent, { type: 'rebalance' }>;

describe('a source topic gains partitions', () => {
  let b: RunningBroker;
  let app: KafkaStreams | null = null;

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
  });
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await b?.close();
  });

  it('the leader rejoins with a metadata reason and the new generation has a task per partition', async () => {
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'metadata-rejoin-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'grow-in', numPartitions: 2 }, { topic: 'grow-out', numPartitions: 1 }] });
      const builder = new StreamsBuilder();
      builder.stream('grow-in', { key: Serdes.String(), value: Serdes.String() }).mapValues((v) => (v ?? '').toUpperCase()).to('grow-out', { value: Serdes.String() });
      const maxAgeMs = 1000;
      app = new KafkaStreams(builder.build(), {
        applicationId: 'grow',
        bootstrapServers: [b.bootstrap],
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 500,
        metadataMaxAgeMs: maxAgeMs,
      });
      const events: StreamsEvent[] = [];
      app.onEvent((e) => events.push(e));
      await app.start();
      await waitFor('tasks 0_0 and 0_1', () => app!.tasks().length === 2, 15_000);
      const rebalancesBefore = events.filter((e) => e.type === 'rebalance').length;

      await admin.createPartitions({ topicPartitions: [{ topic: 'grow-in', count: 3 }] });
      await waitFor('a task for the new partition', () => app!.tasks().some((t) => t.taskId === '0_2'), 15_000);
      const rebalances = events.filter((e): e is RebalanceEvent => e.type === 'rebalance').slice(rebalancesBefore);
      expect(rebalances.length).toBeGreaterThanOrEqual(1);
      expect(rebalances[0]!.reason).toMatch(/^cached metadata has changed from \{grow-in=2\} .* to \{grow-in=3\}$/);
      expect(rebalances[0]!.isLeader).toBe(true);
      expect(rebalances[0]!.assigned).toEqual(['0_0', '0_1', '0_2']);
      expect(app.tasks().map((t) => t.taskId).sort()).toEqual(['0_0', '0_1', '0_2']);
    } finally {
      await admin.disconnect();
    }
  });
});
