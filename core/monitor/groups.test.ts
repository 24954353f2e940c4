// Group snapshots and rebalances of a real kafkajs consumer group on the embedded broker.
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import type { GroupSnapshot, MonitorEvent } from './types.js';
import { ClusterMonitor } from './cluster-monitor.js';
import { createMonitorKafka } from './kafka-client.js';
import type { RebalanceEvent } from './rebalance.js';
import { expectValidEvents } from './testing/expect-valid-events.js';

const TOPIC = 'events';
const GROUP = 'watchers';

let b: RunningBroker;
let monitor: ClusterMonitor;
const events: MonitorEvent[] = [];
const consumers: Consumer[] = [];

// Short fetch waits: kafkajs heartbeats (and so learns of a rebalance) between fetches.
async function member(clientId: string): Promise<Consumer> {
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId, logLevel: logLevel.NOTHING });
  const c = kafka.consumer({ groupId: GROUP, heartbeatInterval: 300, sessionTimeout: 6000, maxWaitTimeInMs: 200 });
  consumers.push(c);
  await c.connect();
  await c.subscribe({ topic: TOPIC });
  await c.run({ eachMessage: async () => {} });
  return c;
}

const latest = (): GroupSnapshot | undefined => monitor.snapshot().find((g) => g.groupId === GROUP);
const completed = (): RebalanceEvent[] =>
  events.filter((e): e is RebalanceEvent => e.type === 'group.rebalance' && e.groupId === GROUP && e.phase === 'completed');
const memberOf = (clientId: string) => latest()?.members.find((m) => m.clientId === clientId);
const movedKeys = (e: RebalanceEvent) => e.moved.map((m) => `${m.topic}-${m.partition}`).sort();

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
  const admin = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 4 }] });
  await admin.disconnect();
  monitor = new ClusterMonitor({
    kafka: createMonitorKafka({ brokers: [b.bootstrap] }),
    bootstrap: [b.bootstrap],
    intervalMs: 100,
    emit: (e) => events.push(e),
    memberInstance: (clientId) => (clientId === 'member-a' ? 'instance-a' : null),
  });
  monitor.start();
});

afterAll(async () => {
  await monitor.stop();
  for (const c of consumers) await c.disconnect().catch(() => {});
  await b.close();
});

describe('consumer groups', () => {
  it('shows members with their client ids, hosts and decoded assignments', async () => {
    await member('member-a');
    await waitFor('member-a owning all partitions', () => latest()?.state === 'Stable' && memberOf('member-a')?.assignment.length === 1);
    const g = latest()!;
    expect(g).toMatchObject({ protocolType: 'consumer', protocol: 'RoundRobinAssigner', status: 'OK', totalLag: 0 });
    expect(g.members).toEqual([
      {
        memberId: expect.any(String),
        clientId: 'member-a',
        clientHost: expect.stringContaining('127.0.0.1'),
        assignment: [{ topic: TOPIC, partitions: [0, 1, 2, 3] }],
        instanceId: 'instance-a',
        groupInstanceId: null, // a dynamic member (DescribeGroups v4+ says so)
        streams: null, // a plain consumer group: no Kafka Streams tasks
      },
    ]);
    // Nothing committed yet: assigned partitions show with no lag, owned by the member.
    expect(g.partitions.map((p) => [p.partition, p.committed, p.lag, p.memberId])).toEqual(
      [0, 1, 2, 3].map((p) => [p, null, 0, g.members[0]!.memberId]),
    );
  });

  it('reports the rebalance when a member joins, with the partitions it took', async () => {
    const a = memberOf('member-a')!.memberId;
    const before = completed().length;
    await member('member-b');
    await waitFor('a completed rebalance with two members', () => completed().slice(before).some((e) => e.membersAfter.length === 2));
    const e = completed().slice(before).find((x) => x.membersAfter.length === 2)!;
    await waitFor('member-b in a snapshot', () => memberOf('member-b') !== undefined && latest()?.state === 'Stable');
    const bId = memberOf('member-b')!.memberId;
    expect(e.cause).toBe('member joined');
    expect(e.membersBefore).toEqual([a]);
    expect(e.membersAfter).toEqual([a, bId].sort());
    expect(e.moved.length).toBe(2);
    expect(e.moved.every((m) => m.from === a && m.to === bId)).toBe(true);
    expect(movedKeys(e)).toEqual(memberOf('member-b')!.assignment.flatMap((x) => x.partitions.map((p) => `${x.topic}-${p}`)));
    expect(latest()?.generation).toBe(e.generation);
  });

  it('reports the rebalance when a member leaves, with its partitions moving back', async () => {
    const a = memberOf('member-a')!.memberId;
    const bId = memberOf('member-b')!.memberId;
    const bPartitions = memberOf('member-b')!.assignment.flatMap((x) => x.partitions.map((p) => `${x.topic}-${p}`));
    const before = completed().length;
    const previousGeneration = latest()!.generation!;
    await consumers[1]!.disconnect();
    await waitFor('a completed rebalance back to one member', () => completed().slice(before).some((e) => e.membersAfter.length === 1));
    const e = completed().slice(before).find((x) => x.membersAfter.length === 1)!;
    expect(e.cause).toBe('member left');
    expect(e.membersBefore).toEqual([a, bId].sort());
    expect(e.membersAfter).toEqual([a]);
    expect(e.moved.every((m) => m.from === bId && m.to === a)).toBe(true);
    expect(movedKeys(e)).toEqual(bPartitions);
    expect(e.generation).toBeGreaterThan(previousGeneration);
    expectValidEvents(events);
  });
});
