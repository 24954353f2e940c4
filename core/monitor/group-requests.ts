// The per-group questions of a poll, asked of each coordinator for all its groups at once, as lag
// exporters do (Burrow, kafka-lag-exporter): one DescribeGroups per coordinator, and committed
// offsets with one OffsetFetch per coordinator where the broker speaks v8+ (several groups per
// request, KIP-709), else one OffsetFetch per group pipelined on the coordinator's connection.
// kafkajs's admin would send a FindCoordinator before every group's request.
import type { GroupDescription } from 'kafkajs';
import { ApiKey } from '../protocol/apis.js';
import { errorName } from '../protocol/errors.js';
import type {
  DescribeGroupsRequestInput,
  DescribeGroupsResponse,
  ListGroupsResponse,
  OffsetFetchRequestInput,
  OffsetFetchResponse,
} from '../protocol/schema/generated/index.js';
import { partitionKey } from '../protocol/topic-partition.js';
import type { BrokerConnection } from '../client/connection.js';
import type { CommittedOffsets } from './offsets.js';

/** OffsetFetch v8 is the first to take several groups; v10+ names topics by id. */
const OFFSET_FETCH_BATCH = { min: 8, max: 9 } as const;

/** Per group: its answer, or the error code the coordinator gave for it. */
export type PerGroup<T> = Map<string, { ok: true; value: T } | { ok: false; errorCode: number }>;

/** Error codes after which the group's coordinator must be looked up again. */
export const COORDINATOR_MOVED = new Set([14 /* COORDINATOR_LOAD_IN_PROGRESS */, 15 /* COORDINATOR_NOT_AVAILABLE */, 16 /* NOT_COORDINATOR */]);

export function groupErrorMessage(what: string, errorCode: number): string {
  return `${what}: ${errorName(errorCode)}`;
}

/** The ids of the groups this broker coordinates (ListGroups). */
export async function listGroups(conn: BrokerConnection): Promise<string[]> {
  const res = await conn.request<ListGroupsResponse>(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] }, { max: 5 });
  if (res.errorCode !== 0) throw new Error(groupErrorMessage('ListGroups', res.errorCode));
  return res.groups.map((g) => g.groupId);
}

/**
 * The groups, described by their coordinator in one request, in the shape kafkajs gives them, with
 * each member's group.instance.id besides (group-watcher.ts's DescribedMember).
 */
export async function describeGroups(conn: BrokerConnection, groupIds: readonly string[]): Promise<PerGroup<GroupDescription>> {
  const version = conn.version(ApiKey.DescribeGroups, { min: 0, max: 5 });
  const body: DescribeGroupsRequestInput = { groups: [...groupIds] };
  const res = await conn.requestAt<DescribeGroupsResponse>(ApiKey.DescribeGroups, version, body);
  const out: PerGroup<GroupDescription> = new Map();
  for (const g of res.groups) {
    if (g.errorCode !== 0) {
      out.set(g.groupId, { ok: false, errorCode: g.errorCode });
      continue;
    }
    out.set(g.groupId, {
      ok: true,
      value: {
        groupId: g.groupId,
        state: g.groupState as GroupDescription['state'],
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.memberMetadata,
          memberAssignment: m.memberAssignment,
          groupInstanceId: m.groupInstanceId, // v4+; null for a dynamic member
        })),
      },
    });
  }
  return out;
}

/** Every committed offset of each group (partitions without one are absent). */
export async function committedOffsets(conn: BrokerConnection, groupIds: readonly string[]): Promise<PerGroup<CommittedOffsets>> {
  const batched = conn.versionFor(ApiKey.OffsetFetch, OFFSET_FETCH_BATCH);
  if (batched !== null) {
    const body: OffsetFetchRequestInput = {
      groups: groupIds.map((groupId) => ({ groupId, memberId: null, memberEpoch: -1, topics: null })),
      requireStable: false,
    };
    const res = await conn.requestAt<OffsetFetchResponse>(ApiKey.OffsetFetch, batched, body);
    const out: PerGroup<CommittedOffsets> = new Map();
    for (const g of res.groups) out.set(g.groupId, g.errorCode !== 0 ? { ok: false, errorCode: g.errorCode } : { ok: true, value: toOffsets(g.topics) });
    return out;
  }
  // Older brokers: one request per group (v2+: null topics = all), all in flight at once.
  const version = conn.version(ApiKey.OffsetFetch, { min: 2, max: 7 });
  const answers = await Promise.all(
    groupIds.map(async (groupId) => {
      const body: OffsetFetchRequestInput = { groupId, topics: null, requireStable: false };
      const res = await conn.requestAt<OffsetFetchResponse>(ApiKey.OffsetFetch, version, body);
      return [groupId, res.errorCode !== 0 ? { ok: false as const, errorCode: res.errorCode } : { ok: true as const, value: toOffsets(res.topics) }] as const;
    }),
  );
  return new Map(answers);
}

function toOffsets(topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number; committedOffset: number; errorCode: number }> }>): CommittedOffsets {
  const out: CommittedOffsets = new Map();
  for (const t of topics) {
    for (const p of t.partitions) if (p.errorCode === 0 && p.committedOffset >= 0) out.set(partitionKey(t.name, p.partitionIndex), p.committedOffset);
  }
  return out;
}
