// JoinGroup (11) v0-5. v4+ new members first get MEMBER_ID_REQUIRED with their id (KIP-394);
// the response is held until the rebalance completes. v0 has no rebalance timeout (= session).
// On a node that does not coordinate the group: NOT_COORDINATOR.
import { ErrorCode } from '../../protocol/errors.js';
import type { JoinGroupRequest, JoinGroupResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const joinGroup = defineHandler<JoinGroupRequest, JoinGroupResponseInput>({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const { broker, header, client } = ctx;
    const r = !coordinatesGroupHere(ctx, req.groupId)
      ? { errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, protocolName: null, leader: '', memberId: '', members: [] }
      : await broker.groups.join(
      {
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: header.apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        reason: req.reason,
      },
      { clientId: header.clientId ?? '', host: `/${client.remote.replace(/:\d+$/, '')}` },
      header.apiVersion,
    );
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolName: r.protocolName ?? (header.apiVersion >= 7 ? null : ''),
      leader: r.leader,
      memberId: r.memberId,
      members: r.members,
    };
  },
});
