import { describe, expect, it } from 'vitest';
import { decode, encode } from '../protocol/codec.js';
import { Reader } from '../protocol/primitives.js';
import {
  FetchRequestSchema,
  FetchResponseSchema,
  type FetchRequest,
  type FetchResponse,
  type FetchResponseInput,
} from '../protocol/schema/generated/index.js';
import { ZERO_TOPIC_ID, fetchRequestBody, fetchVersionRange, responseTopic, type FetchLimits } from './fetch-request.js';

const limits: FetchLimits = { maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, maxPartitionBytes: 1_048_576, isolationLevel: 'read_committed' };
const ids = new Map([
  ['orders', 'x2X9ZQxhRUeFSz3XMIsZ4A'],
  ['payments', 'AQIDBAUGBwgJCgsMDQ4PEA'],
]);
const partitions = [
  { topic: 'orders', partition: 0, fetchOffset: 10, currentLeaderEpoch: 2 },
  { topic: 'payments', partition: 3, fetchOffset: 7, currentLeaderEpoch: -1 },
  { topic: 'orders', partition: 1, fetchOffset: 0, currentLeaderEpoch: 2 },
];

function onTheWire(version: number): FetchRequest {
  return decode<FetchRequest>(FetchRequestSchema, version, new Reader(encode(FetchRequestSchema, version, fetchRequestBody(version, partitions, limits, (t) => ids.get(t)))));
}

describe('fetch requests', () => {
  it('offers v13+ only when every topic has an id', () => {
    expect(fetchVersionRange(['orders', 'payments'], (t) => ids.get(t))).toEqual({ min: 4 });
    expect(fetchVersionRange(['orders', 'new'], (t) => ids.get(t))).toEqual({ min: 4, max: 12 });
    expect(fetchVersionRange(['orders'], () => ZERO_TOPIC_ID)).toEqual({ min: 4, max: 12 });
  });

  it('names topics up to v12 and gives their ids from v13, with the limits, isolation level and no session', () => {
    const v12 = onTheWire(12);
    expect(v12.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.fetchOffset, p.currentLeaderEpoch])])).toEqual([
      ['orders', [[0, 10, 2], [1, 0, 2]]],
      ['payments', [[3, 7, -1]]],
    ]);
    expect(v12).toMatchObject({ replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, isolationLevel: 1, sessionId: 0, sessionEpoch: -1 });
    expect(v12.topics[0]!.partitions[0]!.partitionMaxBytes).toBe(1_048_576);

    const v13 = onTheWire(13);
    expect(v13.topics.map((t) => [t.topic, t.topicId])).toEqual([
      ['', ids.get('orders')],
      ['', ids.get('payments')],
    ]);
  });

  it('finds the topic of a response entry by name, or from v13 by id', () => {
    const body: FetchResponseInput = {
      responses: [{ topic: 'orders', topicId: ids.get('orders')!, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 5, records: null }] }],
    };
    const topicOfId = (id: string) => [...ids].find(([, i]) => i === id)?.[0];
    for (const version of [11, 13, 16]) {
      const res = decode<FetchResponse>(FetchResponseSchema, version, new Reader(encode(FetchResponseSchema, version, body)));
      expect([version, responseTopic(version, res.responses[0]!, topicOfId)]).toEqual([version, 'orders']);
    }
    const unknown = decode<FetchResponse>(FetchResponseSchema, 13, new Reader(encode(FetchResponseSchema, 13, body)));
    expect(responseTopic(13, unknown.responses[0]!, () => undefined)).toBeUndefined();
  });
});
