// The monitor's per-coordinator group requests on a three-node embedded cluster: groups spread
// over the coordinators, each answered by its own, several groups per OffsetFetch (v8+).
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { KafkaClient } from '../client/client.js';
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetCommitResponse } from '../protocol/schema/generated/index.js';
import { partitionKey } from '../protocol/topic-partition.js';
import { askCoordinators } from './coordinators.js';
import { committedOffsets, describeGroups } from './group-requests.js';

const TOPIC = 'gr-topic';
/** Nine groups: with three nodes, every node coordinates some of them (checked below). */
const GROUPS = Array.from({ length: 9 }, (_, i) => `gr-group-${i}`);
const offsetOf = (group: number, partition: number) => 10 * group + partition;

let b: RunningBroker;
let client: KafkaClient;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null, nodes: 3 });
  const admin = new Kafka({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
  await admin.disconnect();
  client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'group-requests-test' });
  await client.refreshMetadata();
  // Offsets as an admin tool commits them (no members); all but the last group.
  for (const [g, groupId] of GROUPS.slice(0, -1).entries()) {
    const res = await client.coordinatorRequest<OffsetCommitResponse>('group', groupId, ApiKey.OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, committedOffset: offsetOf(g, p), committedMetadata: null })) }],
    });
    expect(res.topics[0]!.partitions.every((p) => p.errorCode === 0)).toBe(true);
  }
});

afterAll(async () => {
  client.close();
  await b.close();
});

describe('group requests per coordinator', () => {
  it('reads every group’s committed offsets from its own coordinator', async () => {
    const coordinators = new Set(GROUPS.map((g) => b.broker.cluster.groupCoordinator(g)));
    expect([...coordinators].sort()).toEqual([1, 2, 3]);
    const answers = await askCoordinators(client, 'OffsetFetch', GROUPS, committedOffsets, String);
    for (const [g, groupId] of GROUPS.entries()) {
      const expected = g === GROUPS.length - 1 ? new Map() : new Map([0, 1, 2].map((p) => [partitionKey(TOPIC, p), offsetOf(g, p)]));
      expect(answers.get(groupId)).toEqual({ ok: true, value: expected });
    }
  });

  it('asks one node for several groups in one OffsetFetch, each answered or refused on its own', async () => {
    const conn = await client.nodeConnection(2);
    expect(conn.versionFor(ApiKey.OffsetFetch, { min: 8 })).not.toBeNull();
    const answers = await committedOffsets(conn, GROUPS);
    expect([...answers.keys()].sort()).toEqual([...GROUPS].sort());
    for (const [g, groupId] of GROUPS.slice(0, -1).entries()) {
      const here = b.broker.cluster.groupCoordinator(groupId) === 2;
      expect(answers.get(groupId)).toEqual(
        here ? { ok: true, value: new Map([0, 1, 2].map((p) => [partitionKey(TOPIC, p), offsetOf(g, p)])) } : { ok: false, errorCode: ErrorCode.NOT_COORDINATOR },
      );
    }
  });

  it('describes the groups, memberless ones as Empty', async () => {
    const answers = await askCoordinators(client, 'DescribeGroups', GROUPS, describeGroups, String);
    for (const groupId of GROUPS.slice(0, -1)) {
      expect(answers.get(groupId)).toEqual({ ok: true, value: expect.objectContaining({ groupId, state: 'Empty', members: [] }) });
    }
  });

  it('finds a coordinator again when the one remembered is wrong, in the same call', async () => {
    const groupId = GROUPS.find((g) => b.broker.cluster.groupCoordinator(g) === 3)!;
    const g = GROUPS.indexOf(groupId);
    // Make the client remember node 1 as its coordinator: a wrong answer, as after a move.
    (client as unknown as { coordinators: Map<string, number> }).coordinators.set(`group:${groupId}`, 1);
    expect(await client.coordinatorFor('group', groupId)).toBe(1);
    const answers = await askCoordinators(client, 'OffsetFetch', [groupId], committedOffsets, String);
    expect(answers.get(groupId)).toEqual({ ok: true, value: new Map([0, 1, 2].map((p) => [partitionKey(TOPIC, p), offsetOf(g, p)])) });
    expect(await client.coordinatorFor('group', groupId)).toBe(3);
  });
});
