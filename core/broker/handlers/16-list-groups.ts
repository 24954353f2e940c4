// ListGroups (16) v0-2: every group this coordinator knows (all of them: a single node).
import type { ListGroupsRequest, ListGroupsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const listGroups = defineHandler<ListGroupsRequest, ListGroupsResponseInput>({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 2,
  handle(_req, { broker }) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: broker.groups.list().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state })),
    };
  },
});
