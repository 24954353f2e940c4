// Produce (0) v3-7: magic-2 record batches only (v3 is the first that carries them). Batches
// are validated (framing, magic, CRC, record walk), stored as received with offsets assigned
// by rewriting baseOffset. acks=0 gets no response at all, as Kafka does. A partition this node
// does not lead is NOT_LEADER_OR_FOLLOWER (v3-7 predate KIP-951's leader hints).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { isControl, isTransactional, readBatchHeader, setLogAppendTime, splitRecordBatches } from '../../protocol/records/index.js';
import type {
  ProduceRequest,
  ProduceRequestPartitionProduceData,
  ProduceResponseInput,
  ProduceResponsePartitionProduceResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler, leadsHere, NO_RESPONSE, type RequestContext } from '../handler.js';
import { effectiveConfig } from '../topic-configs.js';

function produceToPartition(
  ctx: RequestContext,
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
  const config = effectiveConfig(broker.topics.get(topic)!.configs);
  const maxBytes = Number(config['max.message.bytes']);
  if (batch.length > maxBytes) {
    return fail(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${batch.length} bytes exceeds max.message.bytes ${maxBytes}`);
  }
  let logAppendTimeMs = -1;
  if (config['message.timestamp.type'] === 'LogAppendTime') {
    logAppendTimeMs = broker.now();
    setLogAppendTime(batch, logAppendTimeMs);
  }
  try {
    const r = partition.appendProduced(batch, header);
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
          ? produceToPartition(ctx, req.transactionalId, t.name, p)
          : { index: p.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, baseOffset: -1 },
      ),
    }));
    if (req.acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs: 0 };
  },
});
