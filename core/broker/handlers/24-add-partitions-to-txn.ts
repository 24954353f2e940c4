// AddPartitionsToTxn (24) v0-3: one transaction per request (v4+ batches are broker-to-broker).
// On a node that does not coordinate the transactional id: NOT_COORDINATOR for every partition.
import { ErrorCode } from '../../protocol/errors.js';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesTransactionHere, defineHandler } from '../handler.js';
import { partitionKey } from '../transactions/transaction.js';
import { forVersion } from './txn-errors.js';

export const addPartitionsToTxn = defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponseInput>({
  apiKey: 24,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const { broker, header } = ctx;
    const wanted = req.v3AndBelowTopics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
    const codes = coordinatesTransactionHere(ctx, req.v3AndBelowTransactionalId)
      ? broker.transactions.addPartitions(req.v3AndBelowTransactionalId, req.v3AndBelowProducerId, req.v3AndBelowProducerEpoch, wanted)
      : new Map(wanted.map((w) => [partitionKey(w.topic, w.partition), ErrorCode.NOT_COORDINATOR]));
    return {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: req.v3AndBelowTopics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({
          partitionIndex,
          partitionErrorCode: forVersion(24, header.apiVersion, codes.get(partitionKey(t.name, partitionIndex)) ?? 0),
        })),
      })),
    };
  },
});
