import { describe, expect, it } from 'vitest';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, partitionsByTopic } from './consumer-protocol.js';

describe('consumer protocol', () => {
  const subscription = {
    topics: ['a', 'b'],
    userData: Buffer.from('ud'),
    ownedPartitions: [{ topic: 'b', partition: 2 }, { topic: 'a', partition: 1 }, { topic: 'a', partition: 0 }],
    generationId: 9,
    rackId: 'r1',
  };

  it('round-trips a v3 subscription (owned partitions grouped by topic, in order)', () => {
    expect(decodeSubscription(encodeSubscription(subscription))).toEqual({
      ...subscription,
      ownedPartitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 2 }],
    });
  });

  it('writes each version with only its fields: v0 has no owned partitions, v1 no generation, v2 no rack', () => {
    expect(decodeSubscription(encodeSubscription(subscription, 0))).toEqual({ topics: ['a', 'b'], userData: Buffer.from('ud'), ownedPartitions: [], generationId: -1, rackId: null });
    expect(decodeSubscription(encodeSubscription(subscription, 1))?.generationId).toBe(-1);
    expect(decodeSubscription(encodeSubscription(subscription, 2))).toMatchObject({ generationId: 9, rackId: null });
    expect(encodeSubscription(subscription, 0).readInt16BE(0)).toBe(0);
  });

  it('round-trips an assignment, and reads a newer version than it knows as its newest', () => {
    const bytes = encodeAssignment({ partitions: [{ topic: 't', partition: 3 }, { topic: 't', partition: 1 }], userData: null });
    expect(decodeAssignment(bytes)).toEqual({ partitions: [{ topic: 't', partition: 1 }, { topic: 't', partition: 3 }], userData: null });
    const newer = Buffer.from(bytes);
    newer.writeInt16BE(7, 0);
    expect(decodeAssignment(newer)?.partitions).toHaveLength(2);
    expect(partitionsByTopic(decodeAssignment(bytes)!.partitions)).toEqual({ t: [1, 3] });
  });

  it('gives null for bytes that are not the consumer protocol', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toBeNull();
    expect(decodeSubscription(Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]))).toBeNull();
  });
});
