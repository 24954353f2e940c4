// The broker-level configs DescribeConfigs reports for a node, as a table: Kafka 4.0's name, type
// and default, and the value this broker actually uses (absent: Kafka's default, which this broker
// follows). A value that differs from Kafka's default counts as set in the broker's static config
// (STATIC_BROKER_CONFIG), as if written in server.properties. The table covers the configs that
// matter to clients and consoles and every broker-side default of a topic config (see
// topic-configs.ts); Kafka's full list (several hundred: SSL, quotas, KRaft internals, …) is not
// reproduced. All read-only: the embedded broker has no dynamic broker configs.
import type { Broker, BrokerOptions } from './broker.js';
import type { BrokerNode } from './cluster.js';
import { LONG_MAX_STRING, type ConfigDef as TopicConfigDef, type ConfigType } from './topic-configs.js';

/** Kafka's DescribeConfigsResponse.ConfigSource ids. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export interface BrokerConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka 4.0's default as DescribeConfigs shows it; null when Kafka has none. */
  readonly kafkaDefault: string | null;
  readonly doc: string;
  /** The value in effect on `node`; absent: Kafka's default. */
  readonly value?: (broker: Broker, node: BrokerNode) => string | null;
  /** Whether the broker counts as configured with it; absent: its value differs from Kafka's default. */
  readonly isSet?: (broker: Broker, node: BrokerNode) => boolean;
}

/** A value read from the broker's options. */
const option =
  <K extends keyof BrokerOptions>(key: K, show: (v: BrokerOptions[K]) => string | null = String) =>
  (b: Broker) =>
    show(b.options[key]);

const def = (
  name: string,
  type: ConfigType,
  kafkaDefault: string | null,
  doc: string,
  value?: BrokerConfigDef['value'],
  isSet?: BrokerConfigDef['isSet'],
): BrokerConfigDef => ({ name, type, kafkaDefault, doc, ...(value ? { value } : {}), ...(isSet ? { isSet } : {}) });

const always = () => true;
const flushEvery = (b: Broker) => (b.options.flush.mode === 'always' ? '1' : LONG_MAX_STRING);
const flushInterval = (b: Broker) => (b.options.flush.mode === 'interval' ? String(b.options.flush.ms) : null);

