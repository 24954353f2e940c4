// The broker-level configs DescribeConfigs reports for this node, as a table: Kafka's name, how
// to read the value from the broker's options, and whether it was set or is the default. All
// read-only: the embedded broker has no dynamic broker configs.
import type { Broker, BrokerOptions } from './broker.js';
import { DEFAULT_OPTIONS } from './broker.js';
import type { BrokerNode } from './cluster.js';
import type { ConfigType } from './topic-configs.js';

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
  readonly doc: string;
  /** The value in effect on `node` of this broker. */
  value(broker: Broker, node: BrokerNode): string | null;
  /** What the value is when nothing is configured. */
  defaultValue(): string | null;
  /** True when the broker was started with an explicit, non-default setting. */
  isSet(options: BrokerOptions): boolean;
}

// DEFAULT_OPTIONS is read only inside functions: broker.ts imports the handler registry, which
// imports this module, so a top-level read would run before broker.ts has finished loading.
function fromOption<K extends keyof BrokerOptions>(
  name: string,
  type: ConfigType,
  key: K,
  show: (v: BrokerOptions[K]) => string | null,
  doc: string,
): BrokerConfigDef {
  return {
    name,
    type,
    doc,
    value: (b) => show(b.options[key]),
    defaultValue: () => show(DEFAULT_OPTIONS[key]),
    isSet: (o) => o[key] !== DEFAULT_OPTIONS[key],
  };
}

export const BROKER_CONFIGS: readonly BrokerConfigDef[] = [
  {
    name: 'broker.id',
    type: 'int',
    doc: 'the node id of this broker',
    value: (_b, node) => String(node.nodeId),
    defaultValue: () => String(DEFAULT_OPTIONS.nodeId),
    isSet: (o) => o.nodeId !== DEFAULT_OPTIONS.nodeId || o.nodes > 1,
  },
  fromOption('auto.create.topics.enable', 'boolean', 'autoCreateTopics', String, 'create unknown topics on Metadata requests'),
  fromOption('num.partitions', 'int', 'defaultPartitions', String, 'partitions of auto-created topics and of CreateTopics with -1'),
  fromOption('socket.request.max.bytes', 'int', 'socketRequestMaxBytes', String, 'largest request frame accepted'),
  fromOption('log.dirs', 'list', 'dataDir', (d) => d, 'directory of the logs and the topic catalogue; null = in memory'),
  fromOption('sasl.enabled.mechanisms', 'list', 'saslMechanisms', (m) => m.join(','), 'the mechanisms the SASL_PLAINTEXT listeners enable'),
  {
    name: 'advertised.listeners',
    type: 'list',
    doc: 'the addresses Metadata tells clients to dial, one per listener',
    value: (_b, node) => node.listeners.map((l) => `${l.name}://${l.advertised.host}:${l.advertised.port}`).join(','),
    // Kafka's default is null: advertise the listener actually bound.
    defaultValue: () => null,
    isSet: (o) => o.advertisedHost !== undefined || o.advertisedPort !== undefined,
  },
];
