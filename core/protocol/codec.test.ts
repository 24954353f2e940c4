import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decode, encode } from './codec.js';
import { ProtocolError, Reader, Writer } from './primitives.js';
import { API_SCHEMAS, ApiKey } from './apis.js';
import {
  ApiVersionsResponseSchema,
  FetchRequestSchema,
  MetadataResponseSchema,
  DescribeTransactionsResponseSchema,
  ProduceRequestSchema,
  type ApiVersionsResponse,
  type FetchRequest,
  type DescribeTransactionsResponse,
  type ProduceRequest,
  type MetadataResponseInput,
} from './schema/generated/index.js';

// kafkajs's own protocol code is an independent witness of the wire format.
const require = createRequire(import.meta.url);
const kjs = (path: string) => require(`kafkajs/src/protocol/${path}`);

describe('primitives', () => {
  it('encodes varints as Kafka does (zigzag for signed, LEB128 for unsigned)', () => {
    expect(new Writer().uvarint(300).toBuffer()).toEqual(Buffer.from([0xac, 0x02]));
    expect(new Writer().varint(-1).toBuffer()).toEqual(Buffer.from([0x01]));
    expect(new Writer().varint(1).toBuffer()).toEqual(Buffer.from([0x02]));
    const values = [0, 1, -1, 63, -64, 2 ** 31 - 1, -(2 ** 31)];
    for (const v of values) expect(new Reader(new Writer().varint(v).toBuffer()).varint()).toBe(v);
    for (const v of [0, -1, 1700000000000, -1700000000000, 2 ** 52]) {
      expect(new Reader(new Writer().varlong(v).toBuffer()).varlong()).toBe(v);
    }
    expect(new Reader(new Writer().uvarint(2 ** 32 - 1).toBuffer()).uvarint()).toBe(2 ** 32 - 1);
  });

  it('rejects truncated input and absurd array lengths with ProtocolError', () => {
    expect(() => new Reader(Buffer.from([0, 1])).int32()).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint()).toThrow(ProtocolError);
    const r = new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    expect(() => r.count(r.int32())).toThrow(ProtocolError);
  });

  it('references large buffers instead of copying them', () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const chunks = new Writer().int32(1).raw(big).int8(2).chunksOut();
    expect(chunks.some((c) => c === big)).toBe(true);
  });
});

describe('codec against kafkajs', () => {
  it('decodes a Fetch v11 request written by kafkajs', async () => {
    const req = kjs('requests/fetch/v11/request.js')({
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 3, fetchOffset: '42', maxBytes: 1024 }] }],
      rackId: 'r1',
    });
    const body: Buffer = (await req.encode()).buffer;
    const got = decode<FetchRequest>(FetchRequestSchema, 11, new Reader(body));
    expect(got.maxWaitMs).toBe(500);
    expect(got.isolationLevel).toBe(1);
    expect(got.rackId).toBe('r1');
    expect(got.topics[0]?.topic).toBe('orders');
    expect(got.topics[0]?.partitions[0]).toMatchObject({ partition: 3, fetchOffset: 42, partitionMaxBytes: 1024 });
  });

  it('encodes a Metadata v6 response that kafkajs decodes', async () => {
    const res: MetadataResponseInput = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
      clusterId: 'sw-cluster',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
        },
      ],
    };
    const body = encode(MetadataResponseSchema, 6, res);
    const decoded = await kjs('requests/metadata/v6/response.js').decode(body);
    expect(decoded.controllerId).toBe(1);
    expect(decoded.clusterId).toBe('sw-cluster');
    expect(decoded.brokers[0]).toMatchObject({ nodeId: 1, host: '127.0.0.1', port: 9092 });
    expect(decoded.topicMetadata[0].topic).toBe('orders');
    expect(decoded.topicMetadata[0].partitionMetadata[0]).toMatchObject({ partitionId: 0, leader: 1, replicas: [1], isr: [1] });
  });

  it('decodes a Produce v7 request written by kafkajs, leaving records as raw bytes', async () => {
    const req = kjs('requests/produce/v7/request.js')({
      acks: -1,
      timeout: 30000,
      transactionalId: null,
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v', timestamp: 1 }] }] }],
    });
    const body: Buffer = (await req.encode()).buffer;
    const got = decode<ProduceRequest>(ProduceRequestSchema, 7, new Reader(body));
    expect(got.acks).toBe(-1);
    expect(got.transactionalId).toBeNull();
    const records = got.topicData[0]?.partitionData[0]?.records;
    expect(Buffer.isBuffer(records)).toBe(true);
    expect(records!.readInt8(16)).toBe(2); // magic byte of a v2 record batch
  });
});

describe('flexible versions', () => {
  it('round-trips ApiVersions v3 with tagged fields and compact arrays', () => {
    const body = encode(ApiVersionsResponseSchema, 3, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 7 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5, // tagged (tag 1): written only because it is not the default
    });
    const back = decode<ApiVersionsResponse>(ApiVersionsResponseSchema, 3, new Reader(body));
    expect(back.apiKeys).toEqual([{ apiKey: 0, minVersion: 3, maxVersion: 7 }]);
    expect(back.finalizedFeaturesEpoch).toBe(5);
    expect(back.zkMigrationReady).toBe(false); // absent tagged field → default
    // compact array of 1 element is uvarint 2
    expect(body.readInt16BE(0)).toBe(0);
    expect(body.readUInt8(2)).toBe(2);
  });

  it('round-trips DescribeTransactions v0 (flexible from 0)', () => {
    const value = {
      throttleTimeMs: 0,
      transactionStates: [
        {
          errorCode: 0,
          transactionalId: 'app-0_1',
          transactionState: 'Ongoing',
          transactionTimeoutMs: 60000,
          transactionStartTimeMs: 1700000000000,
          producerId: 4000,
          producerEpoch: 3,
          topics: [{ topic: 'out', partitions: [0, 2] }],
        },
      ],
    };
    const back = decode<DescribeTransactionsResponse>(
      DescribeTransactionsResponseSchema,
      0,
      new Reader(encode(DescribeTransactionsResponseSchema, 0, value)),
    );
    expect(back).toEqual(value);
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const buf = Buffer.alloc(Math.floor(rnd() * 64));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rnd() * 256);
      for (const key of [ApiKey.Produce, ApiKey.Fetch, ApiKey.Metadata, ApiKey.CreateTopics]) {
        const api = API_SCHEMAS.get(key)!;
        const v = api.request.validVersions[0] + Math.floor(rnd() * 10);
        try {
          decode(api.request, Math.min(v, api.request.validVersions[1]), new Reader(buf));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }
    }
  });
});
