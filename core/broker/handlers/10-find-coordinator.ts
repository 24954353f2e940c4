// FindCoordinator (10) v0-2: any node answers with the coordinator of a group (key type 0) or
// transactional id (key type 1, v1+) — the leader of its partition of __consumer_offsets /
// __transaction_state — at its address on the listener the request came in through, as Kafka's
// KafkaApis.getCoordinator does. Any other key type is INVALID_REQUEST.
import { ErrorCode } from '../../protocol/errors.js';
import type { FindCoordinatorRequest, FindCoordinatorResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const findCoordinator = defineHandler<FindCoordinatorRequest, FindCoordinatorResponseInput>({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 2,
  handle(req, { broker, listener }) {
    if (req.keyType !== 0 && req.keyType !== 1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${req.keyType}`, nodeId: -1, host: '', port: -1 };
    }
    const nodeId = req.keyType === 0 ? broker.cluster.groupCoordinator(req.key) : broker.cluster.transactionCoordinator(req.key);
    const at = broker.cluster.endpoint(nodeId, listener.name);
    if (!at) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null, nodeId: -1, host: '', port: -1 };
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId, host: at.host, port: at.port };
  },
});
