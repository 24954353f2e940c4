import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../protocol/consumer-protocol.js';
import type { AssignorMember } from './assignor.js';
import { assignSticky } from './sticky-assignor.js';

const member = (memberId: string, owned: number[], generationId = 1): AssignorMember => ({
  memberId,
  groupInstanceId: null,
  subscription: { topics: ['in'], userData: null, ownedPartitions: owned.map((partition) => ({ topic: 'in', partition })), generationId, rackId: null },
});
const partitions = (a: { partitions: TopicPartition[] } | undefined) => a?.partitions.map((tp) => tp.partition).sort((x, y) => x - y);
const metadata = { partitionCounts: new Map([['in', 6]]) };

describe('assignSticky', () => {
  it('spreads partitions evenly over new members', () => {
    const out = assignSticky([member('a', []), member('b', []), member('c', [])], metadata, 'eager');
    expect([...out.values()].map((a) => a.partitions.length)).toEqual([2, 2, 2]);
    expect(new Set([...out.values()].flatMap((a) => a.partitions.map((tp) => tp.partition))).size).toBe(6);
  });

  it('cooperative: keeps what members own up to their share and hands nobody a partition another still owns', () => {
    const out = assignSticky([member('a', [0, 1, 2]), member('b', [3, 4, 5]), member('c', [])], metadata, 'cooperative');
    expect(partitions(out.get('a'))).toEqual([0, 1]);
    expect(partitions(out.get('b'))).toEqual([3, 4]);
    expect(partitions(out.get('c'))).toEqual([]); // 2 and 5 are revoked first; the follow-up hands them over
    const next = assignSticky([member('a', [0, 1], 2), member('b', [3, 4], 2), member('c', [], 2)], metadata, 'cooperative');
    expect(partitions(next.get('c'))).toEqual([2, 5]);
  });

  it('eager: moves partitions at once', () => {
    const out = assignSticky([member('a', [0, 1, 2]), member('b', [3, 4, 5]), member('c', [])], metadata, 'eager');
    expect(partitions(out.get('c'))).toEqual([2, 5]);
  });

  it('the newer generation wins a partition claimed twice', () => {
    const out = assignSticky([member('a', [0], 1), member('b', [0], 2)], { partitionCounts: new Map([['in', 2]]) }, 'cooperative');
    expect(partitions(out.get('b'))).toContain(0);
    expect(partitions(out.get('a'))).not.toContain(0);
  });
});
