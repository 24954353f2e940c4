// OffsetCommit (8) v2-7. Simple consumers and admin tools (generation -1, empty member id) may
// commit to an Empty or unknown group; members must name the current generation. Commits are
// accepted during PreparingRebalance (as Kafka does) and refused during CompletingRebalance.
// v7+ carries group_instance_id: an old incarnation of a static member gets FENCED_INSTANCE_ID.
// On a node that does not coordinate the group: NOT_COORDINATOR for every partition.
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitRequest, OffsetCommitResponseInput } from '../../protocol/schema/generated/index.js';
import { offsetToCommit } from '../groups/offset-store.js';
import { coordinatesGroupHere, defineHandler, type RequestContext } from '../handler.js';

const MAX_METADATA = 4096;

function groupError(ctx: RequestContext, req: OffsetCommitRequest): number {
  if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
  if (!coordinatesGroupHere(ctx, req.groupId)) return ErrorCode.NOT_COORDINATOR;
  const member = { memberId: req.memberId, groupInstanceId: req.groupInstanceId, generationId: req.generationIdOrMemberEpoch };
  return ctx.broker.groups.offsetCommitError(req.groupId, member, false);
}

export const offsetCommit = defineHandler<OffsetCommitRequest, OffsetCommitResponseInput>({
  apiKey: 8,
  minVersion: 2,
  maxVersion: 7,
  handle(req, ctx) {
    const { broker } = ctx;
    const denied = groupError(ctx, req);
    const now = broker.now();
    const accepted: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }[] = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode = denied;
        if (errorCode === 0 && !broker.topics.partition(t.name, p.partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (errorCode === 0 && (p.committedMetadata?.length ?? 0) > MAX_METADATA) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        if (errorCode === 0) {
          accepted.push(offsetToCommit(t.name, p, now));
        }
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    }));
    if (accepted.length > 0) {
      broker.groups.getOrCreate(req.groupId);
      broker.offsets.commit(req.groupId, accepted);
      broker.emit({
        type: 'group.offsets.committed',
        at: now,
        groupId: req.groupId,
        offsets: accepted.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      });
    }
    return { throttleTimeMs: 0, topics };
  },
});
