// Topic and broker configs as third-party clients see them (issue 13): kafkajs and kafka-python
// create topics with any Kafka 4.0 topic config, describe all of them (Kafka's synonyms and
// order), alter them, describe the broker, and meet the configs the broker applies on produce.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CompressionTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressionOf, readBatchHeader } from '../protocol/records/index.js';
import { PYTHON, pythonCanImport } from '../testing/python-clients.js';
import { BROKER_CONFIGS } from './broker-configs.js';
import { startBroker, type RunningBroker } from './broker.js';
import { scalaHashMapOrder } from './config-order.js';
import { rawFetch } from './testing/raw-client.js';
import { TOPIC_CONFIGS } from './topic-configs.js';
import { kafkajsErrorType } from './testing/kafkajs-error.js';

const execFileP = promisify(execFile);
const TOPIC = 2;
const BROKER = 4;

const kafka = (b: RunningBroker, retries = 3) =>
  new Kafka({ brokers: [b.bootstrap], clientId: 'configs-test', logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 50 } });

const errorType = kafkajsErrorType;

/** Configs the broker used to refuse (only 9 were known), with non-default values. */
const FORMERLY_REFUSED = {
  'delete.retention.ms': '1000',
  'min.compaction.lag.ms': '10',
  'max.compaction.lag.ms': '100000',
  'message.timestamp.before.max.ms': '60000',
  'unclean.leader.election.enable': 'true',
  'file.delete.delay.ms': '5',
  'flush.messages': '10',
  'index.interval.bytes': '1024',
  preallocate: 'true',
};

