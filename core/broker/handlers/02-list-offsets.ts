// ListOffsets (2) v0-3. -1 = latest (the LSO for read_committed from v2, else the high
// watermark), -2 = earliest (log start offset), otherwise the earliest record whose timestamp
// is >= the target (record granularity), or -1 when there is none. v0 answers with an array.
// A partition this node does not lead is NOT_LEADER_OR_FOLLOWER.
import { ErrorCode } from '../../protocol/errors.js';
import type { ListOffsetsRequest, ListOffsetsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler, leadsHere } from '../handler.js';

const LATEST = -1;
const EARLIEST = -2;
const READ_COMMITTED = 1;

export const listOffsets = defineHandler<ListOffsetsRequest, ListOffsetsResponseInput>({
  apiKey: 2,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const { broker, header } = ctx;
    const v = header.apiVersion;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const partition = broker.topics.partition(t.name, p.partitionIndex);
          if (!partition || !leadsHere(ctx, t.name, p.partitionIndex)) {
            const errorCode = partition ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return { partitionIndex: p.partitionIndex, errorCode, timestamp: -1, offset: -1, oldStyleOffsets: [] };
          }
          let offset: number;
          let timestamp = -1;
          if (p.timestamp === LATEST) {
            offset = v >= 2 && req.isolationLevel === READ_COMMITTED ? partition.lastStableOffset : partition.highWatermark;
          } else if (p.timestamp === EARLIEST) {
            offset = partition.log.logStartOffset;
          } else {
            const found = partition.log.offsetForTimestamp(p.timestamp);
            offset = found?.offset ?? -1;
            timestamp = found?.timestamp ?? -1;
          }
          return {
            partitionIndex: p.partitionIndex,
            errorCode: 0,
            timestamp,
            offset,
            // v0: up to maxNumOffsets offsets, newest first; we have only the one asked for.
            oldStyleOffsets: offset >= 0 && p.maxNumOffsets > 0 ? [offset] : [],
          };
        }),
      })),
    };
  },
});
