// DescribeGroups (15) v0-4. Unknown groups are reported as Dead with no error, as Kafka does.
// Member metadata and assignments are the raw protocol bytes, which clients decode.
import type { DescribeGroupsRequest, DescribeGroupsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const describeGroups = defineHandler<DescribeGroupsRequest, DescribeGroupsResponseInput>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 4,
  handle(req, { broker }) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => {
        const g = broker.groups.describe(id);
        return {
          errorCode: 0,
          groupId: id,
          groupState: g.state,
          protocolType: g.protocolType,
          protocolData: g.protocolName,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: -2147483648,
        };
      }),
    };
  },
});
