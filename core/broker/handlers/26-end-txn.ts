// EndTxn (26) v0-3: commit or abort; COMMIT/ABORT markers go to every partition in the transaction.
// On a node that does not coordinate the transactional id: NOT_COORDINATOR.
import { ErrorCode } from '../../protocol/errors.js';
import type { EndTxnRequest, EndTxnResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesTransactionHere, defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

export const endTxn = defineHandler<EndTxnRequest, EndTxnResponseInput>({
  apiKey: 26,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const { broker, header } = ctx;
    if (!coordinatesTransactionHere(ctx, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR };
    const code = broker.transactions.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    return { throttleTimeMs: 0, errorCode: forVersion(26, header.apiVersion, code) };
  },
});
