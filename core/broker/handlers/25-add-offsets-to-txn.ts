// AddOffsetsToTxn (25) v0-3: the group's offsets will be committed with the transaction. Goes to
// the transaction coordinator: NOT_COORDINATOR on any other node.
import { ErrorCode } from '../../protocol/errors.js';
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesTransactionHere, defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

export const addOffsetsToTxn = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput>({
  apiKey: 25,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const { broker, header } = ctx;
    if (!coordinatesTransactionHere(ctx, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR };
    const code = broker.transactions.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    return { throttleTimeMs: 0, errorCode: forVersion(25, header.apiVersion, code) };
  },
});
