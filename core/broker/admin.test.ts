import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import type {
  AlterConfigsResponse,
  CreatePartitionsResponse,
  CreateTopicsResponse,
  DeleteRecordsResponse,
  DeleteTopicsResponse,
  DescribeConfigsResponse,
} from '../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { TOPIC_CONFIGS } from './topic-configs.js';
import { rawRequest } from './testing/raw-client.js';
import { kafkajsErrorType } from './testing/kafkajs-error.js';

const TOPIC = 2;
const BROKER = 4;

const kafka = (b: RunningBroker, retries = 3) =>
  new Kafka({ brokers: [b.bootstrap], clientId: 'admin-test', logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 50 } });

const errorType = kafkajsErrorType;

describe('admin APIs (kafkajs)', () => {
  let b: RunningBroker;
  let admin: Admin;
  /** No retries: for calls expected to fail with a retriable error. */
  let strict: Admin;
  let producer: Producer;
  const raw = <T>(key: number, v: number, body: unknown) => rawRequest<T>(b.address, key, v, body);

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, defaultPartitions: 2 });
    admin = kafka(b).admin();
    strict = kafka(b, 0).admin();
    producer = kafka(b).producer();
    await Promise.all([admin.connect(), strict.connect(), producer.connect()]);
  });
  afterAll(async () => {
    await producer?.disconnect();
    await strict?.disconnect();
    await admin?.disconnect();
    await b?.close();
  });

  describe('CreateTopics', () => {
    it('creates topics with partitions and configs, and Metadata shows them', async () => {
      const created = await admin.createTopics({
        topics: [
          { topic: 'ct-three', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
          { topic: 'ct-default' },
        ],
      });
      expect(created).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['ct-three', 'ct-default'] });
      const byName = new Map(topics.map((t) => [t.name, t]));
      expect(byName.get('ct-three')?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      // numPartitions -1 (kafkajs' default) → the broker's num.partitions.
      expect(byName.get('ct-default')?.partitions).toHaveLength(2);
      expect(byName.get('ct-three')?.partitions[0]).toMatchObject({ leader: 1, replicas: [1], isr: [1] });
      expect(b.broker.topics.get('ct-three')?.configs).toEqual({ 'retention.ms': '3600000' });
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['ct-three', 'ct-default']));
    });

    it('validateOnly checks without creating', async () => {
      // waitForLeaders would look the (uncreated) topic up afterwards, against real Kafka too.
      const dry = { validateOnly: true, waitForLeaders: false };
      expect(await admin.createTopics({ ...dry, topics: [{ topic: 'ct-dry', numPartitions: 4 }] })).toBe(true);
      expect(b.broker.topics.get('ct-dry')).toBeUndefined();
      const bad = admin.createTopics({
        ...dry,
        topics: [{ topic: 'ct-dry', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
      });
      expect(await errorType(bad)).toBe('INVALID_CONFIG');
      expect(b.broker.topics.get('ct-dry')).toBeUndefined();
    });

    it('reports an existing topic (kafkajs answers false) with Kafka\'s message', async () => {
      await admin.createTopics({ topics: [{ topic: 'ct-exists' }] });
      expect(await admin.createTopics({ topics: [{ topic: 'ct-exists' }] })).toBe(false);
      const res = await raw<CreateTopicsResponse>(ApiKey.CreateTopics, 4, {
        topics: [{ name: 'ct-exists', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(res.topics).toHaveLength(1);
      expect(res.topics[0]).toMatchObject({ name: 'ct-exists', errorCode: 36, errorMessage: "Topic 'ct-exists' already exists." });
    });

    it('rejects an illegal name and an unknown config', async () => {
      expect(await errorType(admin.createTopics({ topics: [{ topic: 'bad name!' }] }))).toBe('INVALID_TOPIC_EXCEPTION');
      expect(
        await errorType(admin.createTopics({ topics: [{ topic: 'ct-cfg', configEntries: [{ name: 'no.such', value: '1' }] }] })),
      ).toBe('INVALID_CONFIG');
      expect(b.broker.topics.get('ct-cfg')).toBeUndefined();
    });

    it('refuses replication factor 3 on a single node with Kafka\'s message', async () => {
      const rf3 = admin.createTopics({ topics: [{ topic: 'ct-rf3', replicationFactor: 3 }] });
      expect(await errorType(rf3)).toBe('INVALID_REPLICATION_FACTOR');
      const res = await raw<CreateTopicsResponse>(ApiKey.CreateTopics, 1, {
        topics: [{ name: 'ct-rf3', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(res.topics[0]).toMatchObject({
        name: 'ct-rf3',
        errorCode: 38,
        errorMessage: 'Replication factor: 3 larger than available brokers: 1.',
      });
      expect(b.broker.topics.get('ct-rf3')).toBeUndefined();
    });

    it('takes the partition count from manual assignments and checks them; flags repeated names', async () => {
      const topic = (name: string, assignments: { partitionIndex: number; brokerIds: number[] }[]) => ({
        name,
        numPartitions: -1,
        replicationFactor: -1,
        assignments,
        configs: [],
      });
      const res = await raw<CreateTopicsResponse>(ApiKey.CreateTopics, 4, {
        topics: [
          topic('ct-assigned', [
            { partitionIndex: 1, brokerIds: [1] },
            { partitionIndex: 0, brokerIds: [1] },
          ]),
          topic('ct-elsewhere', [{ partitionIndex: 0, brokerIds: [2] }]),
          topic('ct-gap', [{ partitionIndex: 1, brokerIds: [1] }]),
          topic('ct-twice', []),
          topic('ct-twice', []),
        ],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(res.throttleTimeMs).toBe(0);
      expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([
        ['ct-assigned', 0],
        ['ct-elsewhere', 39],
        ['ct-gap', 39],
        ['ct-twice', 42],
      ]);
      expect(b.broker.topics.get('ct-assigned')?.partitions).toBe(2);
      expect(b.broker.topics.get('ct-twice')).toBeUndefined();
    });
  });

  describe('DeleteTopics', () => {
    it('deletes topics, and an unknown one is UNKNOWN_TOPIC_OR_PARTITION', async () => {
      await admin.createTopics({ topics: [{ topic: 'dt-gone' }, { topic: 'dt-stays' }] });
      await admin.deleteTopics({ topics: ['dt-gone'] });
      const names = await admin.listTopics();
      expect(names).toContain('dt-stays');
      expect(names).not.toContain('dt-gone');
      expect(await errorType(strict.deleteTopics({ topics: ['dt-never-was'] }))).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      const res = await raw<DeleteTopicsResponse>(ApiKey.DeleteTopics, 1, { topicNames: ['dt-stays', 'nope'], timeoutMs: 1000 });
      expect(res.responses.map((r) => [r.name, r.errorCode])).toEqual([
        ['dt-stays', 0],
        ['nope', 3],
      ]);
    });

    it('deletes the groups\' committed offsets with the topic, and refuses the coordinators\' internal topics', async () => {
      await admin.createTopics({ topics: [{ topic: 'dt-offsets', numPartitions: 2 }] });
      await admin.setOffsets({ groupId: 'dt-group', topic: 'dt-offsets', partitions: [{ partition: 0, offset: '0' }] });
      expect((await admin.fetchOffsets({ groupId: 'dt-group', topics: ['dt-offsets'] }))[0]?.partitions).toHaveLength(2);
      await admin.deleteTopics({ topics: ['dt-offsets'] });
      expect(b.broker.offsets.all('dt-group').has('dt-offsets')).toBe(false);
      const res = await raw<DeleteTopicsResponse>(ApiKey.DeleteTopics, 1, { topicNames: ['__consumer_offsets'], timeoutMs: 1000 });
      expect(res.responses[0]?.errorCode).toBe(42); // INVALID_REQUEST
      expect(b.broker.topics.get('__consumer_offsets')).toBeDefined();
    });
  });

  describe('CreatePartitions', () => {
    it('grows a topic, refuses to shrink it, and checks assignments', async () => {
      await admin.createTopics({ topics: [{ topic: 'cp-grow', numPartitions: 1 }] });
      await admin.createPartitions({ topicPartitions: [{ topic: 'cp-grow', count: 3 }] });
      const { topics } = await admin.fetchTopicMetadata({ topics: ['cp-grow'] });
      expect(topics[0]?.partitions).toHaveLength(3);
      expect(await errorType(admin.createPartitions({ topicPartitions: [{ topic: 'cp-grow', count: 2 }] }))).toBe(
        'INVALID_PARTITIONS',
      );
      await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'cp-grow', count: 5 }] });
      expect(b.broker.topics.get('cp-grow')?.partitions).toBe(3);

      const res = await raw<CreatePartitionsResponse>(ApiKey.CreatePartitions, 1, {
        topics: [
          { name: 'cp-grow', count: 2, assignments: null },
          { name: 'cp-grow-2', count: 2, assignments: null },
        ],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(res.results).toEqual([
        { name: 'cp-grow', errorCode: 37, errorMessage: 'Topic currently has 3 partitions, which is higher than the requested 2.' },
        { name: 'cp-grow-2', errorCode: 3, errorMessage: "Topic 'cp-grow-2' does not exist." },
      ]);
      const assigned = await raw<CreatePartitionsResponse>(ApiKey.CreatePartitions, 1, {
        topics: [{ name: 'cp-grow', count: 5, assignments: [{ brokerIds: [1] }] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(assigned.results[0]).toMatchObject({ errorCode: 39 });
      expect(b.broker.topics.get('cp-grow')?.partitions).toBe(3);
      const ok = await raw<CreatePartitionsResponse>(ApiKey.CreatePartitions, 0, {
        topics: [{ name: 'cp-grow', count: 4, assignments: [{ brokerIds: [1] }] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      expect(ok.results[0]).toEqual({ name: 'cp-grow', errorCode: 0, errorMessage: null });
      expect(b.broker.topics.partitions('cp-grow')).toHaveLength(4);
    });
  });

  describe('DescribeConfigs / AlterConfigs', () => {
    const describeTopic = async (name: string, includeSynonyms = true) => {
      const { resources } = await admin.describeConfigs({ resources: [{ type: TOPIC, name }], includeSynonyms });
      return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    };

    it('lists every topic config with its source: override vs default, with synonyms', async () => {
      await admin.createTopics({
        topics: [{ topic: 'dc-topic', configEntries: [{ name: 'retention.ms', value: '60000' }] }],
      });
      const entries = await describeTopic('dc-topic');
      expect([...entries.keys()].sort()).toEqual(TOPIC_CONFIGS.map((d) => d.name).sort());
      expect(entries.get('retention.ms')).toMatchObject({
        configValue: '60000',
        readOnly: false,
        isDefault: false,
        configSource: 1,
        isSensitive: false,
        // Kafka lists no broker synonym: log.retention.ms is unset, log.retention.hours gives the default.
        configSynonyms: [{ configName: 'retention.ms', configValue: '60000', configSource: 1 }],
      });
      expect(entries.get('cleanup.policy')).toMatchObject({
        configValue: 'delete',
        isDefault: true,
        configSource: 5,
        configSynonyms: [{ configName: 'log.cleanup.policy', configValue: 'delete', configSource: 5 }],
      });
      const plain = await describeTopic('dc-topic', false);
      expect(plain.get('retention.ms')?.configSynonyms).toEqual([]);

      const some = await admin.describeConfigs({
        resources: [{ type: TOPIC, name: 'dc-topic', configNames: ['segment.bytes', 'no.such.config'] }],
        includeSynonyms: false,
      });
      expect(some.resources[0]?.configEntries.map((e) => e.configName)).toEqual(['segment.bytes']);
    });

    it('answers v0 with isDefault, and an unknown topic with UNKNOWN_TOPIC_OR_PARTITION', async () => {
      const res = await raw<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 0, {
        resources: [
          { resourceType: TOPIC, resourceName: 'dc-topic', configurationKeys: ['retention.ms', 'segment.ms'] },
          { resourceType: TOPIC, resourceName: 'dc-missing', configurationKeys: null },
        ],
      });
      const [found, missing] = res.results;
      expect(found?.configs.map((c) => [c.name, c.value, c.isDefault])).toEqual([
        ['retention.ms', '60000', false],
        ['segment.ms', '604800000', true],
      ]);
      expect(missing).toMatchObject({ errorCode: 3, resourceName: 'dc-missing', configs: [] });
      expect(await errorType(strict.describeConfigs({ resources: [{ type: TOPIC, name: 'dc-missing' }], includeSynonyms: false }))).toBe(
        'UNKNOWN_TOPIC_OR_PARTITION',
      );
    });

    it('describes this broker read-only, and refuses another broker id', async () => {
      const { resources } = await admin.describeConfigs({ resources: [{ type: BROKER, name: '1' }], includeSynonyms: true });
      const entries = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
      // A KRaft broker always sets node.id, which Kafka copies to broker.id: a static setting.
      expect(entries.get('broker.id')).toMatchObject({ configValue: '1', readOnly: true, configSource: 4 });
      // Started with defaultPartitions 2: a static setting over the default of 1.
      expect(entries.get('num.partitions')).toMatchObject({
        configValue: '2',
        configSource: 4,
        configSynonyms: [
          { configName: 'num.partitions', configValue: '2', configSource: 4 },
          { configName: 'num.partitions', configValue: '1', configSource: 5 },
        ],
      });
      expect(entries.get('advertised.listeners')?.configValue).toBe(`PLAINTEXT://${b.bootstrap}`);
      expect(entries.get('log.dirs')?.configValue).toBeNull();
      const res = await raw<DescribeConfigsResponse>(ApiKey.DescribeConfigs, 1, {
        resources: [
          { resourceType: BROKER, resourceName: '7', configurationKeys: null },
          { resourceType: BROKER, resourceName: '', configurationKeys: null },
        ],
        includeSynonyms: false,
      });
      expect(res.results[0]).toMatchObject({
        errorCode: 42,
        errorMessage: 'Unexpected broker id, expected 1 or empty string, but received 7',
      });
      expect(res.results[1]).toMatchObject({ errorCode: 0, configs: [] });
    });

    it('AlterConfigs replaces all overrides; validateOnly and bad values change nothing', async () => {
      await admin.alterConfigs({
        validateOnly: true,
        resources: [{ type: TOPIC, name: 'dc-topic', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      });
      expect(b.broker.topics.get('dc-topic')?.configs).toEqual({ 'retention.ms': '60000' });

      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: TOPIC, name: 'dc-topic', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      });
      const entries = await describeTopic('dc-topic');
      expect(entries.get('cleanup.policy')).toMatchObject({ configValue: 'compact', configSource: 1 });
      // Not in the new set, so back to the default.
      expect(entries.get('retention.ms')).toMatchObject({ configValue: '604800000', configSource: 5 });

      const bad = admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: TOPIC, name: 'dc-topic', configEntries: [{ name: 'segment.bytes', value: '-5' }] }],
      });
      expect(await errorType(bad)).toBe('INVALID_CONFIG');
      expect(b.broker.topics.get('dc-topic')?.configs).toEqual({ 'cleanup.policy': 'compact' });

      const res = await raw<AlterConfigsResponse>(ApiKey.AlterConfigs, 1, {
        resources: [
          { resourceType: TOPIC, resourceName: 'dc-topic', configs: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: null }] },
          { resourceType: TOPIC, resourceName: 'dc-missing', configs: [] },
          { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] },
        ],
        validateOnly: false,
      });
      expect(res.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
        ['dc-topic', 0],
        ['dc-missing', 3],
        ['1', 42],
      ]);
      expect(b.broker.topics.get('dc-topic')?.configs).toEqual({ 'retention.ms': '1000' });
    });
  });

  describe('DeleteRecords', () => {
    it('moves the low watermark; fetchTopicOffsets and a consumer see only what is left', async () => {
      await admin.createTopics({ topics: [{ topic: 'dr-topic', numPartitions: 1 }] });
      await producer.send({ topic: 'dr-topic', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
      // kafkajs looks the leader up in its cached metadata before anything else.
      await admin.fetchTopicMetadata({ topics: ['dr-topic'] });
      await admin.deleteTopicRecords({ topic: 'dr-topic', partitions: [{ partition: 0, offset: '4' }] });
      expect(await admin.fetchTopicOffsets('dr-topic')).toEqual([
        expect.objectContaining({ partition: 0, low: '4', high: '10' }),
      ]);

      const consumer = kafka(b).consumer({ groupId: 'dr-group' });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: 'dr-topic', fromBeginning: true });
        const seen: number[] = [];
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ message }) => {
                seen.push(Number(message.offset));
                if (seen.length >= 6) resolve();
              },
            })
            .catch(reject);
        });
        expect(seen).toEqual([4, 5, 6, 7, 8, 9]);
      } finally {
        await consumer.disconnect();
      }
    });

    it('answers -1 (high watermark), out-of-range offsets and unknown partitions per partition', async () => {
      const del = (partitions: { partitionIndex: number; offset: number }[], name = 'dr-topic') =>
        raw<DeleteRecordsResponse>(ApiKey.DeleteRecords, 1, { topics: [{ name, partitions }], timeoutMs: 1000 });
      let res = await del([{ partitionIndex: 0, offset: 11 }]);
      expect(res.topics[0]?.partitions).toEqual([{ partitionIndex: 0, lowWatermark: -1, errorCode: 1 }]);
      res = await del([{ partitionIndex: 0, offset: -5 }]);
      expect(res.topics[0]?.partitions[0]?.errorCode).toBe(1);
      // Never lowers the log start offset.
      res = await del([{ partitionIndex: 0, offset: 2 }]);
      expect(res.topics[0]?.partitions[0]).toEqual({ partitionIndex: 0, lowWatermark: 4, errorCode: 0 });
      res = await del([
        { partitionIndex: 0, offset: -1 },
        { partitionIndex: 3, offset: 0 },
      ]);
      expect(res.topics[0]?.partitions).toEqual([
        { partitionIndex: 0, lowWatermark: 10, errorCode: 0 },
        { partitionIndex: 3, lowWatermark: -1, errorCode: 3 },
      ]);
      res = await del([{ partitionIndex: 0, offset: 0 }], 'dr-nope');
      expect(res.topics[0]?.partitions[0]?.errorCode).toBe(3);
      expect(await admin.fetchTopicOffsets('dr-topic')).toEqual([
        expect.objectContaining({ partition: 0, low: '10', high: '10' }),
      ]);
    });

    it('refuses compacted topics (POLICY_VIOLATION)', async () => {
      await admin.createTopics({
        topics: [{ topic: 'dr-compact', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      });
      const res = await raw<DeleteRecordsResponse>(ApiKey.DeleteRecords, 0, {
        topics: [{ name: 'dr-compact', partitions: [{ partitionIndex: 0, offset: -1 }] }],
        timeoutMs: 1000,
      });
      expect(res.topics[0]?.partitions[0]?.errorCode).toBe(44);
    });
  });
});

