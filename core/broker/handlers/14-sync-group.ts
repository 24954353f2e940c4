// SyncGroup (14) v0-3: the leader hands in every member's assignment; everyone's response waits
// for it. A follower arriving after the leader gets its assignment at once. On a node that does
// not coordinate the group: NOT_COORDINATOR. v3+ carries group_instance_id (FENCED_INSTANCE_ID
// for an old incarnation of a static member).
import { ErrorCode } from '../../protocol/errors.js';
import type { SyncGroupRequest, SyncGroupResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const syncGroup = defineHandler<SyncGroupRequest, SyncGroupResponseInput>({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    if (!coordinatesGroupHere(ctx, req.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    const r = await ctx.broker.groups.sync(req.groupId, req, req.generationId, req.assignments, {
      type: req.protocolType,
      name: req.protocolName,
    });
    return { throttleTimeMs: 0, errorCode: r.errorCode, assignment: r.assignment };
  },
});
