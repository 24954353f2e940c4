// OffsetFetch (9) v1-7 (v6+ flexible, as librdkafka's read_committed consumers use it). A null
// topic list (v2+) means every partition the group has committed. Nothing committed → -1.
// On a node that does not coordinate the group: NOT_COORDINATOR, top-level from v2, before
// that on every requested partition (Kafka's OffsetFetchRequest.getErrorResponse).
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetFetchRequest, OffsetFetchResponseInput } from '../../protocol/schema/generated/index.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';

export const offsetFetch = defineHandler<OffsetFetchRequest, OffsetFetchResponseInput>({
  apiKey: 9,
  minVersion: 1,
  maxVersion: 7,
  handle(req, ctx) {
    const { broker, header } = ctx;
    if (!coordinatesGroupHere(ctx, req.groupId)) {
      const errorCode = ErrorCode.NOT_COORDINATOR;
      const perPartition = header.apiVersion < 2;
      return {
        throttleTimeMs: 0,
        errorCode,
        topics: perPartition
          ? (req.topics ?? []).map((t) => ({
              name: t.name,
              partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
            }))
          : [],
      };
    }
    const wanted =
      req.topics ??
      [...broker.offsets.all(req.groupId)].map(([name, parts]) => ({ name, partitionIndexes: [...parts.keys()] }));
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => {
          const c = broker.offsets.get(req.groupId, t.name, p);
          if (req.requireStable && broker.transactions.hasPendingOffsets(req.groupId, t.name, p)) {
            // v7: offsets held in an open transaction; a read_committed consumer retries.
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
  },
});
