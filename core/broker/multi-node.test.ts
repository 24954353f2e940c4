// The multi-node mode: three nodes in one process must look like a three-broker cluster to
// clients — leaders and coordinators spread over the nodes, wrong-node requests answered as
// Kafka answers them — so a client that ignores routing fails here.
import { connect } from 'node:net';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import { encodeRecordBatch } from '../protocol/records/index.js';
import type {
  DescribeConfigsResponse,
  FetchResponse,
  FindCoordinatorResponse,
  InitProducerIdResponse,
  JoinGroupResponse,
  ListGroupsResponse,
  ListOffsetsResponse,
  ListTransactionsResponse,
  MetadataResponse,
  OffsetCommitResponse,
  OffsetFetchResponse,
  ProduceResponse,
} from '../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { fetchBody, rawFetch, rawRequest } from './testing/raw-client.js';
import { waitFor } from './testing/wait.js';

const NODES = [1, 2, 3];

const kafka = (b: RunningBroker, clientId: string) =>
  new Kafka({ brokers: [b.bootstrap], clientId, logLevel: logLevel.NOTHING, retry: { retries: 5 } });

/** The address of node `id`. */
const at = (b: RunningBroker, id: number) => {
  const n = b.nodes.find((x) => x.nodeId === id)!;
  return { host: n.host, port: n.port };
};

/** The first name `prefix-i` whose coordinator (by `coordinatorOf`) is `node`. */
function nameCoordinatedBy(prefix: string, node: number, coordinatorOf: (id: string) => number): string {
  for (let i = 0; ; i++) if (coordinatorOf(`${prefix}-${i}`) === node) return `${prefix}-${i}`;
}

const metadata = (b: RunningBroker, node: number, topics: string[] | null) =>
  rawRequest<MetadataResponse>(at(b, node), ApiKey.Metadata, 6, {
    topics: topics && topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
  });

