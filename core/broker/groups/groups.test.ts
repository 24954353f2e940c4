import { connect } from 'node:net';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../protocol/apis.js';
import { Reader, Writer } from '../../protocol/primitives.js';
import { decode } from '../../protocol/codec.js';
import { readResponseHeader } from '../../protocol/headers.js';
import { API_SCHEMAS } from '../../protocol/apis.js';
import type { JoinGroupResponse } from '../../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from '../broker.js';
import { waitFor } from '../testing/wait.js';
import type { BrokerEvent } from '../events.js';
import { exchange, requestFrame } from '../testing/raw-client.js';
import { decodeAssignment, partitionsByTopic } from '../../protocol/consumer-protocol.js';


describe('group coordinator with kafkajs consumers', () => {
  let b: RunningBroker;
  const events: BrokerEvent[] = [];
  const kafka = (clientId: string) =>
    new Kafka({ brokers: [b.bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  const consumers: Consumer[] = [];
  const consumer = (groupId: string, clientId: string) => {
    const c = kafka(clientId).consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10_000 });
    consumers.push(c);
    return c;
  };

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    b.broker.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
    await b?.close();
  });

  it('delivers keys, values, headers and timestamps to a kafkajs consumer and commits its offsets', async () => {
    const admin = kafka('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'g-roundtrip', numPartitions: 2 }] });
    const producer = kafka('producer').producer();
    await producer.connect();
    const t0 = Date.now() - 10_000;
    const sent = Array.from({ length: 40 }, (_, i) => ({
      key: `key-${i}`,
      value: `value-${i}`,
      timestamp: String(t0 + i),
      headers: { n: String(i), bin: Buffer.from([i, 255]) },
    }));
    await producer.send({ topic: 'g-roundtrip', messages: sent });
    const got: EachMessagePayload['message'][] = [];
    const c = consumer('g-roundtrip-group', 'c-roundtrip');
    await c.connect();
    await c.subscribe({ topic: 'g-roundtrip', fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(message) });
    await waitFor('40 messages', () => got.length >= 40);
    for (const s of sent) {
      const m = got.find((x) => x.key?.toString() === s.key)!;
      expect(m.value?.toString()).toBe(s.value);
      expect(m.timestamp).toBe(s.timestamp);
      expect(m.headers?.n?.toString()).toBe(s.headers.n);
      expect(m.headers?.bin).toEqual(s.headers.bin);
    }
    expect(got).toHaveLength(40);
    await c.disconnect();
    const committed = await admin.fetchOffsets({ groupId: 'g-roundtrip-group', topics: ['g-roundtrip'] });
    const total = committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(40);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('gives each of 6 partitions to exactly one of 3 members, and reassigns a silent member\'s partitions after its session timeout', async () => {
    const topic = 'g-three';
    const groupId = 'g-three-group';
    const admin = kafka('admin').admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }] });
    const seen = new Map<string, Set<string>>(); // "partition:offset" -> members that processed it
    const members = ['m0', 'm1', 'm2'].map((id) => ({ id, c: consumer(groupId, id) }));
    for (const { id, c } of members) {
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        eachMessage: async ({ partition, message }) => {
          const k = `${partition}:${message.offset}`;
          if (!seen.has(k)) seen.set(k, new Set());
          seen.get(k)!.add(id);
        },
      });
    }
    const stableWith = (n: number) => () => {
      const d = b.broker.groups.describe(groupId);
      return d.state === 'Stable' && d.members.length === n && d.members.every((m) => m.assignment.length > 0);
    };
    await waitFor('3 stable members', stableWith(3));
    const owners = () => {
      const d = b.broker.groups.describe(groupId);
      const owner = new Map<number, string>();
      for (const m of d.members) {
        for (const p of partitionsByTopic(decodeAssignment(m.assignment)?.partitions ?? [])[topic] ?? []) {
          expect(owner.has(p)).toBe(false); // no partition owned twice
          owner.set(p, m.memberId);
        }
      }
      return { owner, generation: d.generationId, members: d.members.map((m) => m.memberId) };
    };
    const before = owners();
    expect([...before.owner.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(before.owner.values()).size).toBe(3);

    const producer = kafka('producer').producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 120 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await waitFor('120 records consumed', () => seen.size >= 120);
    expect([...seen.values()].every((s) => s.size === 1)).toBe(true);

    // A fourth member that joins over a raw socket and then goes silent: no heartbeats, no LeaveGroup.
    const silent = connect(b.address.port, b.address.host);
    // ConsumerProtocolSubscription v0: version, [topics], user data.
    const subscription = new Writer().int16(0).int32(1).int16(topic.length).utf8(topic, topic.length).int32(0).toBuffer();
    const join = (memberId: string) =>
      requestFrame(ApiKey.JoinGroup, 5, 1, {
        groupId,
        sessionTimeoutMs: 6000,
        rebalanceTimeoutMs: 10_000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'RoundRobinAssigner', metadata: subscription }],
      });
    const first = new Reader(await exchange(silent, join('')));
    readResponseHeader(first, ApiKey.JoinGroup, 5);
    const required = decode<JoinGroupResponse>(API_SCHEMAS.get(ApiKey.JoinGroup)!.response, 5, first);
    expect(required.errorCode).toBe(79); // MEMBER_ID_REQUIRED
    silent.removeAllListeners('data');
    silent.write(join(required.memberId));
    await waitFor('the silent member to be in the group', () =>
      b.broker.groups.describe(groupId).members.some((m) => m.memberId === required.memberId),
    );
    await waitFor('4 stable members', stableWith(4));
    silent.destroy(); // socket dropped; it never heartbeats again

    const dropped = Date.now();
    await waitFor('the group to heal to 3 members', stableWith(3), 30_000);
    const healedAfter = Date.now() - dropped;
    const after = owners();
    expect(after.members).not.toContain(required.memberId);
    expect([...after.owner.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(after.generation).toBeGreaterThan(before.generation + 1);
    expect(healedAfter).toBeGreaterThanOrEqual(4000); // waited out the 6 s session timeout, not a LeaveGroup
    const left = events.find((e) => e.type === 'group.member.left' && e.memberId === required.memberId);
    expect(left).toMatchObject({ reason: 'session-timeout' });

    // Nothing consumed twice, and records produced after the heal are consumed too.
    await producer.send({ topic, messages: Array.from({ length: 60 }, (_, i) => ({ key: `late${i}`, value: `late${i}` })) });
    await waitFor('180 records consumed', () => seen.size >= 180);
    expect([...seen.values()].every((s) => s.size === 1)).toBe(true);
    await producer.disconnect();
    await admin.disconnect();
  });
});
