// DeleteRecords (21) v0-1 (kafkajs 1, librdkafka 1). Moves a partition's log start offset up to
// the given offset (-1 = high watermark); lowWatermark is the log start offset afterwards.
// A partition this node does not lead is NOT_LEADER_OR_FOLLOWER.
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponseDeleteRecordsPartitionResultInput,
  DeleteRecordsResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler, leadsHere, type RequestContext } from '../handler.js';
import { effectiveConfig } from '../topic-configs.js';

const HIGH_WATERMARK = -1;

/** Returns the new low watermark; throws the KafkaError Kafka would answer with. */
function deleteBefore(ctx: RequestContext, topic: string, index: number, requested: number): number {
  const { broker } = ctx;
  const meta = broker.topics.get(topic);
  const partition = broker.topics.partition(topic, index);
  if (!meta || !partition) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (!leadsHere(ctx, topic, index)) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  if (meta.internal) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot delete records of internal topic ${topic}`);
  const policy = effectiveConfig(meta.configs)['cleanup.policy'] ?? 'delete';
  if (!policy.split(',').some((p) => p.trim() === 'delete')) {
    throw new KafkaError(
      ErrorCode.POLICY_VIOLATION,
      `Records of partition ${topic}-${index} can not be deleted due to the configured policy`,
    );
  }
  const hw = partition.highWatermark;
  const offset = requested === HIGH_WATERMARK ? hw : requested;
  if (offset < 0) {
    throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `The offset ${offset} for partition ${topic}-${index} is not valid`);
  }
  if (offset > hw) {
    throw new KafkaError(
      ErrorCode.OFFSET_OUT_OF_RANGE,
      `Cannot increment the log start offset to ${offset} of partition ${topic}-${index} since it is larger than the high watermark ${hw}`,
    );
  }
  partition.deleteBefore(offset);
  return partition.log.logStartOffset;
}

export const deleteRecords = defineHandler<DeleteRecordsRequest, DeleteRecordsResponseInput>({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): DeleteRecordsResponseDeleteRecordsPartitionResultInput => {
          try {
            const lowWatermark = deleteBefore(ctx, t.name, p.partitionIndex, p.offset);
            return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: 0 };
          } catch (e) {
            if (!(e instanceof KafkaError)) throw e;
            return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: e.code };
          }
        }),
      })),
    };
  },
});
