// DeleteGroups (42) v0-1: only Empty groups (NON_EMPTY_GROUP otherwise); their committed
// offsets are deleted with tombstones in __consumer_offsets.
import type { DeleteGroupsRequest, DeleteGroupsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const deleteGroups = defineHandler<DeleteGroupsRequest, DeleteGroupsResponseInput>({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { broker }) {
    return {
      throttleTimeMs: 0,
      results: req.groupsNames.map((groupId) => {
        const errorCode = broker.groups.delete(groupId);
        if (errorCode === 0) broker.offsets.deleteGroup(groupId);
        return { groupId, errorCode };
      }),
    };
  },
});
