// AlterConfigs (33) v0-1 (kafkajs 1, librdkafka 0, kafka-python 1). Non-incremental: a topic's
// overrides become exactly the given set (null value = no override); broker configs are not dynamic here.
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  AlterConfigsRequest,
  AlterConfigsRequestAlterConfigsResource,
  AlterConfigsResponseAlterConfigsResourceResponseInput,
  AlterConfigsResponseInput,
} from '../../protocol/schema/generated/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { CONFIG_RESOURCE_TYPE_NAMES, changeTopicConfigs, ConfigResourceType } from '../topic-config-change.js';

function alter(broker: Broker, r: AlterConfigsRequestAlterConfigsResource, validateOnly: boolean): void {
  if (r.resourceType === ConfigResourceType.BROKER) {
    throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Dynamic broker configs are not supported by the embedded broker.');
  }
  if (r.resourceType !== ConfigResourceType.TOPIC) {
    const known = CONFIG_RESOURCE_TYPE_NAMES.get(r.resourceType);
    // Kafka (KRaft): an id it does not know is UNSUPPORTED_VERSION, a known but unalterable type INVALID_REQUEST.
    if (known) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected resource type ${known}.`);
    throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `Unknown resource type ${r.resourceType}.`);
  }
  const next: Record<string, string | null> = {};
  for (const c of r.configs) next[c.name] = c.value;
  changeTopicConfigs(broker, r.resourceName, next, validateOnly);
}

export const alterConfigs = defineHandler<AlterConfigsRequest, AlterConfigsResponseInput>({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { broker }) {
    const key = (r: AlterConfigsRequestAlterConfigsResource) => `${r.resourceType}:${r.resourceName}`;
    const count = new Map<string, number>();
    for (const r of req.resources) count.set(key(r), (count.get(key(r)) ?? 0) + 1);
    const reportedDuplicates = new Set<string>();
    const responses: AlterConfigsResponseAlterConfigsResourceResponseInput[] = [];
    for (const r of req.resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      if (count.get(key(r))! > 1) {
        if (!reportedDuplicates.has(key(r))) {
          reportedDuplicates.add(key(r));
          responses.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate resource.' });
        }
        continue;
      }
      try {
        alter(broker, r, req.validateOnly);
        responses.push({ ...base, errorCode: 0, errorMessage: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        responses.push({ ...base, errorCode: e.code, errorMessage: e.message });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