describe('admin state persistence', () => {
  it('brings created topics and their configs back after a restart on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sw-admin-'));
    try {
      let b = await startBroker({ port: 0, dataDir });
      let admin = kafka(b).admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          { topic: 'p-kept', numPartitions: 2, configEntries: [{ name: 'segment.bytes', value: '1048576' }] },
          { topic: 'p-altered' },
        ],
      });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: TOPIC, name: 'p-altered', configEntries: [{ name: 'retention.bytes', value: '5000000' }] }],
      });
      await admin.createPartitions({ topicPartitions: [{ topic: 'p-altered', count: 3 }] });
      await admin.disconnect();
      await b.close();

      b = await startBroker({ port: 0, dataDir });
      admin = kafka(b).admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: ['p-kept', 'p-altered'] });
        expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({ 'p-kept': 2, 'p-altered': 3 });
        const { resources } = await admin.describeConfigs({
          resources: [
            { type: TOPIC, name: 'p-kept', configNames: ['segment.bytes'] },
            { type: TOPIC, name: 'p-altered', configNames: ['retention.bytes'] },
          ],
          includeSynonyms: false,
        });
        const values = Object.fromEntries(
          resources.map((r) => [r.resourceName, r.configEntries.map((e) => [e.configValue, e.configSource])]),
        );
        expect(values).toEqual({ 'p-kept': [['1048576', 1]], 'p-altered': [['5000000', 1]] });
      } finally {
        await admin.disconnect();
        await b.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
