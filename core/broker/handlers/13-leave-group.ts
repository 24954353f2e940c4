// LeaveGroup (13) v0-3: one member (v0-2) or a batch of members with per-member errors (v3+;
// the top-level error is then the group's own only).
// On a node that does not coordinate the group: NOT_COORDINATOR at the top, no member results.
import { ErrorCode } from '../../protocol/errors.js';
import type { LeaveGroupRequest, LeaveGroupResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const leaveGroup = defineHandler<LeaveGroupRequest, LeaveGroupResponseInput>({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const { broker, header } = ctx;
    if (!coordinatesGroupHere(ctx, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    const batch = header.apiVersion >= 3;
    const who = batch
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: req.memberId, groupInstanceId: null }];
    const r = broker.groups.leave(req.groupId, who);
    if (!batch) return { throttleTimeMs: 0, errorCode: r.errorCode, members: [] };
    // v3+ as Kafka's GroupMetadataManager.classicGroupLeave: the group's own error (unknown,
    // dead) alone at the top; otherwise NONE there and each member's code beside it.
    if (r.groupErrorCode !== 0) return { throttleTimeMs: 0, errorCode: r.groupErrorCode, members: [] };
    return { throttleTimeMs: 0, errorCode: 0, members: who.map((w, i) => ({ ...w, errorCode: r.members[i]! })) };
  },
});
