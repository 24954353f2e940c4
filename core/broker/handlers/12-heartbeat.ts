// Heartbeat (12) v0-3: resets the member's session timer; REBALANCE_IN_PROGRESS tells it to rejoin.
// v3+ carries group_instance_id: an old incarnation of a static member gets FENCED_INSTANCE_ID.
// On a node that does not coordinate the group: NOT_COORDINATOR.
import { ErrorCode } from '../../protocol/errors.js';
import type { HeartbeatRequest, HeartbeatResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const heartbeat = defineHandler<HeartbeatRequest, HeartbeatResponseInput>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    if (!coordinatesGroupHere(ctx, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR };
    return { throttleTimeMs: 0, errorCode: ctx.broker.groups.heartbeat(req.groupId, req, req.generationId) };
  },
});