describe('embedded broker with 3 nodes', () => {
  let b: RunningBroker;
  let admin: Admin;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, nodes: 3, initialRebalanceDelayMs: 0 });
    admin = kafka(b, 'mn-admin').admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await b?.close();
  });

  it('gives every node its own listener and lists all of them, with leaders spread over all', async () => {
    expect(b.nodes.map((n) => n.nodeId)).toEqual(NODES);
    expect(new Set(b.nodes.map((n) => n.port)).size).toBe(3);
    expect(b.bootstrapServers).toEqual(b.nodes.map((n) => `127.0.0.1:${n.port}`));
    expect(b.address).toEqual(at(b, 1));
    expect(b.bootstrap).toBe(b.bootstrapServers[0]);

    await admin.createTopics({ topics: [{ topic: 'mn-spread', numPartitions: 6 }] });
    for (const node of NODES) {
      // Every node tells the same story.
      const m = await metadata(b, node, ['mn-spread']);
      expect(m.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port }))).toEqual(
        b.nodes.map((n) => ({ nodeId: n.nodeId, host: '127.0.0.1', port: n.port })),
      );
      expect(NODES).toContain(m.controllerId);
      const partitions = m.topics[0]!.partitions;
      expect(partitions.map((p) => p.leaderId)).toEqual(partitions.map((p) => b.broker.cluster.leaderOf('mn-spread', p.partitionIndex)));
      expect(new Set(partitions.map((p) => p.leaderId))).toEqual(new Set(NODES));
      for (const p of partitions) {
        expect(p.replicaNodes).toEqual([p.leaderId]);
        expect(p.isrNodes).toEqual([p.leaderId]);
      }
    }
    // The coordinators' internal topics are spread the same way.
    const internal = await metadata(b, 2, ['__consumer_offsets', '__transaction_state']);
    for (const t of internal.topics) expect(new Set(t.partitions.map((p) => p.leaderId))).toEqual(new Set(NODES));
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((x) => x.nodeId).sort()).toEqual(NODES);
  });

  it('routes a kafkajs producer and consumer group across topics whose partitions have different leaders', async () => {
    await admin.createTopics({
      topics: [
        { topic: 'mn-orders', numPartitions: 3 },
        { topic: 'mn-payments', numPartitions: 2 },
      ],
    });
    const leaders = new Set(['mn-orders', 'mn-payments'].flatMap((t) => [0, 1, 2].slice(0, t === 'mn-orders' ? 3 : 2).map((p) => b.broker.cluster.leaderOf(t, p))));
    expect(leaders).toEqual(new Set(NODES));
    const groupId = nameCoordinatedBy('mn-rt', 3, (g) => b.broker.cluster.groupCoordinator(g));

    const producer = kafka(b, 'mn-producer').producer();
    await producer.connect();
    const sent: { topic: string; value: string; partition: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const [topic, partitions] = i % 2 ? ['mn-orders', 3] : ['mn-payments', 2];
      sent.push({ topic, value: `v${i}`, partition: Math.floor(i / 2) % partitions });
    }
    await producer.sendBatch({
      topicMessages: ['mn-orders', 'mn-payments'].map((topic) => ({
        topic,
        messages: sent.filter((m) => m.topic === topic).map(({ value, partition }) => ({ value, partition })),
      })),
      acks: -1,
    });
    await producer.disconnect();
    // The records are on the partitions the producer chose, each read back from its leader.
    const mo0 = await rawFetch(at(b, b.broker.cluster.leaderOf('mn-orders', 0)), 'mn-orders', 0, 0);
    expect(mo0.records.map((r) => r.value?.toString())).toEqual(sent.filter((m) => m.topic === 'mn-orders' && m.partition === 0).map((m) => m.value));

    const consumer = kafka(b, 'mn-consumer').consumer({ groupId, sessionTimeout: 10_000 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: ['mn-orders', 'mn-payments'], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    try {
      await waitFor('60 records consumed', () => seen.length >= 60);
      expect([...seen].sort()).toEqual(sent.map((m) => m.value).sort());
      // The commits went to node 3, the group's coordinator.
      const partitions = [...[0, 1, 2].map((p) => ['mn-orders', p] as const), ...[0, 1].map((p) => ['mn-payments', p] as const)];
      const committedSum = () => partitions.reduce((a, [t, p]) => a + (b.broker.offsets.get(groupId, t, p)?.offset ?? 0), 0);
      await waitFor('every offset committed', () => committedSum() === 60);
      expect(partitions.map(([t, p]) => b.broker.offsets.get(groupId, t, p)?.offset)).toEqual([10, 10, 10, 15, 15]);
      const offsets = await admin.fetchOffsets({ groupId, topics: ['mn-orders', 'mn-payments'] });
      const committed = offsets.flatMap((t) => t.partitions.map((p) => Number(p.offset)));
      expect(committed.reduce((a, c) => a + c, 0)).toBe(60);
    } finally {
      await consumer.disconnect();
    }
    const coordinator = await rawRequest<FindCoordinatorResponse>(at(b, 1), ApiKey.FindCoordinator, 2, { key: groupId, keyType: 0 });
    expect(coordinator).toMatchObject({ errorCode: 0, nodeId: 3, host: '127.0.0.1', port: at(b, 3).port });
  });

  it('commits a kafkajs transaction with sendOffsets to a group whose coordinator is not node 1', async () => {
    const cluster = b.broker.cluster;
    const groupId = nameCoordinatedBy('mn-eos-group', 2, (g) => cluster.groupCoordinator(g));
    const transactionalId = nameCoordinatedBy('mn-eos-txn', 3, (t) => cluster.transactionCoordinator(t));
    await admin.createTopics({ topics: [{ topic: 'mn-eos-in', numPartitions: 3 }, { topic: 'mn-eos-out', numPartitions: 3 }] });
    const producer = kafka(b, 'mn-eos').producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: 'mn-eos-out', messages: [0, 1, 2].map((p) => ({ partition: p, value: `out-${p}` })) });
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: 'mn-eos-in', partitions: [0, 1, 2].map((p) => ({ partition: p, offset: String(10 + p) })) }],
      });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    expect(b.broker.transactions.get(transactionalId)?.state).toBe('CompleteCommit');
    const offsets = await admin.fetchOffsets({ groupId, topics: ['mn-eos-in'] });
    expect(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '10'],
      [1, '11'],
      [2, '12'],
    ]);
    // read_committed sees the output on every partition, each read from its own leader.
    for (const p of [0, 1, 2]) {
      const leader = at(b, cluster.leaderOf('mn-eos-out', p));
      const res = await rawRequest<FetchResponse>(leader, ApiKey.Fetch, 11, fetchBody('mn-eos-out', p, 0, { isolationLevel: 1 }));
      const part = res.responses[0]!.partitions[0]!;
      expect(part.errorCode).toBe(0);
      expect(part.lastStableOffset).toBe(2); // the record and the COMMIT marker
    }
  });

  it('answers a partition request on the wrong node with NOT_LEADER_OR_FOLLOWER', async () => {
    await admin.createTopics({ topics: [{ topic: 'mn-wrong', numPartitions: 3 }] });
    const leader = b.broker.cluster.leaderOf('mn-wrong', 0);
    const other = NODES.find((n) => n !== leader)!;
    const produce = (node: number) =>
      rawRequest<ProduceResponse>(at(b, node), ApiKey.Produce, 7, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 'mn-wrong', partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ value: Buffer.from('x') }] }) }] }],
      }).then((r) => r.responses[0]!.partitionResponses[0]!);
    expect((await produce(other)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await produce(leader)).toMatchObject({ errorCode: 0, baseOffset: 0 });

    const fetched = await rawRequest<FetchResponse>(at(b, other), ApiKey.Fetch, 11, fetchBody('mn-wrong', 0, 0));
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const listed = await rawRequest<ListOffsetsResponse>(at(b, other), ApiKey.ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 'mn-wrong', partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
    });
    expect(listed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const onLeader = await rawRequest<ListOffsetsResponse>(at(b, leader), ApiKey.ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 'mn-wrong', partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
    });
    expect(onLeader.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: 1 });
    // An unknown partition is still UNKNOWN_TOPIC_OR_PARTITION, on any node.
    const unknown = await rawRequest<FetchResponse>(at(b, other), ApiKey.Fetch, 11, fetchBody('mn-wrong', 7, 0));
    expect(unknown.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers a coordinator request on the wrong node with NOT_COORDINATOR, and FindCoordinator from any node', async () => {
    const cluster = b.broker.cluster;
    const groupId = nameCoordinatedBy('mn-nc-group', 2, (g) => cluster.groupCoordinator(g));
    const transactionalId = nameCoordinatedBy('mn-nc-txn', 1, (t) => cluster.transactionCoordinator(t));
    for (const node of NODES) {
      const g = await rawRequest<FindCoordinatorResponse>(at(b, node), ApiKey.FindCoordinator, 1, { key: groupId, keyType: 0 });
      expect(g).toMatchObject({ errorCode: 0, nodeId: 2, port: at(b, 2).port });
      const t = await rawRequest<FindCoordinatorResponse>(at(b, node), ApiKey.FindCoordinator, 1, { key: transactionalId, keyType: 1 });
      expect(t).toMatchObject({ errorCode: 0, nodeId: 1, port: at(b, 1).port });
    }
    const join = await rawRequest<JoinGroupResponse>(at(b, 3), ApiKey.JoinGroup, 5, {
      groupId,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    expect(join.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const commit = (node: number) =>
      rawRequest<OffsetCommitResponse>(at(b, node), ApiKey.OffsetCommit, 2, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        retentionTimeMs: -1,
        topics: [{ name: 'mn-spread', partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: null }] }],
      }).then((r) => r.topics[0]!.partitions[0]!.errorCode);
    expect(await commit(1)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await commit(2)).toBe(0);
    const fetchOffsets = await rawRequest<OffsetFetchResponse>(at(b, 1), ApiKey.OffsetFetch, 5, { groupId, topics: null, requireStable: false });
    expect(fetchOffsets.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const init = (node: number) =>
      rawRequest<InitProducerIdResponse>(at(b, node), ApiKey.InitProducerId, 1, { transactionalId, transactionTimeoutMs: 60_000 });
    expect(await init(2)).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1 });
    expect((await init(1)).errorCode).toBe(0);
    // An idempotent producer's InitProducerId has no coordinator: any node.
    const idempotent = await rawRequest<InitProducerIdResponse>(at(b, 3), ApiKey.InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(idempotent.errorCode).toBe(0);
  });

  it('lists on each node only the groups and transactions it coordinates', async () => {
    const cluster = b.broker.cluster;
    const groups = NODES.map((n) => nameCoordinatedBy(`mn-list-${n}`, n, (g) => cluster.groupCoordinator(g)));
    for (const [i, groupId] of groups.entries()) {
      const res = await rawRequest<OffsetCommitResponse>(at(b, NODES[i]!), ApiKey.OffsetCommit, 2, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        retentionTimeMs: -1,
        topics: [{ name: 'mn-spread', partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: null }] }],
      });
      expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0);
    }
    const txnIds = NODES.map((n) => nameCoordinatedBy(`mn-list-txn-${n}`, n, (t) => cluster.transactionCoordinator(t)));
    for (const [i, transactionalId] of txnIds.entries()) {
      const r = await rawRequest<InitProducerIdResponse>(at(b, NODES[i]!), ApiKey.InitProducerId, 1, { transactionalId, transactionTimeoutMs: 60_000 });
      expect(r.errorCode).toBe(0);
    }
    const listedGroups = new Set<string>();
    const listedTxns = new Set<string>();
    for (const [i, node] of NODES.entries()) {
      const lg = await rawRequest<ListGroupsResponse>(at(b, node), ApiKey.ListGroups, 2, {});
      const ids = lg.groups.map((g) => g.groupId);
      expect(ids).toContain(groups[i]);
      for (const id of ids) {
        expect(cluster.groupCoordinator(id)).toBe(node);
        listedGroups.add(id);
      }
      const lt = await rawRequest<ListTransactionsResponse>(at(b, node), ApiKey.ListTransactions, 0, { stateFilters: [], producerIdFilters: [] });
      const tids = lt.transactionStates.map((t) => t.transactionalId);
      expect(tids).toContain(txnIds[i]);
      for (const id of tids) {
        expect(cluster.transactionCoordinator(id)).toBe(node);
        listedTxns.add(id);
      }
    }
    // Together the nodes list everything, once.
    expect([...listedGroups].sort()).toEqual(b.broker.groups.list().map((g) => g.groupId).sort());
    // kafkajs's listGroups asks every broker and merges.
    const viaKafkajs = (await admin.listGroups()).groups.map((g) => g.groupId);
    for (const g of groups) expect(viaKafkajs).toContain(g);
  });

  it('takes admin requests on any node and describes each broker on its own node', async () => {
    const created = await rawRequest<{ topics: { name: string; errorCode: number }[] }>(at(b, 3), ApiKey.CreateTopics, 3, {
      topics: [{ name: 'mn-admin', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(created.topics[0]).toMatchObject({ errorCode: 0 });
    // A manual assignment names the leader.
    await admin.createTopics({ topics: [{ topic: 'mn-manual', replicaAssignment: [{ partition: 0, replicas: [3] }, { partition: 1, replicas: [3] }] }] });
    const manual = await metadata(b, 1, ['mn-manual']);
    expect(manual.topics[0]!.partitions.map((p) => p.leaderId)).toEqual([3, 3]);

    const describe = (node: number, id: string) =>
      rawRequest<DescribeConfigsResponse>(at(b, node), ApiKey.DescribeConfigs, 1, {
        resources: [{ resourceType: 4, resourceName: id, configurationKeys: ['broker.id', 'advertised.listeners'] }],
        includeSynonyms: false,
      }).then((r) => r.results[0]!);
    const two = await describe(2, '2');
    expect(two.errorCode).toBe(0);
    expect(Object.fromEntries(two.configs.map((c) => [c.name, c.value]))).toEqual({
      'broker.id': '2',
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${at(b, 2).port}`,
    });
    expect((await describe(2, '1')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    // kafkajs sends a broker resource to that broker.
    const viaKafkajs = await admin.describeConfigs({ resources: [{ type: 4, name: '3', configNames: ['broker.id'] }], includeSynonyms: false });
    expect(viaKafkajs.resources[0]!.configEntries[0]).toMatchObject({ configName: 'broker.id', configValue: '3' });
  });
});

describe('multi-node ports and shutdown', () => {
  /**
   * A base port drawn at run time below the OS's ephemeral range (32768+ on Linux, 49152+
   * elsewhere): a port 0 answer lies inside it, where the ports just above are often taken by
   * outgoing connections. Taken ranges are retried.
   */
  const randomBase = () => 20_000 + Math.floor(Math.random() * 12_000);
  const refused = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });

  it('puts nodes on consecutive ports from an explicit one, and closes every listener', async () => {
    let b: RunningBroker | null = null;
    for (let attempt = 0; !b && attempt < 20; attempt++) {
      b = await startBroker({ port: randomBase(), nodes: 3, dataDir: null }).catch(() => null);
    }
    expect(b).not.toBeNull();
    const first = b!.address.port;
    expect(b!.nodes.map((n) => n.port)).toEqual([first, first + 1, first + 2]);
    for (const n of b!.nodes) expect((await metadata(b!, n.nodeId, [])).brokers).toHaveLength(3);
    await b!.close();
    for (const n of b!.nodes) expect(await refused(n.port)).toBe(true);
  });

  it('keeps one node as it was: node id 1, every leader and coordinator on it', async () => {
    const b = await startBroker({ port: 0, dataDir: null });
    try {
      expect(b.nodes).toEqual([{ nodeId: 1, host: '127.0.0.1', port: b.address.port }]);
      expect(b.bootstrapServers).toEqual([b.bootstrap]);
      const m = await rawRequest<MetadataResponse>(b.address, ApiKey.Metadata, 6, { topics: [{ name: 'one' }], allowAutoTopicCreation: true });
      expect(m.brokers.map((x) => x.nodeId)).toEqual([1]);
      expect(m.topics[0]!.partitions.map((p) => p.leaderId)).toEqual([1]);
      const t = await rawRequest<FindCoordinatorResponse>(b.address, ApiKey.FindCoordinator, 1, { key: 'any', keyType: 1 });
      expect(t).toMatchObject({ nodeId: 1, port: b.address.port });
    } finally {
      await b.close();
    }
  });
});
