// ListGroups (16) v0-2: the groups this node coordinates, as each Kafka broker lists only those of
// the __consumer_offsets partitions it leads (GroupCoordinatorService.listGroups).
import type { ListGroupsRequest, ListGroupsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const listGroups = defineHandler<ListGroupsRequest, ListGroupsResponseInput>({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 2,
  handle(_req, { broker, node }) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: broker.groups
        .list()
        .filter((g) => broker.cluster.groupCoordinator(g.groupId) === node.nodeId)
        .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state })),
    };
  },
});
