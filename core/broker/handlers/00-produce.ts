// Produce (0) v3-7: magic-2 record batches only (v3 is the first that carries them). Batches
// are validated (framing, magic, CRC, record walk), stored as received with offsets assigned
// by rewriting baseOffset. acks=0 gets no response at all, as Kafka does. A partition this node
// does not lead is NOT_LEADER_OR_FOLLOWER (v3-7 predate KIP-951's leader hints). The topic's
// configs apply as in Kafka: min.insync.replicas (acks=all), max.message.bytes, then LogValidator's
// record checks (record-validation.ts: keys of compacted topics, CreateTime timestamp bounds), then
// compression.type (recompress.ts).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  compressionOf,
  isControl,
  isTransactional,
  readBatchHeader,
  setLogAppendTime,
  splitRecordBatches,
} from '../../protocol/records/index.js';
import type {
  ProduceRequest,
  ProduceRequestPartitionProduceData,
  ProduceResponseInput,
  ProduceResponsePartitionProduceResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler, leadsHere, NO_RESPONSE, type RequestContext } from '../handler.js';
import { recompressBatch, targetCompression } from '../recompress.js';
import { validateRecords } from '../record-validation.js';
import { produceLimitsOf } from '../topic-configs.js';

function produceToPartition(
  ctx: RequestContext,
  acks: number,
  transactionalId: string | null,
  topic: string,
  p: ProduceRequestPartitionProduceData,
): ProduceResponsePartitionProduceResponseInput {
  const fail = (errorCode: number, errorMessage: string | null = null) => ({
    index: p.index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    errorMessage,
  });
  const { broker } = ctx;
  const partition = broker.topics.partition(topic, p.index);
  if (!partition) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (!leadsHere(ctx, topic, p.index)) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  if (!p.records || p.records.length === 0) return fail(ErrorCode.CORRUPT_MESSAGE, 'Produce request carries no record batch');
  const split = splitRecordBatches(p.records);
  if (!split.ok) {
    broker.log('warn', `rejected produce to ${topic}-${p.index}: ${split.message}`);
    return fail(ErrorCode[split.error], split.message);
  }
  // Since v3 a partition's records are exactly one batch (what makes sequence checks meaningful).
  if (split.batches.length !== 1) {
    return fail(ErrorCode.INVALID_RECORD, `expected exactly one record batch, got ${split.batches.length}`);
  }
  const batch = split.batches[0]!;
  const header = readBatchHeader(batch);
  if (isControl(header.attributes)) return fail(ErrorCode.INVALID_RECORD, 'clients may not produce control batches');
  if (isTransactional(header.attributes)) {
    // KIP-890: a transactional batch must belong to the current epoch's open transaction on this partition.
    const code =
      transactionalId === null
        ? ErrorCode.INVALID_REQUEST
        : broker.transactions.verifyProduce(transactionalId, header.producerId, header.producerEpoch, topic, p.index);
    if (code !== 0) return fail(code);
  }
  const limits = produceLimitsOf(broker.topics.get(topic)!.configs);
  // Partition.appendRecordsToLeader: the ISR is this one replica, so min.insync.replicas > 1 fails acks=all.
  if (acks === -1 && limits.minInsyncReplicas > 1) {
    return fail(
      ErrorCode.NOT_ENOUGH_REPLICAS,
      `The size of the current ISR Set(${ctx.node.nodeId}) is insufficient to satisfy the min.isr requirement of ${limits.minInsyncReplicas} for partition ${topic}-${p.index}`,
    );
  }
  if (batch.length > limits.maxMessageBytes) {
    return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${batch.length} bytes exceeds max.message.bytes ${limits.maxMessageBytes}`);
  }
  const now = broker.now();
  const records = validateRecords(batch, header, limits, now, `${topic}-${p.index}`);
  if (!records.ok) return fail(records.errorCode, records.message);
  // compression.type: stored in the topic's codec; a re-encoded batch is checked against the size limit again.
  const target = targetCompression(limits.compressionType, compressionOf(header.attributes));
  const stored = recompressBatch(batch, target);
  const storedHeader = stored === batch ? header : readBatchHeader(stored);
  if (stored.length > limits.maxMessageBytes) {
    return fail(ErrorCode.MESSAGE_TOO_LARGE, `${target} batch of ${stored.length} bytes exceeds max.message.bytes ${limits.maxMessageBytes}`);
  }
  let logAppendTimeMs = -1;
  if (limits.timestampType === 'LogAppendTime') {
    logAppendTimeMs = now;
    setLogAppendTime(stored, logAppendTimeMs);
  }
  try {
    const r = partition.appendProduced(stored, storedHeader);
    if (r.kind === 'error') return fail(r.errorCode, r.message);
    return { index: p.index, errorCode: 0, baseOffset: r.baseOffset, logAppendTimeMs, logStartOffset: partition.log.logStartOffset };
  } catch (e) {
    if (e instanceof KafkaError) return fail(e.code, e.message);
    broker.log('error', `append to ${topic}-${p.index} failed: ${(e as Error).message}`);
    return fail(ErrorCode.KAFKA_STORAGE_ERROR, (e as Error).message);
  }
}

export const produce = defineHandler<ProduceRequest, ProduceResponseInput>({
  apiKey: 0,
  minVersion: 3,
  maxVersion: 7,
  handle(req, ctx) {
    const validAcks = req.acks === 0 || req.acks === 1 || req.acks === -1;
    const responses = req.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) =>
        validAcks
          ? produceToPartition(ctx, req.acks, req.transactionalId, t.name, p)
          : { index: p.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, baseOffset: -1 },
      ),
    }));
    if (req.acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs: 0 };
  },
});
