// DescribeProducers (61) v0, after Kafka's KafkaApis.handleDescribeProducersRequest and
// UnifiedLog.activeProducers: per requested partition, every producer id in its producer state
// with its epoch, the last sequence of its last batch (-1 if none is retained, e.g. right after an
// epoch bump), the timestamp of its last batch or marker, the coordinator epoch of the last
// transaction marker written for it here (-1 if none yet), and the first offset of its open
// transaction on this partition (-1 if none). A partition this node does not lead is
// NOT_LEADER_OR_FOLLOWER (ReplicaManager.getPartitionOrError).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeProducersRequest,
  DescribeProducersResponseInput,
  DescribeProducersResponsePartitionResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler, leadsHere } from '../handler.js';
import { topicNameProblem, type Partition } from '../topics.js';

function activeProducers(p: Partition): DescribeProducersResponsePartitionResponseInput {
  const open = new Map(p.transactions.openTransactions().map((t) => [t.producerId, t.firstOffset]));
  return {
    partitionIndex: p.index,
    errorCode: 0,
    activeProducers: [...p.producers.entries()].map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: e.coordinatorEpoch,
      currentTxnStartOffset: open.get(e.producerId) ?? -1,
    })),
  };
}

export const describeProducers = defineHandler<DescribeProducersRequest, DescribeProducersResponseInput>({
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { broker } = ctx;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map(({ name, partitionIndexes }) => {
        // Topic-level errors carry a message, as Kafka's ApiError does; a missing partition of a
        // known topic only the code (ReplicaManager.activeProducerState).
        const invalid = topicNameProblem(name);
        const topicError = invalid
          ? { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalid }
          : broker.topics.get(name)
            ? null
            : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
        return {
          name,
          partitions: partitionIndexes.map((partitionIndex): DescribeProducersResponsePartitionResponseInput => {
            if (topicError) return { partitionIndex, ...topicError, activeProducers: [] };
            const p = broker.topics.partition(name, partitionIndex);
            if (!p) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] };
            if (!leadsHere(ctx, name, partitionIndex)) return { partitionIndex, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, activeProducers: [] };
            return activeProducers(p);
          }),
        };
      }),
    };
  },
});
