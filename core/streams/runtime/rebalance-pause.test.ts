// The 'pause' telemetry of tasks that stay with their member through a rebalance: under eager
// rebalancing they are suspended before the member rejoins, so they cannot process for at least
// the member's JoinGroup + SyncGroup; under cooperative rebalancing they keep running and pause
// only while the rebalance callbacks hold the thread.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { waitFor } from '../../broker/testing/wait.js';
import { passthroughTopology } from '../../apps/passthrough.js';
import { KafkaStreams } from './kafka-streams.js';
import type { StreamsEvent } from './telemetry.js';

type PauseEvent = Extract<StreamsEvent, { type: 'pause' }>;
type RebalanceEvent = Extract<StreamsEvent, { type: 'rebalance' }>;

let b: RunningBroker;
beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
});
afterAll(async () => {
  await b?.close();
});

describe.each(['eager', 'cooperative'] as const)('%s: a third instance joins two', (protocol) => {
  it('the tasks a member keeps report how long they could not process', async () => {
    const app = `pause-${protocol}`;
    const [input, output] = [`${app}-in`, `${app}-out`];
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'pause-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: 6 })) });
    await admin.disconnect();
    const instances: { s: KafkaStreams; events: StreamsEvent[] }[] = [];
    const start = async (id: string) => {
      const s = new KafkaStreams(passthroughTopology({ applicationId: app, input, output }), {
        applicationId: app,
        bootstrapServers: [b.bootstrap],
        clientId: id,
        rebalanceProtocol: protocol,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 500,
        commitIntervalMs: 100,
      });
      const events: StreamsEvent[] = [];
      s.onEvent((e) => events.push(e));
      instances.push({ s, events });
      await s.start();
      return { s, events };
    };
    try {
      const a = await start(`${app}-a`);
      await start(`${app}-b`);
      await waitFor('two instances running', () => instances.every((i) => i.s.state === 'RUNNING' && i.s.tasks().length > 0), 60_000);
      const joinedAt = Date.now();
      await start(`${app}-c`);
      await waitFor('three instances running with tasks', () => instances.every((i) => i.s.state === 'RUNNING' && i.s.tasks().length > 0), 60_000);
      // a's first rebalance after the join, and the pauses of the tasks it kept through it.
      const rebalance = a.events.find((e): e is RebalanceEvent => e.type === 'rebalance' && e.at >= joinedAt)!;
      expect(rebalance, 'a rebalanced').toBeDefined();
      expect(rebalance.kept.length, 'a kept some of its tasks').toBeGreaterThan(0);
      await waitFor('a pause for every task a kept', () => rebalance.kept.every((t) => a.events.some((e) => e.type === 'pause' && e.kind === 'kept' && e.taskId === t && e.at >= joinedAt)), 30_000);
      const pauses = rebalance.kept.map((t) => a.events.find((e): e is PauseEvent => e.type === 'pause' && e.kind === 'kept' && e.taskId === t && e.at >= joinedAt)!);
      console.log(`${protocol}: a's join + sync ${rebalance.durationMs.toFixed(0)} ms; kept ${pauses.map((p) => `${p.taskId} ${p.pauseMs} ms`).join(', ')}`);
      if (protocol === 'eager') {
        // Suspended before rejoining, running again only after the assignment.
        for (const p of pauses) expect(p.pauseMs).toBeGreaterThanOrEqual(Math.floor(rebalance.durationMs));
      } else {
        // Never suspended: only the callbacks held the thread (a generous bound).
        for (const p of pauses) expect(p.pauseMs).toBeLessThan(1000);
      }
    } finally {
      await Promise.all(instances.map((i) => i.s.close().catch(() => undefined)));
    }
  }, 120_000);
});
