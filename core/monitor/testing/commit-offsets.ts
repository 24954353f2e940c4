// Test helper: commits offsets for a group with no members, as admin tools do (generation -1),
// in one request. kafkajs's admin.setOffsets runs a whole consumer to do the same.
import type { RunningBroker } from '../../broker/broker.js';
import { rawRequest } from '../../broker/testing/raw-client.js';
import { ApiKey } from '../../protocol/apis.js';
import type { OffsetCommitResponse } from '../../protocol/schema/generated/index.js';

export async function commitOffsets(b: RunningBroker, groupId: string, topic: string, offsets: Record<number, number>): Promise<void> {
  const res = await rawRequest<OffsetCommitResponse>(b.address, ApiKey.OffsetCommit, 7, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: topic,
        partitions: Object.entries(offsets).map(([p, offset]) => ({ partitionIndex: Number(p), committedOffset: offset, committedMetadata: null })),
      },
    ],
  });
  for (const p of res.topics[0]?.partitions ?? []) if (p.errorCode !== 0) throw new Error(`commit ${topic}-${p.partitionIndex}: error ${p.errorCode}`);
}
