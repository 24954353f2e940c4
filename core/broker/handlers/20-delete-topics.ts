// DeleteTopics (20) v0-3, by name (kafkajs 1, librdkafka 1, kafka-python 3). Unknown topic →
// UNKNOWN_TOPIC_OR_PARTITION; a repeated name → INVALID_REQUEST. Committed group offsets of a
// deleted topic go with it, as in Kafka. Unlike Kafka, the coordinators' internal topics are
// refused: deleting them would leave this broker's coordinators without their state.
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
      if (broker.topics.get(name)?.internal) {
        responses.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Internal topic ${name} holds the coordinators' state and cannot be deleted here.` });
        continue;
      }
      try {
        broker.topics.delete(name);
        broker.offsets.deleteTopic(name);
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