describe('configs with kafkajs', () => {
  let b: RunningBroker;
  let admin: Admin;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, defaultPartitions: 1 });
    admin = kafka(b).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await b?.close();
  });

  const describeTopic = async (name: string, configNames?: string[]) => {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: TOPIC, name, ...(configNames ? { configNames } : {}) }],
      includeSynonyms: true,
    });
    return resources[0]!.configEntries;
  };

  it('creates a topic with any Kafka 4.0 topic config and describes all 33, in Kafka order', async () => {
    await admin.createTopics({
      topics: [{ topic: 'cfg-all', configEntries: Object.entries(FORMERLY_REFUSED).map(([name, value]) => ({ name, value })) }],
    });
    const entries = await describeTopic('cfg-all');
    expect(entries.map((e) => e.configName)).toEqual(scalaHashMapOrder(TOPIC_CONFIGS.map((d) => d.name)));
    expect(entries).toHaveLength(33);
    const byName = new Map(entries.map((e) => [e.configName, e]));
    for (const [name, value] of Object.entries(FORMERLY_REFUSED)) {
      expect(byName.get(name), name).toMatchObject({ configValue: value, configSource: 1, isDefault: false, readOnly: false });
    }
    expect(byName.get('message.timestamp.after.max.ms')).toMatchObject({ configValue: '3600000', configSource: 5, isDefault: true });
    expect(byName.get('min.cleanable.dirty.ratio')?.configValue).toBe('0.5');
    expect(byName.get('leader.replication.throttled.replicas')?.configValue).toBe('');
  });

  it("lists synonyms as Kafka: none behind retention.ms and segment.ms, the broker default behind the others", async () => {
    const entries = new Map((await describeTopic('cfg-all')).map((e) => [e.configName, e]));
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '604800000', configSource: 5, configSynonyms: [] });
    expect(entries.get('segment.ms')?.configSynonyms).toEqual([]);
    expect(entries.get('flush.ms')?.configSynonyms).toEqual([]);
    expect(entries.get('retention.bytes')?.configSynonyms).toEqual([{ configName: 'log.retention.bytes', configValue: '-1', configSource: 5 }]);
    expect(entries.get('delete.retention.ms')?.configSynonyms).toEqual([
      { configName: 'delete.retention.ms', configValue: '1000', configSource: 1 },
      { configName: 'log.cleaner.delete.retention.ms', configValue: '86400000', configSource: 5 },
    ]);
    expect(entries.get('max.message.bytes')?.configSynonyms).toEqual([{ configName: 'message.max.bytes', configValue: '1048588', configSource: 5 }]);
    expect(entries.get('remote.storage.enable')?.configSynonyms).toEqual([]);
  });

  it('answers named keys in the order of their own HashMap, and nothing for an unknown one', async () => {
    const asked = ['segment.ms', 'retention.ms', 'no.such.config', 'cleanup.policy'];
    const entries = await describeTopic('cfg-all', asked);
    expect(entries.map((e) => e.configName)).toEqual(scalaHashMapOrder(['segment.ms', 'retention.ms', 'cleanup.policy']));
  });

  it('refuses unknown names (4.0 removed message.timestamp.difference.max.ms) and bad values with INVALID_CONFIG', async () => {
    const create = (name: string, value: string) =>
      admin.createTopics({ topics: [{ topic: `cfg-bad-${name}`, configEntries: [{ name, value }] }] });
    expect(await errorType(create('message.timestamp.difference.max.ms', '1000'))).toBe('INVALID_CONFIG');
    expect(await errorType(create('segment.bytes', '1000'))).toBe('INVALID_CONFIG');
    expect(await errorType(create('min.cleanable.dirty.ratio', '1.5'))).toBe('INVALID_CONFIG');
    expect(await errorType(create('remote.storage.enable', 'true'))).toBe('INVALID_CONFIG');
    expect(b.broker.topics.list().filter((t) => t.name.startsWith('cfg-bad-'))).toEqual([]);
  });

  it('alters to formerly refused configs, checking them together', async () => {
    await admin.createTopics({ topics: [{ topic: 'cfg-alter' }] });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC, name: 'cfg-alter', configEntries: [{ name: 'min.compaction.lag.ms', value: '500' }, { name: 'preallocate', value: 'TRUE' }] }],
    });
    const entries = new Map((await describeTopic('cfg-alter')).map((e) => [e.configName, e]));
    expect(entries.get('min.compaction.lag.ms')).toMatchObject({ configValue: '500', configSource: 1 });
    // Described as Kafka's ConfigDef prints the parsed value.
    expect(entries.get('preallocate')).toMatchObject({ configValue: 'true', configSource: 1 });
    const conflict = admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC, name: 'cfg-alter', configEntries: [{ name: 'min.compaction.lag.ms', value: '500' }, { name: 'max.compaction.lag.ms', value: '400' }] }],
    });
    expect(await errorType(conflict)).toBe('INVALID_CONFIG');
    expect(b.broker.topics.get('cfg-alter')?.configs).toEqual({ 'min.compaction.lag.ms': '500', preallocate: 'TRUE' });
  });

  it('describes the broker configs clients ask for, with the values this broker uses', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: BROKER, name: '1' }], includeSynonyms: true });
    const entries = resources[0]!.configEntries;
    expect(entries).toHaveLength(BROKER_CONFIGS.length);
    expect(entries.map((e) => e.configName)).toEqual(scalaHashMapOrder(BROKER_CONFIGS.map((d) => d.name), 512));
    const byName = new Map(entries.map((e) => [e.configName, e]));
    expect(byName.get('default.replication.factor')).toMatchObject({ configValue: '1', configSource: 5, readOnly: true });
    expect(byName.get('offsets.topic.replication.factor')).toMatchObject({
      configValue: '1',
      configSource: 4,
      configSynonyms: [
        { configName: 'offsets.topic.replication.factor', configValue: '1', configSource: 4 },
        { configName: 'offsets.topic.replication.factor', configValue: '3', configSource: 5 },
      ],
    });
    expect(byName.get('log.retention.hours')).toMatchObject({
      configValue: '168',
      configSynonyms: [{ configName: 'log.retention.hours', configValue: '168', configSource: 5 }],
    });
    expect(byName.get('log.retention.ms')).toMatchObject({ configValue: null, configSource: 5, configSynonyms: [] });
    expect(byName.get('node.id')).toMatchObject({ configValue: '1', configSource: 4 });
    expect(byName.get('message.max.bytes')?.configValue).toBe('1048588');
    expect(byName.get('transaction.max.timeout.ms')?.configValue).toBe('900000');

    const asked = await admin.describeConfigs({
      resources: [{ type: BROKER, name: '1', configNames: ['default.replication.factor', 'no.such.broker.config', 'num.partitions'] }],
      includeSynonyms: false,
    });
    expect(asked.resources[0]!.configEntries.map((e) => [e.configName, e.configValue])).toEqual(
      scalaHashMapOrder(['default.replication.factor', 'num.partitions']).map((n) => [n, '1']),
    );
  });

  describe('applied on produce', () => {
    it('message.timestamp.before.max.ms / after.max.ms reject CreateTime records out of range with INVALID_TIMESTAMP', async () => {
      await admin.createTopics({ topics: [{ topic: 'cfg-ts', configEntries: [{ name: 'message.timestamp.before.max.ms', value: '60000' }] }] });
      const producer = kafka(b, 0).producer();
      await producer.connect();
      try {
        const send = (timestamp: number) => producer.send({ topic: 'cfg-ts', messages: [{ value: 'x', timestamp: String(timestamp) }] });
        const [ok] = await send(Date.now() - 30_000);
        expect(ok?.errorCode).toBe(0);
        expect(await errorType(send(Date.now() - 120_000))).toBe('INVALID_TIMESTAMP');
        // after.max.ms: one hour by default in Kafka 4.0.
        expect(await errorType(send(Date.now() + 2 * 3_600_000))).toBe('INVALID_TIMESTAMP');
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: TOPIC, name: 'cfg-ts', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }],
        });
        const [stamped] = await send(Date.now() - 120_000);
        expect(stamped?.errorCode).toBe(0);
        expect(b.broker.topics.partition('cfg-ts', 0)?.log.logEndOffset).toBe(2);
      } finally {
        await producer.disconnect();
      }
    });

    it('min.insync.replicas above 1 fails acks=all with NOT_ENOUGH_REPLICAS, not acks=1', async () => {
      await admin.createTopics({ topics: [{ topic: 'cfg-isr', configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
      const producer = kafka(b, 0).producer({ retry: { retries: 0 } });
      await producer.connect();
      try {
        expect(await errorType(producer.send({ topic: 'cfg-isr', acks: -1, messages: [{ value: 'x' }] }))).toBe('NOT_ENOUGH_REPLICAS');
        const [ok] = await producer.send({ topic: 'cfg-isr', acks: 1, messages: [{ value: 'x' }] });
        expect(ok?.errorCode).toBe(0);
      } finally {
        await producer.disconnect();
      }
    });

    it('compression.type stores batches in the topic codec, whatever the producer sent', async () => {
      await admin.createTopics({
        topics: [
          { topic: 'cfg-gzip', configEntries: [{ name: 'compression.type', value: 'gzip' }] },
          { topic: 'cfg-plain', configEntries: [{ name: 'compression.type', value: 'uncompressed' }] },
        ],
      });
      const producer = kafka(b).producer({ idempotent: true });
      await producer.connect();
      try {
        for (const round of [0, 1]) {
          await producer.send({ topic: 'cfg-gzip', messages: [{ key: 'k', value: `plain-${round}`, headers: { h: 'v' } }] });
          await producer.send({ topic: 'cfg-plain', compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: `gzipped-${round}` }] });
        }
      } finally {
        await producer.disconnect();
      }
      const gz = await rawFetch(b.address, 'cfg-gzip', 0, 0);
      expect(compressionOf(readBatchHeader(gz.partition.records!).attributes)).toBe('gzip');
      expect(gz.records.map((r) => [r.offset, r.value?.toString(), r.headers[0]?.value?.toString()])).toEqual([
        [0, 'plain-0', 'v'],
        [1, 'plain-1', 'v'],
      ]);
      const plain = await rawFetch(b.address, 'cfg-plain', 0, 0);
      expect(compressionOf(readBatchHeader(plain.partition.records!).attributes)).toBe('none');
      expect(plain.records.map((r) => r.value?.toString())).toEqual(['gzipped-0', 'gzipped-1']);
    });

    it('cleanup.policy compact refuses keyless records with INVALID_RECORD', async () => {
      await admin.createTopics({ topics: [{ topic: 'cfg-compact', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
      const producer = kafka(b, 0).producer();
      await producer.connect();
      try {
        expect(await errorType(producer.send({ topic: 'cfg-compact', messages: [{ value: 'no key' }] }))).toBe('INVALID_RECORD');
        const [ok] = await producer.send({ topic: 'cfg-compact', messages: [{ key: 'k', value: 'keyed' }] });
        expect(ok?.errorCode).toBe(0);
      } finally {
        await producer.disconnect();
      }
    });
  });
});

describe('broker settings behind topic defaults', () => {
  it('a broker flushing every append shows log.flush.interval.messages 1, statically, and every topic inherits it', async () => {
    const b = await startBroker({ port: 0, dataDir: null, flush: { mode: 'always' } });
    const admin = kafka(b).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'cfg-flush' }] });
      const { resources } = await admin.describeConfigs({
        resources: [
          { type: TOPIC, name: 'cfg-flush', configNames: ['flush.messages', 'flush.ms'] },
          { type: BROKER, name: '1', configNames: ['log.flush.interval.messages'] },
        ],
        includeSynonyms: true,
      });
      const topic = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
      const staticFlush = { configName: 'log.flush.interval.messages', configValue: '1', configSource: 4 };
      expect(topic.get('flush.messages')).toMatchObject({
        configValue: '1',
        configSource: 4,
        configSynonyms: [staticFlush, { configName: 'log.flush.interval.messages', configValue: '9223372036854775807', configSource: 5 }],
      });
      expect(topic.get('flush.ms')).toMatchObject({ configValue: '9223372036854775807', configSource: 5, configSynonyms: [] });
      expect(resources[1]!.configEntries[0]).toMatchObject({ configValue: '1', configSource: 4 });
    } finally {
      await admin.disconnect();
      await b.close();
    }
  });
});

