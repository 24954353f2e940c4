// DescribeProducers (61) v0, after Kafka's KafkaApis.handleDescribeProducersRequest and
// UnifiedLog.activeProducers: per requested partition, every producer id in its producer state
// with its epoch, the last sequence of its last batch (-1 if none is retained, e.g. right after an
// epoch bump), the timestamp of its last batch or marker, the coordinator epoch of the last
// transaction marker written for it here (-1 if none yet), and the first offset of its open
// transaction on this partition (-1 if none).
import { ErrorCode } from '../../protocol/errors.js';
import {
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  decodeEndTxnMarkerValue,
  decodeRecordBatch,
  isControl,
  readBatchHeader,
} from '../../protocol/records/index.js';
import type {
  DescribeProducersRequest,
  DescribeProducersResponseInput,
  DescribeProducersResponsePartitionResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';
import { topicNameProblem, type Partition } from '../topics.js';

/**
 * Coordinator epoch of each producer's last marker, per partition. The producer state does not
 * keep it, so the log is scanned for markers once and then only from where the last scan ended.
 */
interface MarkerScan {
  scannedTo: number;
  epochs: Map<number, number>;
}
const scans = new WeakMap<Partition, MarkerScan>();

function markerEpochs(p: Partition): Map<number, number> {
  let scan = scans.get(p);
  if (!scan) scans.set(p, (scan = { scannedTo: 0, epochs: new Map() }));
  let offset = Math.max(scan.scannedTo, p.log.logStartOffset);
  while (offset < p.log.logEndOffset) {
    const { chunks } = p.log.read(offset, 4 << 20, { minOneBatch: true });
    const from = offset;
    for (const chunk of chunks) {
      for (let pos = 0; pos + BATCH_HEADER_SIZE <= chunk.length; ) {
        const h = readBatchHeader(chunk, pos);
        const size = h.batchLength + LOG_OVERHEAD;
        if (isControl(h.attributes) && h.producerId >= 0 && h.baseOffset >= from) {
          const value = decodeRecordBatch(chunk.subarray(pos, pos + size)).records[0]?.value;
          if (value) scan.epochs.set(h.producerId, decodeEndTxnMarkerValue(value).coordinatorEpoch);
        }
        offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
        pos += size;
      }
    }
    if (offset === from) break; // nothing readable: stop rather than spin
  }
  scan.scannedTo = offset;
  return scan.epochs;
}

function activeProducers(p: Partition): DescribeProducersResponsePartitionResponseInput {
  const epochs = markerEpochs(p);
  const open = new Map(p.transactions.openTransactions().map((t) => [t.producerId, t.firstOffset]));
  return {
    partitionIndex: p.index,
    errorCode: 0,
    activeProducers: [...p.producers.entries()].map((e) => ({
      producerId: e.producerId,
      producerEpoch: e.epoch,
      lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
      lastTimestamp: e.lastTimestamp,
      coordinatorEpoch: epochs.get(e.producerId) ?? -1,
      currentTxnStartOffset: open.get(e.producerId) ?? -1,
    })),
  };
}

export const describeProducers = defineHandler<DescribeProducersRequest, DescribeProducersResponseInput>({
  apiKey: 61,
  minVersion: 0,
  maxVersion: 0,
  handle(req, { broker }) {
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
            return activeProducers(p);
          }),
        };
      }),
    };
  },
});
