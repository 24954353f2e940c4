// DeleteTopics (20) v0-3, by name (kafkajs 1, librdkafka 1, kafka-python 3). Unknown topic →
// UNKNOWN_TOPIC_OR_PARTITION; a repeated name → INVALID_REQUEST; internal topics may be deleted, as in Kafka 3.x.
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  DeleteTopicsRequest,
  DeleteTopicsResponseDeletableTopicResultInput,
  DeleteTopicsResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const deleteTopics = defineHandler<DeleteTopicsRequest, DeleteTopicsResponseInput>({
  apiKey: 20,
  minVersion: 0,
  maxVersion: 3,
  handle(req, { broker }) {
    const count = new Map<string, number>();
    for (const name of req.topicNames) count.set(name, (count.get(name) ?? 0) + 1);
    const responses: DeleteTopicsResponseDeletableTopicResultInput[] = [];
    for (const [name, n] of count) {
      if (n > 1) {
        responses.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        continue;
      }
      try {
        broker.topics.delete(name);
        broker.log('info', `deleted topic ${name}`);
        responses.push({ name, errorCode: 0, errorMessage: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        responses.push({ name, errorCode: e.code, errorMessage: e.message });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