const KAFKA_PYTHON_SCRIPT = `
import json, sys, time
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic, ConfigResource, ConfigResourceType
boot = sys.argv[1]
formerly_refused = json.loads(sys.argv[2])
out = {}
admin = KafkaAdminClient(bootstrap_servers=boot, client_id='configs-test')

def create(name, configs):
    try:
        admin.create_topics([NewTopic(name, 1, 1, topic_configs=configs)])
        return 'ok'
    except Exception as e:
        return type(e).__name__

out['create'] = create('kp-all', formerly_refused)
out['create_gzip'] = create('kp-gzip', {'compression.type': 'gzip'})
out['create_removed'] = create('kp-removed', {'message.timestamp.difference.max.ms': '1000'})
out['create_bad'] = create('kp-bad', {'flush.messages': '0'})

def entries(resource):
    res = admin.describe_configs([resource], include_synonyms=True)[0].resources[0]
    # v1+: (name, value, read_only, config_source, is_sensitive, synonyms)
    return [[e[0], e[1], e[3], [list(s) for s in e[5]]] for e in res[4]]

out['topic'] = entries(ConfigResource(ConfigResourceType.TOPIC, 'kp-all'))
out['broker'] = entries(ConfigResource(ConfigResourceType.BROKER, '1', configs={'default.replication.factor': None, 'no.such.config': None}))
alter = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-all', configs={'segment.jitter.ms': '100', 'message.timestamp.before.max.ms': '60000'})])
out['alter'] = [r[0] for r in alter.resources]
out['after_alter'] = entries(ConfigResource(ConfigResourceType.TOPIC, 'kp-all', configs={'segment.jitter.ms': None, 'delete.retention.ms': None}))
admin.close()

p = KafkaProducer(bootstrap_servers=boot, retries=0, request_timeout_ms=15000)
for i in range(3):
    p.send('kp-gzip', value=('kp-%d' % i).encode()).get(timeout=15)
def send(ts):
    try:
        p.send('kp-all', value=b'v', key=b'k', timestamp_ms=ts).get(timeout=15)
        return 'ok'
    except Exception as e:
        return type(e).__name__
now = int(time.time() * 1000)
out['produce'] = [send(now - 1000), send(now - 120000)]
p.close()
print(json.dumps(out))
`;