export const BROKER_CONFIGS: readonly BrokerConfigDef[] = [
  // Identity and listeners. A KRaft broker is always configured with node.id (broker.id is its synonym).
  def('node.id', 'int', '-1', 'the node id of this broker', (_b, n) => String(n.nodeId), always),
  def('broker.id', 'int', '-1', 'the node id of this broker (node.id)', (_b, n) => String(n.nodeId), always),
  def('process.roles', 'list', '', 'one process is broker and controller', () => 'broker,controller', always),
  def('listeners', 'list', 'PLAINTEXT://:9092', 'the listeners this node bound', (_b, n) =>
    n.listeners.map((l) => `${l.name}://${l.bound.host}:${l.bound.port}`).join(','), always),
  // Kafka's default is null: advertise the listener actually bound. Set only when the broker was given an address.
  def('advertised.listeners', 'list', null, 'the addresses Metadata tells clients to dial, one per listener',
    (_b, n) => n.listeners.map((l) => `${l.name}://${l.advertised.host}:${l.advertised.port}`).join(','),
    (b) => b.options.advertisedHost !== undefined || b.options.advertisedPort !== undefined),
  def('sasl.enabled.mechanisms', 'list', 'GSSAPI', 'the mechanisms the SASL_PLAINTEXT listeners enable', option('saslMechanisms', (m) => m.join(','))),
  def('connection.failed.authentication.delay.ms', 'int', '100', 'delay before a failed authentication is answered and closed',
    option('failedAuthenticationDelayMs')),
  def('socket.request.max.bytes', 'int', '104857600', 'largest request frame accepted', option('socketRequestMaxBytes')),
  def('log.dirs', 'list', null, 'directory of the logs and the topic catalogue; null = in memory', option('dataDir', (d) => d)),

  // Topics.
  def('auto.create.topics.enable', 'boolean', 'true', 'create unknown topics on Metadata requests', option('autoCreateTopics')),
  def('num.partitions', 'int', '1', 'partitions of auto-created topics and of CreateTopics with -1', option('defaultPartitions')),
  def('default.replication.factor', 'int', '1', 'one replica per partition (no replication)'),
  def('delete.topic.enable', 'boolean', 'true', 'DeleteTopics is served'),
  def('min.insync.replicas', 'int', '1', 'default of the topic config'),
  def('unclean.leader.election.enable', 'boolean', 'false', 'default of the topic config'),
  def('message.max.bytes', 'int', '1048588', 'default of max.message.bytes'),
  def('compression.type', 'string', 'producer', 'default of the topic config'),
  def('compression.gzip.level', 'int', '-1', 'default of the topic config'),
  def('compression.lz4.level', 'int', '9', 'default of the topic config'),
  def('compression.zstd.level', 'int', '3', 'default of the topic config'),

  // Logs: the broker-side defaults of the topic configs.
  def('log.segment.bytes', 'int', '1073741824', 'default of segment.bytes'),
  def('log.roll.ms', 'long', null, 'default of segment.ms (else log.roll.hours)'),
  def('log.roll.hours', 'int', '168', 'default of segment.ms, in hours'),
  def('log.roll.jitter.ms', 'long', null, 'default of segment.jitter.ms (else log.roll.jitter.hours)'),
  def('log.roll.jitter.hours', 'int', '0', 'default of segment.jitter.ms, in hours'),
  def('log.retention.ms', 'long', null, 'default of retention.ms (else log.retention.minutes, log.retention.hours)'),
  def('log.retention.minutes', 'int', null, 'default of retention.ms, in minutes (else log.retention.hours)'),
  def('log.retention.hours', 'int', '168', 'default of retention.ms, in hours'),
  def('log.retention.bytes', 'long', '-1', 'default of retention.bytes'),
  def('log.retention.check.interval.ms', 'long', '300000', 'how often retention is enforced', option('retentionCheckIntervalMs')),
  def('log.cleanup.policy', 'list', 'delete', 'default of cleanup.policy'),
  def('log.cleaner.enable', 'boolean', 'true', 'there is no log cleaner: nothing is compacted', () => 'false'),
  def('log.cleaner.delete.retention.ms', 'long', '86400000', 'default of delete.retention.ms'),
  def('log.cleaner.min.compaction.lag.ms', 'long', '0', 'default of min.compaction.lag.ms'),
  def('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX_STRING, 'default of max.compaction.lag.ms'),
  def('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'default of min.cleanable.dirty.ratio'),
  def('log.index.size.max.bytes', 'int', '10485760', 'default of segment.index.bytes'),
  def('log.index.interval.bytes', 'int', '4096', 'default of index.interval.bytes'),
  // The broker-wide flush policy: "always" is an fsync per append, "interval" one per that many ms.
  def('log.flush.interval.messages', 'long', LONG_MAX_STRING, 'default of flush.messages (the flush policy)', flushEvery),
  def('log.flush.interval.ms', 'long', null, 'default of flush.ms (the flush policy)', flushInterval),
  def('log.flush.scheduler.interval.ms', 'long', LONG_MAX_STRING, 'default of flush.ms when log.flush.interval.ms is unset'),
  def('log.segment.delete.delay.ms', 'long', '60000', 'default of file.delete.delay.ms'),
  def('log.preallocate', 'boolean', 'false', 'default of preallocate'),
  def('log.message.timestamp.type', 'string', 'CreateTime', 'default of message.timestamp.type'),
  def('log.message.timestamp.before.max.ms', 'long', LONG_MAX_STRING, 'default of message.timestamp.before.max.ms'),
  def('log.message.timestamp.after.max.ms', 'long', '3600000', 'default of message.timestamp.after.max.ms'),
  def('log.local.retention.ms', 'long', '-2', 'default of local.retention.ms'),
  def('log.local.retention.bytes', 'long', '-2', 'default of local.retention.bytes'),
  def('remote.log.storage.system.enable', 'boolean', 'false', 'no tiered storage'),

  // Coordinators.
  def('offsets.topic.num.partitions', 'int', '50', 'partitions of __consumer_offsets', option('offsetsTopicPartitions')),
  def('offsets.topic.replication.factor', 'short', '3', 'one replica per partition', () => '1'),
  def('transaction.state.log.num.partitions', 'int', '50', 'partitions of __transaction_state', option('offsetsTopicPartitions')),
  def('transaction.state.log.replication.factor', 'short', '3', 'one replica per partition', () => '1'),
  def('transaction.max.timeout.ms', 'int', '900000', 'largest transaction timeout InitProducerId accepts', option('transactionMaxTimeoutMs')),
  def('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', '10000', 'how often transactions are checked against their timeout',
    option('transactionAbortCheckIntervalMs')),
  def('group.coordinator.rebalance.protocols', 'list', 'classic,consumer', 'only the classic group protocol is served', () => 'classic'),
  def('group.initial.rebalance.delay.ms', 'int', '3000', 'wait for more members before the first rebalance of an empty group',
    option('initialRebalanceDelayMs')),
  def('group.min.session.timeout.ms', 'int', '6000', 'smallest session timeout JoinGroup accepts', option('minSessionTimeoutMs')),
  def('group.max.session.timeout.ms', 'int', '1800000', 'largest session timeout JoinGroup accepts', option('maxSessionTimeoutMs')),
];

const byName = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));

