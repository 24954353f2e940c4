// DeleteGroups (42) v0-1: only Empty groups (NON_EMPTY_GROUP otherwise); their committed
// offsets are deleted with tombstones in __consumer_offsets. A group this node does not
// coordinate gets NOT_COORDINATOR.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteGroupsRequest, DeleteGroupsResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const deleteGroups = defineHandler<DeleteGroupsRequest, DeleteGroupsResponseInput>({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const { broker } = ctx;
    return {
      throttleTimeMs: 0,
      results: req.groupsNames.map((groupId) => {
        if (!coordinatesGroupHere(ctx, groupId)) return { groupId, errorCode: ErrorCode.NOT_COORDINATOR };
        const errorCode = broker.groups.delete(groupId);
        if (errorCode === 0) broker.offsets.deleteGroup(groupId);
        return { groupId, errorCode };
      }),
    };
  },
});
