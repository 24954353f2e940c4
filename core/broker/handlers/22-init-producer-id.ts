// InitProducerId (22) v0-4 (flexible from 2; librdkafka needs 3+ to bump an idempotent
// producer's epoch, KIP-360). Without a transactional id: a new producer id at epoch 0, or with
// v3+ and a known id/epoch, the same id one epoch later. With one: the transaction coordinator
// bumps the epoch, fencing the previous producer; on a node that does not coordinate the id,
// NOT_COORDINATOR (producer id and epoch -1, Kafka's initTransactionError).
import { ErrorCode } from '../../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesTransactionHere, defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

const MAX_EPOCH = 32767;

export const initProducerId = defineHandler<InitProducerIdRequest, InitProducerIdResponseInput>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { broker, header } = ctx;
    if (req.transactionalId !== null) {
      if (!coordinatesTransactionHere(ctx, req.transactionalId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1, producerEpoch: -1 };
      }
      const r = broker.transactions.initProducerId(req.transactionalId, req.transactionTimeoutMs, {
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
      });
      return { throttleTimeMs: 0, ...r, errorCode: forVersion(22, header.apiVersion, r.errorCode) };
    }
    if (req.producerId >= 0 && req.producerEpoch >= 0 && req.producerEpoch < MAX_EPOCH - 1) {
      return { throttleTimeMs: 0, errorCode: 0, producerId: req.producerId, producerEpoch: req.producerEpoch + 1 };
    }
    return { throttleTimeMs: 0, errorCode: 0, producerId: broker.producerIds.allocate(), producerEpoch: 0 };
  },
});