export function brokerConfigDef(name: string): BrokerConfigDef | undefined {
  return byName.get(name);
}

export function brokerConfigValue(d: BrokerConfigDef, broker: Broker, node: BrokerNode): string | null {
  return d.value ? d.value(broker, node) : d.kafkaDefault;
}

export function brokerConfigIsSet(d: BrokerConfigDef, broker: Broker, node: BrokerNode): boolean {
  return d.isSet ? d.isSet(broker, node) : brokerConfigValue(d, broker, node) !== d.kafkaDefault;
}

/** DynamicBrokerConfig.brokerConfigSynonyms: the names that set the same thing, highest priority first. */
export function brokerConfigSynonyms(name: string): readonly string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms': // log.flush.scheduler.interval.ms is its default, not the other way round
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

export interface SynonymEntry {
  name: string;
  value: string | null;
  source: number;
}

/**
 * ConfigHelper.configSynonyms: the synonyms of `name` that are set statically, then those with a
 * default, each in `synonyms` order, then everything before the first entry for `name` itself
 * dropped — which is why retention.ms lists none (log.retention.hours supplies the default).
 */
export function configSynonyms(name: string, synonyms: readonly string[], broker: Broker, node: BrokerNode): SynonymEntry[] {
  const out: SynonymEntry[] = [];
  for (const s of synonyms) {
    const d = byName.get(s);
    if (d && brokerConfigIsSet(d, broker, node)) out.push({ name: s, value: brokerConfigValue(d, broker, node), source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  for (const s of synonyms) {
    const d = byName.get(s);
    if (d && d.kafkaDefault !== null) out.push({ name: s, value: d.kafkaDefault, source: ConfigSource.DEFAULT_CONFIG });
  }
  const first = out.findIndex((e) => e.name === name);
  return first === -1 ? [] : out.slice(first);
}

const UNIT_MS: readonly [string, number][] = [
  ['.hours', 3_600_000],
  ['.minutes', 60_000],
];

/**
 * A topic config's value when the topic has no override: the first of its broker synonyms this
 * broker sets (hours and minutes converted, as KafkaConfig.extractLogConfigMap does), else Kafka's default.
 */
export function topicDefault(d: TopicConfigDef, broker: Broker, node: BrokerNode): string {
  for (const s of d.serverSynonyms) {
    const bd = byName.get(s);
    if (!bd || !brokerConfigIsSet(bd, broker, node)) continue;
    const v = brokerConfigValue(bd, broker, node);
    if (v === null) continue;
    const unit = UNIT_MS.find(([suffix]) => s.endsWith(suffix));
    return unit ? String(BigInt(v) * BigInt(unit[1])) : v;
  }
  return d.default;
}
