// OffsetFetch (9) v1-9 (v6+ flexible, as librdkafka's read_committed consumers use it). A null
// topic list (v2+) means every partition the group has committed. Nothing committed → -1.
// v8+ asks for several groups in one request, each answered with its own error code (KIP-709);
// v9 adds the member id and epoch of the new consumer protocol (KIP-848), which a classic group
// ignores (Kafka's ClassicGroup.validateOffsetFetch), and this broker has only classic groups.
// On a node that does not coordinate the group: NOT_COORDINATOR, for that group from v8, top-level
// from v2, before that on every requested partition (Kafka's OffsetFetchRequest.getErrorResponse).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  OffsetFetchRequest,
  OffsetFetchRequestOffsetFetchRequestTopic,
  OffsetFetchResponseInput,
  OffsetFetchResponseOffsetFetchResponseTopicInput,
} from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler, type RequestContext } from '../handler.js';

export const offsetFetch = defineHandler<OffsetFetchRequest, OffsetFetchResponseInput>({
  apiKey: 9,
  minVersion: 1,
  maxVersion: 9,
  handle(req, ctx) {
    if (ctx.header.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => ({ groupId: g.groupId, ...groupOffsets(ctx, g.groupId, g.topics, req.requireStable) })),
      };
    }
    if (!coordinatesGroupHere(ctx, req.groupId) && ctx.header.apiVersion < 2) {
      const errorCode = ErrorCode.NOT_COORDINATOR;
      return {
        throttleTimeMs: 0,
        errorCode,
        topics: (req.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
        })),
      };
    }
    return { throttleTimeMs: 0, ...groupOffsets(ctx, req.groupId, req.topics, req.requireStable) };
  },
});

/** One group's answer: its committed offsets of `topics` (null: all it has), or why not. */
function groupOffsets(
  ctx: RequestContext,
  groupId: string,
  topics: OffsetFetchRequestOffsetFetchRequestTopic[] | null,
  requireStable: boolean,
): { errorCode: number; topics: OffsetFetchResponseOffsetFetchResponseTopicInput[] } {
  const { broker } = ctx;
  if (!coordinatesGroupHere(ctx, groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] };
  const wanted = topics ?? [...broker.offsets.all(groupId)].map(([name, parts]) => ({ name, partitionIndexes: [...parts.keys()] }));
  return {
    errorCode: 0,
    topics: wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        const c = broker.offsets.get(groupId, t.name, p);
        if (requireStable && broker.transactions.hasPendingOffsets(groupId, t.name, p)) {
          // v7+: offsets held in an open transaction; a read_committed consumer retries.
          return { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
        }
        return {
          partitionIndex: p,
          committedOffset: c?.offset ?? -1,
          committedLeaderEpoch: c?.leaderEpoch ?? -1,
          metadata: c?.metadata ?? '',
          errorCode: 0,
        };
      }),
    })),
  };
}
