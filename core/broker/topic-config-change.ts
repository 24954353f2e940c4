// Writing a topic's overrides, shared by AlterConfigs (33, the whole set) and
// IncrementalAlterConfigs (44, named keys): the checks the KRaft controller runs on the set that
// would result (ConfigurationControlManager.validateAlterConfig → ControllerConfigurationValidator,
// then the ConfigResourceExistenceChecker), in Kafka's order and words, then the write.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { Broker } from './broker.js';
import { validateTopicConfigs } from './topic-configs.js';
import { topicNameProblem } from './topics.js';

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = {
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

/** The ids of ConfigResource.Type by name, for messages that name the type. */
export const CONFIG_RESOURCE_TYPE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ConfigResourceType).map(([name, id]) => [id, name]),
);

/**
 * Makes `next` the topic's overrides: a null value names a config without setting it (checked as
 * a name, not as a value). The name is checked first (an empty one is the default-topic resource),
 * then the whole set as LogConfig.validate does, then that the topic exists — so an unknown topic
 * with a bad value is INVALID_CONFIG, as in Kafka. validateOnly stops before the write.
 */
export function changeTopicConfigs(broker: Broker, name: string, next: Record<string, string | null>, validateOnly: boolean): void {
  if (name === '') throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const badName = topicNameProblem(name);
  if (badName) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, badName);
  const problem = validateTopicConfigs(next);
  if (problem) throw new KafkaError(ErrorCode.INVALID_CONFIG, problem);
  if (!broker.topics.get(name)) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  if (validateOnly) return;
  const overrides: Record<string, string> = {};
  for (const [k, v] of Object.entries(next)) if (v !== null) overrides[k] = v;
  broker.topics.setConfigs(name, overrides);
  broker.log('info', `topic ${name} configs set to ${JSON.stringify(overrides)}`);
}
