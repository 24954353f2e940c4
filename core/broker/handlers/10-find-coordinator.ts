// FindCoordinator (10) v0-2: this node coordinates every group (key type 0) and every
// transactional id (key type 1, v1+); any other key type is INVALID_REQUEST.
import { ErrorCode } from '../../protocol/errors.js';
import type { FindCoordinatorRequest, FindCoordinatorResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const findCoordinator = defineHandler<FindCoordinatorRequest, FindCoordinatorResponseInput>({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 2,
  handle(req, { broker }) {
    if (req.keyType !== 0 && req.keyType !== 1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${req.keyType}`, nodeId: -1, host: '', port: -1 };
    }
    const { host, port } = broker.advertised;
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: broker.options.nodeId, host, port };
  },
});
