// AddOffsetsToTxn (25) v0-3: the group's offsets will be committed with the transaction.
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

export const addOffsetsToTxn = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponseInput>({
  apiKey: 25,
  minVersion: 0,
  maxVersion: 3,
  handle(req, { broker, header }) {
    const code = broker.transactions.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    return { throttleTimeMs: 0, errorCode: forVersion(25, header.apiVersion, code) };
  },
});
