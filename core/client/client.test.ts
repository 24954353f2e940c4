import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ListOffsetsResponse, OffsetFetchResponse } from '../protocol/schema/generated/index.js';
import { KafkaClient } from './client.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';

async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `127.0.0.1:${port}`;
}

async function createTopic(bootstrap: string, topic: string, numPartitions: number): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }] });
  } finally {
    await admin.disconnect();
  }
}

function latestOffset(topic: string, partition: number) {
  return { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1 }] }] };
}

describe('KafkaClient on one node', () => {
  let b: RunningBroker;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    await createTopic(b.bootstrap, 'one-node', 3);
  });
  afterAll(async () => {
    await b.close();
  });

  it('bootstraps past an address nothing listens on, and learns the cluster', async () => {
    const client = new KafkaClient({ bootstrapServers: [await deadAddress(), b.bootstrap] });
    try {
      const md = await client.refreshMetadata(['one-node']);
      expect([...md.brokers.values()]).toEqual([{ nodeId: 1, host: '127.0.0.1', port: b.address.port, rack: null }]);
      expect(md.partitionCount('one-node')).toBe(3);
      expect(await client.leaderFor('one-node', 2)).toBe(1);
      expect(await client.coordinatorFor('group', 'some-group')).toBe(1);
    } finally {
      client.close();
    }
  });

  it('names every address it tried when no broker answers', async () => {
    const [a, c] = [await deadAddress(), await deadAddress()];
    const client = new KafkaClient({ bootstrapServers: [a, c], requestTimeoutMs: 300 });
    try {
      const err = await client.refreshMetadata().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaConnectionError);
      expect((err as Error).message).toContain(`cannot connect to ${a}: connection refused`);
      expect((err as Error).message).toContain(`cannot connect to ${c}: connection refused`);
    } finally {
      client.close();
    }
  });

  it('says which partition does not exist instead of waiting for it', async () => {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap], requestTimeoutMs: 1000 });
    try {
      await expect(client.leaderFor('one-node', 3)).rejects.toThrow('Metadata: UNKNOWN_TOPIC_OR_PARTITION (one-node has 3 partitions, not 4)');
      // A topic that does not exist (yet) is waited for, as Kafka's clients do, up to the request timeout.
      const missing = await client.leaderFor('no-such-topic', 0).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(KafkaResponseError);
      expect(missing).toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'Metadata: UNKNOWN_TOPIC_OR_PARTITION (no leader for no-such-topic-0 within 1000 ms)' });
    } finally {
      client.close();
    }
  });

  it('reconnects after the broker drops its connections', async () => {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap] });
    try {
      const leader = await client.leaderFor('one-node', 0);
      const before = await client.nodeConnection(leader);
      b.broker.closeConnections();
      await new Promise((r) => setTimeout(r, 100));
      expect(before.closed).toBe(true);
      const res = await client.nodeRequest<ListOffsetsResponse>(leader, ApiKey.ListOffsets, latestOffset('one-node', 0), { min: 1 });
      expect(res.topics[0]?.partitions[0]).toMatchObject({ errorCode: 0, offset: 0 });
    } finally {
      client.close();
    }
  });

  it('sends to a group coordinator and hands back the answer', async () => {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap] });
    try {
      const res = await client.coordinatorRequest<OffsetFetchResponse>(
        'group',
        'nobody-committed',
        ApiKey.OffsetFetch,
        { groupId: 'nobody-committed', topics: [{ name: 'one-node', partitionIndexes: [0] }], groups: [{ groupId: 'nobody-committed', topics: [{ name: 'one-node', partitionIndexes: [0] }] }] },
        { range: { min: 1, max: 7 }, errorOf: (r) => r.errorCode },
      );
      expect(res.errorCode).toBe(0);
      expect(res.topics[0]?.partitions[0]).toMatchObject({ partitionIndex: 0, committedOffset: -1 });
    } finally {
      client.close();
    }
  });
});

describe('KafkaClient on three nodes', () => {
  let b: RunningBroker;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, nodes: 3 });
    await createTopic(b.bootstrap, 'spread', 6);
  });
  afterAll(async () => {
    await b.close();
  });

  it('sends each partition request to that partition leader', async () => {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap] });
    try {
      await client.refreshMetadata(['spread']);
      expect(client.metadata.brokers.size).toBe(3);
      const leaders = await Promise.all([0, 1, 2, 3, 4, 5].map((p) => client.leaderFor('spread', p)));
      expect(new Set(leaders)).toEqual(new Set([1, 2, 3]));
      for (const [p, leader] of leaders.entries()) {
        const ok = await client.nodeRequest<ListOffsetsResponse>(leader, ApiKey.ListOffsets, latestOffset('spread', p), { min: 1 });
        expect(ok.topics[0]?.partitions[0]?.errorCode).toBe(0);
        // The same request on another node is refused, so routing is what made it work.
        const other = (leader % 3) + 1;
        const refused = await client.nodeRequest<ListOffsetsResponse>(other, ApiKey.ListOffsets, latestOffset('spread', p), { min: 1 });
        expect(refused.topics[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      }
    } finally {
      client.close();
    }
  });

  it('finds group coordinators on every node and follows one that is not the bootstrap node', async () => {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap] });
    try {
      const byNode = new Map<number, string>();
      for (let i = 0; byNode.size < 3 && i < 200; i++) byNode.set(await client.coordinatorFor('group', `g-${i}`), `g-${i}`);
      expect([...byNode.keys()].sort()).toEqual([1, 2, 3]);
      const groupId = byNode.get(3)!;
      const body = { groupId, topics: [{ name: 'spread', partitionIndexes: [0] }], groups: [{ groupId, topics: [{ name: 'spread', partitionIndexes: [0] }] }] };
      const refused = await client.nodeRequest<OffsetFetchResponse>(1, ApiKey.OffsetFetch, body, { min: 1, max: 7 });
      expect(refused.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      const res = await client.coordinatorRequest<OffsetFetchResponse>('group', groupId, ApiKey.OffsetFetch, body, {
        range: { min: 1, max: 7 },
        errorOf: (r) => r.errorCode,
      });
      expect(res.errorCode).toBe(0);
    } finally {
      client.close();
    }
  });
});
