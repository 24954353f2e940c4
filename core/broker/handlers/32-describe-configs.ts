// DescribeConfigs (32) v0-2 (kafkajs 2, librdkafka 1, kafka-python 2). Topics (type 2): every
// TOPIC_CONFIGS entry with override/default source and synonyms; broker (type 4): a read-only table,
// for the node the request reached only (Kafka's ConfigHelper: another id is INVALID_REQUEST).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsRequestDescribeConfigsResource,
  DescribeConfigsResponseDescribeConfigsResourceResultInput as ConfigEntry,
  DescribeConfigsResponseDescribeConfigsSynonymInput as Synonym,
  DescribeConfigsResponseInput,
} from '../../protocol/schema/generated/index.js';
import { BROKER_CONFIGS, ConfigSource } from '../broker-configs.js';
import type { Broker } from '../broker.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { TOPIC_CONFIGS } from '../topic-configs.js';
import { topicNameProblem } from '../topics.js';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

interface Options {
  version: number;
  includeSynonyms: boolean;
}

/** Kafka: a null or empty key list means every config. Unknown keys are silently left out. */
function wanted(resource: DescribeConfigsRequestDescribeConfigsResource, name: string): boolean {
  const keys = resource.configurationKeys;
  return keys === null || keys.length === 0 || keys.includes(name);
}

function entry(
  name: string,
  value: string | null,
  readOnly: boolean,
  source: number,
  synonyms: Synonym[],
  o: Options,
): ConfigEntry {
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

function topicConfigs(broker: Broker, resource: DescribeConfigsRequestDescribeConfigsResource, o: Options): ConfigEntry[] {
  const name = resource.resourceName;
  const bad = topicNameProblem(name);
  if (bad) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
  const meta = broker.topics.get(name);
  if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
  return TOPIC_CONFIGS.filter((d) => wanted(resource, d.name)).map((d) => {
    const override = meta.configs[d.name];
    // Most specific first, as Kafka lists them: the topic override, then the broker-level default.
    const synonyms: Synonym[] = [{ name: d.brokerKey, value: d.default, source: ConfigSource.DEFAULT_CONFIG }];
    if (override !== undefined) synonyms.unshift({ name: d.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    const source = override !== undefined ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG;
    return entry(d.name, override ?? d.default, false, source, synonyms, o);
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
  return BROKER_CONFIGS.filter((d) => wanted(resource, d.name)).map((d) => {
    const value = d.value(broker, node);
    const set = d.isSet(broker.options);
    const synonyms: Synonym[] = [];
    if (set) synonyms.push({ name: d.name, value, source: ConfigSource.STATIC_BROKER_CONFIG });
    const dflt = d.defaultValue();
    if (dflt !== null) synonyms.push({ name: d.name, value: dflt, source: ConfigSource.DEFAULT_CONFIG });
    const source = set ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    return entry(d.name, value, true, source, synonyms, o);
  });
}

export const describeConfigs = defineHandler<DescribeConfigsRequest, DescribeConfigsResponseInput>({
  apiKey: 32,
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { broker, header } = ctx;
    const o: Options = { version: header.apiVersion, includeSynonyms: header.apiVersion >= 1 && req.includeSynonyms };
    const results = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      try {
        let configs: ConfigEntry[];
        if (r.resourceType === RESOURCE_TOPIC) configs = topicConfigs(broker, r, o);
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
