// IncrementalAlterConfigs (44) as Kafka 4.x answers it, in raw requests: no third-party client
// available here sends it (kafkajs 2.2.4 and kafka-python 2.0.2 have no incremental API;
// Debian's confluent-kafka-python 1.7.0 predates incremental_alter_configs, added in 2.2.0).
// Results are checked through DescribeConfigs, also as kafkajs reads it.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import type {
  AlterConfigsResponse,
  ApiVersionsResponse,
  DescribeConfigsResponse,
  IncrementalAlterConfigsRequestAlterConfigsResourceInput as Resource,
  IncrementalAlterConfigsResponse,
} from '../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from './broker.js';
import { rawRequest } from './testing/raw-client.js';

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const GROUP = 32;
const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3];

type Op = [name: string, op: number, value: string | null];
const resource = (resourceType: number, resourceName: string, ops: Op[]): Resource => ({
  resourceType,
  resourceName,
  configs: ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
});

describe('IncrementalAlterConfigs', () => {
  let b: RunningBroker;
  let admin: Admin;
  const alter = (resources: Resource[], validateOnly = false, version = 1) =>
    rawRequest<IncrementalAlterConfigsResponse>(b.address, ApiKey.IncrementalAlterConfigs, version, { resources, validateOnly });
  /** The answer for one resource, as [errorCode, errorMessage]. */
  const alterOne = async (r: Resource, validateOnly = false) => {
    const { responses } = await alter([r], validateOnly);
    expect(responses).toHaveLength(1);
    return [responses[0]!.errorCode, responses[0]!.errorMessage];
  };
  /** A topic's overrides (DYNAMIC_TOPIC_CONFIG entries) as DescribeConfigs lists them. */
  const overrides = async (topic: string) => {
    const res = await rawRequest<DescribeConfigsResponse>(b.address, ApiKey.DescribeConfigs, 1, {
      resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: null }],
      includeSynonyms: false,
    });
    const set = res.results[0]!.configs.filter((c) => c.configSource === 1).map((c) => [c.name, c.value] as const);
    return Object.fromEntries(set);
  };

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    admin = new Kafka({ brokers: [b.bootstrap], clientId: 'iac-test', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await b?.close();
  });

  it('is advertised by ApiVersions as v0-1', async () => {
    const res = await rawRequest<ApiVersionsResponse>(b.address, ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(res.apiKeys.find((k) => k.apiKey === 44)).toMatchObject({ minVersion: 0, maxVersion: 1 });
  });

  it('SET and DELETE change only the named keys, at v0 and v1', async () => {
    await admin.createTopics({ topics: [{ topic: 'iac-set', configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
    expect(await alterOne(resource(TOPIC, 'iac-set', [['segment.ms', SET, '3600000'], ['max.message.bytes', SET, '2000']]))).toEqual([0, null]);
    expect(await overrides('iac-set')).toEqual({ 'retention.ms': '60000', 'segment.ms': '3600000', 'max.message.bytes': '2000' });

    const v0 = await alter([resource(TOPIC, 'iac-set', [['retention.ms', DELETE, null], ['no.such.config', DELETE, 'ignored']])], false, 0);
    expect(v0.responses).toEqual([{ resourceType: TOPIC, resourceName: 'iac-set', errorCode: 0, errorMessage: null }]);
    expect(await overrides('iac-set')).toEqual({ 'segment.ms': '3600000', 'max.message.bytes': '2000' });

    // kafkajs reads the result: retention.ms back at Kafka's default, segment.ms an override.
    const { resources } = await admin.describeConfigs({ resources: [{ type: TOPIC, name: 'iac-set' }], includeSynonyms: false });
    const entries = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '604800000', isDefault: true, configSource: 5 });
    expect(entries.get('segment.ms')).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
    // The limit is applied, not only stored.
    expect(b.broker.topics.get('iac-set')?.configs).toEqual({ 'segment.ms': '3600000', 'max.message.bytes': '2000' });
  });

  it('APPEND and SUBTRACT edit LIST configs, starting from Kafka\'s default', async () => {
    await admin.createTopics({ topics: [{ topic: 'iac-list' }] });
    expect(await alterOne(resource(TOPIC, 'iac-list', [['cleanup.policy', APPEND, 'compact']]))).toEqual([0, null]);
    expect(await overrides('iac-list')).toEqual({ 'cleanup.policy': 'delete,compact' });
    // Appending what is there already changes nothing.
    expect(await alterOne(resource(TOPIC, 'iac-list', [['cleanup.policy', APPEND, 'delete']]))).toEqual([0, null]);
    expect(await overrides('iac-list')).toEqual({ 'cleanup.policy': 'delete,compact' });
    expect(await alterOne(resource(TOPIC, 'iac-list', [['cleanup.policy', SUBTRACT, 'delete']]))).toEqual([0, null]);
    expect(await overrides('iac-list')).toEqual({ 'cleanup.policy': 'compact' });

    const throttled = 'leader.replication.throttled.replicas';
    expect(await alterOne(resource(TOPIC, 'iac-list', [[throttled, APPEND, '0:1,1:1'], ['follower.replication.throttled.replicas', APPEND, '*']]))).toEqual([0, null]);
    expect(await alterOne(resource(TOPIC, 'iac-list', [[throttled, APPEND, '2:1'], ['cleanup.policy', SUBTRACT, 'compact']]))).toEqual([0, null]);
    expect(await alterOne(resource(TOPIC, 'iac-list', [[throttled, SUBTRACT, '0:1']]))).toEqual([0, null]);
    expect(await overrides('iac-list')).toEqual({
      'cleanup.policy': '',
      [throttled]: '1:1,2:1',
      'follower.replication.throttled.replicas': '*',
    });
  });

  it('refuses APPEND and SUBTRACT on a non-LIST config with Kafka\'s INVALID_CONFIG, changing nothing', async () => {
    await admin.createTopics({ topics: [{ topic: 'iac-nonlist', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
    expect(await alterOne(resource(TOPIC, 'iac-nonlist', [['segment.ms', SET, '5000'], ['retention.ms', APPEND, '5']]))).toEqual([
      40,
      "Can't APPEND to key retention.ms because its type is not LIST.",
    ]);
    expect(await alterOne(resource(TOPIC, 'iac-nonlist', [['compression.type', SUBTRACT, 'gzip']]))).toEqual([
      40,
      "Can't SUBTRACT to key compression.type because its type is not LIST.",
    ]);
    expect(await alterOne(resource(TOPIC, 'iac-nonlist', [['no.such.config', APPEND, 'x']]))).toEqual([
      40,
      "Can't APPEND to key no.such.config because its type is not LIST.",
    ]);
    expect(await overrides('iac-nonlist')).toEqual({ 'retention.ms': '1000' });
  });

  it('validateOnly checks and answers without changing anything', async () => {
    await admin.createTopics({ topics: [{ topic: 'iac-validate' }] });
    expect(await alterOne(resource(TOPIC, 'iac-validate', [['cleanup.policy', SET, 'compact']]), true)).toEqual([0, null]);
    expect(await alterOne(resource(TOPIC, 'iac-validate', [['segment.bytes', SET, '5']]), true)).toEqual([
      40,
      'Invalid value 5 for configuration segment.bytes: Value must be at least 1048576',
    ]);
    expect(await overrides('iac-validate')).toEqual({});
    expect(b.broker.topics.get('iac-validate')?.configs).toEqual({});
  });

  it('checks the resulting set whole: bad values, unknown names, cross-config rules', async () => {
    await admin.createTopics({ topics: [{ topic: 'iac-check', configEntries: [{ name: 'max.compaction.lag.ms', value: '1000' }] }] });
    expect(await alterOne(resource(TOPIC, 'iac-check', [['retention.ms', SET, '5000'], ['message.timestamp.type', SET, 'Now']]))).toEqual([
      40,
      'Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
    ]);
    expect(await alterOne(resource(TOPIC, 'iac-check', [['retention.msec', SET, '5000']]))).toEqual([40, 'Unknown topic config name: retention.msec']);
    // min.compaction.lag.ms alone is fine; against the kept max.compaction.lag.ms it is not.
    expect(await alterOne(resource(TOPIC, 'iac-check', [['min.compaction.lag.ms', SET, '2000']]))).toEqual([
      40,
      'conflict topic config setting min.compaction.lag.ms (2000) > max.compaction.lag.ms (1000)',
    ]);
    expect(await overrides('iac-check')).toEqual({ 'max.compaction.lag.ms': '1000' });
  });

  it('answers per resource: unknown topic, duplicates, null values, names, types', async () => {
    await admin.createTopics({ topics: [{ topic: 'iac-errors' }] });
    const { responses } = await alter([
      resource(TOPIC, 'iac-missing', [['retention.ms', SET, '1000']]),
      resource(TOPIC, 'iac-errors', [['retention.ms', SET, '1000']]),
      resource(TOPIC, 'iac-dup', []),
      resource(TOPIC, 'iac-dup', []),
      resource(TOPIC, 'iac-keys', [['retention.ms', SET, '1'], ['retention.ms', DELETE, null]]),
      resource(TOPIC, 'iac-nulls', [['retention.ms', SET, null], ['segment.ms', APPEND, null], ['segment.bytes', DELETE, null]]),
      resource(TOPIC, '', []),
      resource(TOPIC, 'bad/name', []),
      resource(GROUP, 'g', [['consumer.session.timeout.ms', SET, '50000']]),
      resource(99, 'x', []),
    ]);
    expect(responses.map((r) => [r.resourceType, r.resourceName, r.errorCode, r.errorMessage])).toEqual([
      [TOPIC, 'iac-missing', 3, "The topic 'iac-missing' does not exist."],
      [TOPIC, 'iac-errors', 0, null],
      [TOPIC, 'iac-dup', 42, 'Each resource must appear at most once.'],
      [TOPIC, 'iac-dup', 42, 'Each resource must appear at most once.'],
      [TOPIC, 'iac-keys', 42, 'Error due to duplicate config keys'],
      [TOPIC, 'iac-nulls', 42, 'Null value not supported for : retention.ms, segment.ms'],
      [TOPIC, '', 42, 'Default topic resources are not allowed.'],
      [TOPIC, 'bad/name', 17, expect.stringContaining('illegal')],
      [GROUP, 'g', 42, 'Unexpected resource type GROUP.'],
      [99, 'x', 42, 'Unknown resource type 99'],
    ]);
    expect(await overrides('iac-errors')).toEqual({ 'retention.ms': '1000' });
    // A bad value outranks a missing topic, as the controller validates before it looks the topic up.
    expect(await alterOne(resource(TOPIC, 'iac-missing', [['retention.ms', SET, 'soon']]))).toEqual([
      40,
      'Invalid value soon for configuration retention.ms: Not a number of type LONG',
    ]);
  });

  it('AlterConfigs (33) shares the topic checks: a bad value outranks a missing topic, in Kafka\'s words', async () => {
    const legacy = async (resourceName: string, configs: { name: string; value: string | null }[]) => {
      const res = await rawRequest<AlterConfigsResponse>(b.address, ApiKey.AlterConfigs, 1, {
        resources: [{ resourceType: TOPIC, resourceName, configs }],
        validateOnly: false,
      });
      return [res.responses[0]!.errorCode, res.responses[0]!.errorMessage];
    };
    expect(await legacy('iac-gone', [{ name: 'retention.ms', value: '1000' }])).toEqual([3, "The topic 'iac-gone' does not exist."]);
    expect(await legacy('iac-gone', [{ name: 'retention.ms', value: 'x' }])).toEqual([
      40,
      'Invalid value x for configuration retention.ms: Not a number of type LONG',
    ]);
    expect(await legacy('', [])).toEqual([42, 'Default topic resources are not allowed.']);
  });

  it('refuses broker config changes as a Kafka broker refuses static configs', async () => {
    expect(await alterOne(resource(BROKER, '1', [['num.partitions', SET, '3'], ['log.retention.hours', SET, '1']]))).toEqual([
      42,
      'Cannot update these configs dynamically: Set(num.partitions, log.retention.hours)',
    ]);
    expect(await alterOne(resource(BROKER, '', [['log.cleanup.policy', APPEND, 'compact']]))).toEqual([
      42,
      'Cannot update these configs dynamically: Set(log.cleanup.policy)',
    ]);
    expect(await alterOne(resource(BROKER, '1', [['num.partitions', APPEND, '3']]))).toEqual([
      40,
      'Config value append is not allowed for config key: num.partitions',
    ]);
    expect(await alterOne(resource(BROKER, '1', [['my.custom.config', SET, 'x']]))).toEqual([
      42,
      'Dynamic broker configs are not supported by the embedded broker.',
    ]);
    expect(await alterOne(resource(BROKER, '1', [['num.partitions', 9, '3']]))).toEqual([42, 'Unknown operations type 9']);
    expect(await alterOne(resource(BROKER, '7', [['num.partitions', SET, '3']]))).toEqual([42, 'Unexpected broker id, expected 1, but received 7']);
    expect(await alterOne(resource(BROKER, 'one', []))).toEqual([42, 'Node id must be an integer, but it is: one']);
    // Deleting a dynamic config that is not set is no change, and Kafka accepts it.
    expect(await alterOne(resource(BROKER, '1', [['num.partitions', DELETE, null]]))).toEqual([0, null]);
    const { resources } = await admin.describeConfigs({ resources: [{ type: BROKER, name: '1', configNames: ['num.partitions'] }], includeSynonyms: false });
    expect(resources[0]!.configEntries[0]).toMatchObject({ configValue: '1', readOnly: true });
  });

  it('validates BROKER_LOGGER changes as Kafka does; the embedded broker has no log4j loggers', async () => {
    expect(await alterOne(resource(BROKER_LOGGER, '1', [['root', SET, 'DEBUG']]))).toEqual([40, 'Logger root does not exist!']);
    expect(await alterOne(resource(BROKER_LOGGER, '1', [['kafka.server', APPEND, 'DEBUG']]))).toEqual([
      42,
      'APPEND operation is not allowed for the BROKER_LOGGER resource',
    ]);
    expect(await alterOne(resource(BROKER_LOGGER, '1', [['root', SET, null]]))).toEqual([42, 'Null value not supported for : root']);
    expect(await alterOne(resource(BROKER_LOGGER, '2', [['root', SET, 'DEBUG']]))).toEqual([42, 'Unexpected node id. Expected 1, but received 1']);
    expect(await alterOne(resource(BROKER_LOGGER, '1', []))).toEqual([0, null]);
  });
});

describe('IncrementalAlterConfigs on a cluster of 3', () => {
  let b: RunningBroker;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, nodes: 3 });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('takes the node the request reached as "this broker", and topic changes are cluster-wide', async () => {
    const node3 = { host: b.nodes[2]!.host, port: b.nodes[2]!.port };
    const send = (resources: Resource[], at = node3) =>
      rawRequest<IncrementalAlterConfigsResponse>(at, ApiKey.IncrementalAlterConfigs, 1, { resources, validateOnly: false });
    const own = await send([resource(BROKER, '3', [['num.partitions', DELETE, null]]), resource(BROKER, '1', [])]);
    expect(own.responses.map((r) => [r.errorCode, r.errorMessage])).toEqual([
      [0, null],
      [42, 'Unexpected broker id, expected 3, but received 1'],
    ]);
    b.broker.topics.create('iac-cluster', 3);
    expect((await send([resource(TOPIC, 'iac-cluster', [['retention.ms', SET, '1000']])])).responses[0]?.errorCode).toBe(0);
    const res = await rawRequest<DescribeConfigsResponse>(b.address, ApiKey.DescribeConfigs, 1, {
      resources: [{ resourceType: TOPIC, resourceName: 'iac-cluster', configurationKeys: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(res.results[0]?.configs[0]).toMatchObject({ name: 'retention.ms', value: '1000', configSource: 1 });
  });
});
