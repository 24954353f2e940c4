// DescribeGroups (15) v0-4. Unknown groups are reported as Dead with no error, as Kafka does.
// Member metadata and assignments are the raw protocol bytes, which clients decode. A group this
// node does not coordinate gets NOT_COORDINATOR with empty fields (Kafka's error DescribedGroup).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const describeGroups = defineHandler<DescribeGroupsRequest, DescribeGroupsResponseInput>({
  apiKey: 15,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { broker } = ctx;
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((id) => {
        if (!coordinatesGroupHere(ctx, id)) {
          return { errorCode: ErrorCode.NOT_COORDINATOR, groupId: id, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: -2147483648 };
        }
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
