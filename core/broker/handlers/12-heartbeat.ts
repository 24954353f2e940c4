// Heartbeat (12) v0-3: resets the member's session timer; REBALANCE_IN_PROGRESS tells it to rejoin.
import type { HeartbeatRequest, HeartbeatResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const heartbeat = defineHandler<HeartbeatRequest, HeartbeatResponseInput>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 3,
  handle(req, { broker }) {
    return { throttleTimeMs: 0, errorCode: broker.groups.heartbeat(req.groupId, req.memberId, req.generationId) };
  },
});
