// Removing group members on their behalf, as Kafka's Admin.removeMembersFromConsumerGroup does
// (Kafka Streams' close with CloseOptions "leave group" uses it for a static member, which never
// sends a LeaveGroup itself): a LeaveGroup naming a static member by its group.instance.id with
// an empty member id — so a member id that changed since it was seen does not matter — and a
// dynamic member by its member id. Static members can be named only in the v3+ batch.
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { LeaveGroupRequestInput, LeaveGroupResponse } from '../../protocol/schema/generated/index.js';
import type { KafkaClient } from '../client.js';

/** Kafka's KafkaAdminClient.DEFAULT_LEAVE_GROUP_REASON (LeaveGroup v5+ carries it to the broker's log). */
export const ADMIN_LEAVE_REASON = 'member was removed by an admin';

/** A static member by its group.instance.id; a dynamic one (groupInstanceId null) by its member id. */
export interface MemberToRemove {
  memberId: string;
  groupInstanceId: string | null;
}

/** The LeaveGroup body at `version`: v3+ a batch of one; v0–2 (dynamic members only) the member id alone. */
export function removeMemberRequest(groupId: string, m: MemberToRemove, version: number, reason = ADMIN_LEAVE_REASON): LeaveGroupRequestInput {
  if (version < 3) return { groupId, memberId: m.memberId };
  const identity = m.groupInstanceId !== null ? { memberId: '', groupInstanceId: m.groupInstanceId } : { memberId: m.memberId, groupInstanceId: null };
  return { groupId, members: [{ ...identity, reason }] };
}

/**
 * Sends the LeaveGroup to the group's coordinator. Resolves with the first error: the response's,
 * else the member's (Kafka answers NONE at the top for a group it holds); NONE when removed.
 */
export async function removeMember(client: KafkaClient, groupId: string, m: MemberToRemove, reason = ADMIN_LEAVE_REASON): Promise<number> {
  const res = await client.coordinatorRequest<LeaveGroupResponse>('group', groupId, ApiKey.LeaveGroup, (v: number) => removeMemberRequest(groupId, m, v, reason), {
    range: { min: m.groupInstanceId !== null ? 3 : 0 },
    errorOf: (r) => r.errorCode,
  });
  if (res.errorCode !== ErrorCode.NONE) return res.errorCode;
  return res.members.find((r) => r.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
}
