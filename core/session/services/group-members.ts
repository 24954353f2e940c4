// groups.removeMember: a member removed from a consumer group on its behalf — a dead or frozen
// instance the group would otherwise wait for until its session times out — with core/client's
// removeMember (what Admin.removeMembersFromConsumerGroup sends; kafkajs has no such call), on a
// short-lived client per command.
import { KafkaClient } from '../../client/client.js';
import { KafkaResponseError } from '../../client/errors.js';
import { removeMember, type MemberToRemove } from '../../client/group/remove-members.js';
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsResponse } from '../../protocol/schema/generated/index.js';
import { memberRemovalFailure } from '../errors.js';
import type { ClusterConnection } from './connection.js';

export interface GroupMemberRef extends MemberToRemove {
  groupId: string;
}

/** How the member is named in messages. */
export function memberLabel(m: MemberToRemove): string {
  return m.groupInstanceId !== null ? `static member ${m.groupInstanceId}` : `member ${m.memberId}`;
}

export class GroupMembers {
  readonly #connection: ClusterConnection;
  readonly #requestTimeoutMs: number;

  constructor(deps: { connection: ClusterConnection; requestTimeoutMs: number }) {
    this.#connection = deps.connection;
    this.#requestTimeoutMs = deps.requestTimeoutMs;
  }

  /** Resolves once the coordinator has removed the member (it rebalances the group at once). */
  async remove(m: GroupMemberRef): Promise<GroupMemberRef> {
    const conn = this.#connection.require();
    const client = new KafkaClient({
      bootstrapServers: conn.profile.bootstrapServers,
      clientId: 'streamwatch-admin',
      requestTimeoutMs: this.#requestTimeoutMs,
      ...(conn.profile.ssl ? { ssl: true } : {}),
      ...(conn.profile.sasl !== null ? { sasl: conn.profile.sasl } : {}),
    });
    try {
      const code = await removeMember(client, m.groupId, m);
      if (code === ErrorCode.NONE) return m;
      // Kafka answers UNKNOWN_MEMBER_ID for a group it does not hold too: tell the two apart.
      const exists = code === ErrorCode.UNKNOWN_MEMBER_ID ? await groupExists(client, m.groupId) : true;
      throw memberRemovalFailure(code, memberLabel(m), m.groupId, exists);
    } catch (error) {
      if (error instanceof KafkaResponseError) throw memberRemovalFailure(error.code, memberLabel(m), m.groupId, true);
      throw error;
    } finally {
      client.close();
    }
  }
}

/** Whether the coordinator holds the group (DescribeGroups: state Dead, or GROUP_ID_NOT_FOUND from v6, means it does not). */
async function groupExists(client: KafkaClient, groupId: string): Promise<boolean> {
  const res = await client.coordinatorRequest<DescribeGroupsResponse>('group', groupId, ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }, {
    errorOf: (r) => r.groups[0]?.errorCode ?? 0,
  });
  const g = res.groups[0];
  return g !== undefined && g.errorCode === ErrorCode.NONE && g.groupState !== 'Dead';
}
