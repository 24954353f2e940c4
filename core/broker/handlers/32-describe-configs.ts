// DescribeConfigs (32) v0-2 (kafkajs 2, librdkafka 1, kafka-python 2), as Kafka's ConfigHelper
// answers it. Topics (type 2): every topic config of Kafka 4.0 (topic-configs.ts), the override or
// the default, with Kafka's synonyms. Broker (type 4): the broker-config table, for the node the
// request reached only (another id is INVALID_REQUEST). A requested name the resource does not
// have gets no entry, as in Kafka. Entries come in Kafka's order (config-order.ts).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponseDescribeConfigsResourceResultInput as ConfigEntry,
  DescribeConfigsResponseDescribeConfigsSynonymInput as Synonym,
  DescribeConfigsResponseInput,
} from '../../protocol/schema/generated/index.js';
import {
  BROKER_CONFIGS,
  brokerConfigSynonyms,
  brokerConfigValue,
  ConfigSource,
  configSynonyms,
  topicDefault,
} from '../broker-configs.js';
import { scalaHashMapOrder } from '../config-order.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { describedValue, TOPIC_CONFIGS } from '../topic-configs.js';
import { topicNameProblem } from '../topics.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/**
 * The size of the Scala HashMap Kafka 4.0 holds a broker's configs in: its ~300 non-internal
 * broker configs grow the table to 512 slots. Our subset is listed in the order it would have there.
 */
const KAFKA_BROKER_CONFIG_TABLE = 512;

interface Options {
  version: number;
  includeSynonyms: boolean;
}

function entry(name: string, value: string | null, readOnly: boolean, synonyms: Synonym[], o: Options): ConfigEntry {
  // ConfigHelper: the source is the most specific synonym's, DEFAULT_CONFIG when there is none.
  const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name,
    value,
    readOnly,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    configSource: source,
    isSensitive: false,
    synonyms: o.version >= 1 && o.includeSynonyms ? synonyms : [],
  };
}

/**
 * Kafka's createResponseConfig: every config when no names are asked for, else those asked for
 * that exist, in the iteration order of the HashMap each list is built in.
 */
function select<T extends { name: string }>(
  all: readonly T[],
  resource: DescribeConfigsRequestDescribeConfigsResource,
  fullTableSize?: number,
): T[] {
  const keys = resource.configurationKeys;
  const byName = new Map(all.map((d) => [d.name, d]));
  if (keys === null || keys.length === 0) return scalaHashMapOrder([...byName.keys()], fullTableSize).map((n) => byName.get(n)!);
  // The filtered map is a new HashMap of just these names (sized for them), so its order is theirs.
  const present = all.filter((d) => keys.includes(d.name)).map((d) => d.name);
  return scalaHashMapOrder(present).map((n) => byName.get(n)!);
}

function topicConfigs(ctx: RequestContext, resource: DescribeConfigsRequestDescribeConfigsResource, o: Options): ConfigEntry[] {
  const { broker, node } = ctx;
  const name = resource.resourceName;
  const bad = topicNameProblem(name);
  if (bad) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
  const meta = broker.topics.get(name);
  if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
  return select(TOPIC_CONFIGS, resource).map((d) => {
    const raw = meta.configs[d.name];
    const value = describedValue(d.name, raw ?? topicDefault(d, broker, node));
    // The topic override first, then the broker configs behind the default (none for some).
    const synonyms: Synonym[] = d.serverSynonyms.length > 0 ? configSynonyms(d.serverSynonyms[0]!, d.serverSynonyms, broker, node) : [];
    if (raw !== undefined) synonyms.unshift({ name: d.name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    return entry(d.name, value, false, synonyms, o);
  });
}

function brokerConfigs(ctx: RequestContext, resource: DescribeConfigsRequestDescribeConfigsResource, o: Options): ConfigEntry[] {
  const { broker, node } = ctx;
  const name = resource.resourceName;
  // "" is the cluster-wide default resource: Kafka lists only dynamic defaults there, and there are none.
  if (name === '') return [];
  if (!/^-?\d+$/.test(name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  const id = node.nodeId;
  if (Number(name) !== id) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${id} or empty string, but received ${name}`);
  }
  return select(BROKER_CONFIGS, resource, KAFKA_BROKER_CONFIG_TABLE).map((d) => {
    const synonyms = configSynonyms(d.name, brokerConfigSynonyms(d.name), broker, node);
    // Read-only: the embedded broker refuses to alter broker configs (Kafka: not dynamically updatable).
    return entry(d.name, brokerConfigValue(d, broker, node), true, synonyms, o);
  });
}

export const describeConfigs = defineHandler<DescribeConfigsRequest, DescribeConfigsResponseInput>({
  apiKey: 32,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { header } = ctx;
    const o: Options = { version: header.apiVersion, includeSynonyms: header.apiVersion >= 1 && req.includeSynonyms };
    const results = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        let configs: ConfigEntry[];
        if (r.resourceType === RESOURCE_TOPIC) configs = topicConfigs(ctx, r, o);
        else if (r.resourceType === RESOURCE_BROKER) configs = brokerConfigs(ctx, r, o);
        else throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${r.resourceType}`);
        return { ...base, errorCode: 0, errorMessage: null, configs };
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        // Kafka answers an unknown topic with no message; everything else carries one.
        const errorMessage = e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? null : e.message;
        return { ...base, errorCode: e.code, errorMessage, configs: [] };
      }
    });
    return { throttleTimeMs: 0, results };
  },
});