describe('configs with kafka-python', () => {
  let b: RunningBroker;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
  });
  afterAll(async () => {
    await b?.close();
  });

  // Skipped where /usr/bin/python3 cannot import kafka-python (CI installs Debian's python3-kafka).
  it.runIf(pythonCanImport('kafka'))('kafka-python 2.0.2: create_topics with topic_configs, describe_configs, alter_configs, produce', async () => {
    const { stdout } = await execFileP(PYTHON, ['-c', KAFKA_PYTHON_SCRIPT, b.bootstrap, JSON.stringify(FORMERLY_REFUSED)], { timeout: 60_000 });
    const out = JSON.parse(stdout) as {
      create: string;
      create_removed: string;
      create_bad: string;
      topic: [string, string | null, number, [string, string | null, number][]][];
      broker: [string, string | null, number, unknown[]][];
      alter: number[];
      after_alter: [string, string | null, number, unknown[]][];
      produce: string[];
      create_gzip: string;
    };
    expect(out.create).toBe('ok');
    expect(out.create_removed).toBe('InvalidConfigurationError');
    expect(out.create_bad).toBe('InvalidConfigurationError');

    expect(out.topic.map((e) => e[0])).toEqual(scalaHashMapOrder(TOPIC_CONFIGS.map((d) => d.name)));
    const topic = new Map(out.topic.map((e) => [e[0], e]));
    for (const [name, value] of Object.entries(FORMERLY_REFUSED)) expect(topic.get(name)?.slice(1, 3), name).toEqual([value, 1]);
    expect(topic.get('retention.ms')).toEqual(['retention.ms', '604800000', 5, []]);
    expect(topic.get('flush.messages')?.[3]).toEqual([
      ['flush.messages', '10', 1],
      ['log.flush.interval.messages', '9223372036854775807', 5],
    ]);

    expect(out.broker).toEqual([['default.replication.factor', '1', 5, [['default.replication.factor', '1', 5]]]]);

    expect(out.alter).toEqual([0]);
    // AlterConfigs replaces the whole set: delete.retention.ms is back to its default.
    expect(new Map(out.after_alter.map((e) => [e[0], e.slice(1, 3)]))).toEqual(
      new Map([
        ['segment.jitter.ms', ['100', 1]],
        ['delete.retention.ms', ['86400000', 5]],
      ]),
    );
    expect(out.produce).toEqual(['ok', 'InvalidTimestampError']);
    expect(out.create_gzip).toBe('ok');
    const gz = await rawFetch(b.address, 'kp-gzip', 0, 0);
    expect(compressionOf(readBatchHeader(gz.partition.records!).attributes)).toBe('gzip');
    expect(gz.records.map((r) => r.value?.toString())).toEqual(['kp-0', 'kp-1', 'kp-2']);
  });
});
