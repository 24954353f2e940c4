// The tasks of a Kafka Streams application as the monitor reads them from the group protocol
// alone, checked against what the runtime's instances say they run: two in-process instances of
// a counting app reading two co-partitioned topics, with one standby replica each.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { Serdes } from '../streams/serdes.js';
import { StreamsBuilder } from '../streams/topology/streams-builder.js';
import { KafkaStreams } from '../streams/runtime/kafka-streams.js';
import type { GroupMember, GroupSnapshot, MonitorEvent } from './types.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { createMonitorKafka } from './kafka-client.js';
import { expectValidEvents } from './testing/expect-valid-events.js';

const APP = 'monitor-tasks';
const TOPICS = ['clicks', 'views'];
const PARTITIONS = 4;
const ALL_TASKS = Array.from({ length: PARTITIONS }, (_, p) => `0_${p}`);

let b: RunningBroker;
let monitor: ClusterMonitor;
const events: MonitorEvent[] = [];
const instances = new Map<string, KafkaStreams>();

function countingApp(clientId: string): KafkaStreams {
  const builder = new StreamsBuilder();
  builder.stream(TOPICS, { key: Serdes.String(), value: Serdes.String() }).groupByKey().count('counts');
  const s = new KafkaStreams(builder.build(), {
    applicationId: APP,
    clientId,
    bootstrapServers: [b.bootstrap],
    numStandbyReplicas: 1,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
    commitIntervalMs: 100,
  });
  instances.set(clientId, s);
  return s;
}

const latest = (): GroupSnapshot | undefined => monitor.snapshot().find((g) => g.groupId === APP);
const memberOf = (clientId: string): GroupMember | undefined => latest()?.members.find((m) => m.clientId === clientId);
const tasksOf = (s: KafkaStreams, roles: string[]) => s.tasks().filter((t) => roles.includes(t.role)).map((t) => t.taskId).sort();

/** The monitor's view of every instance agrees with what the instance runs. */
function agrees(): boolean {
  const g = latest();
  if (g?.state !== 'Stable' || g.members.length !== instances.size) return false;
  return [...instances].every(([clientId, s]) => {
    const streams = memberOf(clientId)?.streams;
    return (
      streams != null &&
      streams.activeTasks.join() === tasksOf(s, ['active']).join() &&
      streams.standbyTasks.join() === tasksOf(s, ['standby', 'warmup']).join()
    );
  });
}

/** waitFor, failing with what the monitor and the instances showed at the end. */
async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  try {
    await waitFor(what, cond, ms);
  } catch (e) {
    const monitor = latest()?.members.map((m) => [m.clientId, m.streams?.activeTasks, m.streams?.standbyTasks]);
    const own = [...instances].map(([id, s]) => [id, s.state, s.tasks().map((t) => `${t.role}:${t.taskId}`)]);
    throw new Error(`${(e as Error).message}; group ${latest()?.state}, monitor ${JSON.stringify(monitor)}, instances ${JSON.stringify(own)}`);
  }
}

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
  const admin = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: TOPICS.map((topic) => ({ topic, numPartitions: PARTITIONS })) });
  await admin.disconnect();
  monitor = new ClusterMonitor({
    kafka: createMonitorKafka({ brokers: [b.bootstrap] }),
    bootstrap: [b.bootstrap],
    intervalMs: 100,
    emit: (e) => events.push(e),
  });
  monitor.start();
});

afterAll(async () => {
  await monitor?.stop();
  await Promise.all([...instances.values()].map((s) => s.close({ leaveGroup: true }).catch(() => undefined)));
  await b?.close();
});

describe('a hosted Kafka Streams group, read from its group protocol', () => {
  it('shows each member with the process, active and standby tasks its instance runs', { timeout: 120_000 }, async () => {
    await countingApp('tasks-a').start();
    await until('tasks-a alone running every task', () => agrees() && memberOf('tasks-a')!.streams!.activeTasks.join() === ALL_TASKS.join(), 45_000);
    await countingApp('tasks-b').start();
    await until('the monitor agreeing with both instances', () => agrees() && tasksOf(instances.get('tasks-b')!, ['active']).length > 0, 60_000);
    const [a, bMember] = [memberOf('tasks-a')!.streams!, memberOf('tasks-b')!.streams!];
    expect([...a.activeTasks, ...bMember.activeTasks].sort()).toEqual(ALL_TASKS);
    // One standby replica: every task has a copy on the instance that does not run it.
    expect([...a.standbyTasks, ...bMember.standbyTasks].sort()).toEqual(ALL_TASKS);
    expect(a.processId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(bMember.processId).not.toBe(a.processId);
    expect([a.subscriptionVersion, a.assignmentVersion, a.errorCode, a.userEndPoint]).toEqual([11, 11, 0, null]);
    // tasks-a rejoined while running its tasks: its subscription lists those it still runs as
    // running (-2, Kafka's LATEST_OFFSET).
    const running = a.taskOffsetSums.filter((t) => t.offsetSum === -2).map((t) => t.task);
    expect(a.activeTasks.every((t) => running.includes(t))).toBe(true);
  });

  it('names the task of every assigned partition: partition p of both topics is task 0_p', () => {
    for (const clientId of instances.keys()) {
      const m = memberOf(clientId)!;
      const assigned = m.assignment.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).sort();
      expect(m.streams!.partitionTasks.map((pt) => `${pt.topic}-${pt.partition}`).sort()).toEqual(assigned);
      for (const pt of m.streams!.partitionTasks) expect(pt.task).toBe(`0_${pt.partition}`);
      // A member with two tasks has four partitions: the pairing had to sort clicks before views.
      expect(assigned.length).toBe(TOPICS.length * m.streams!.activeTasks.length);
    }
    expectValidEvents(events);
  });
});
