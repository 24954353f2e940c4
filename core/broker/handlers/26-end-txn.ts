// EndTxn (26) v0-3: commit or abort; COMMIT/ABORT markers go to every partition in the transaction.
import type { EndTxnRequest, EndTxnResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

export const endTxn = defineHandler<EndTxnRequest, EndTxnResponseInput>({
  apiKey: 26,
  minVersion: 0,
  maxVersion: 3,
  handle(req, { broker, header }) {
    const code = broker.transactions.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    return { throttleTimeMs: 0, errorCode: forVersion(26, header.apiVersion, code) };
  },
});
