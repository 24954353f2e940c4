import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reader, Writer } from '../protocol/primitives.js';
import { ApiKey } from '../protocol/apis.js';
import { startBroker, type RunningBroker } from './broker.js';
import { exchange, rawFetch as fetchFrom, rawRequest as request, requestFrame } from './testing/raw-client.js';
import { fetchBody } from './testing/raw-client.js';

const rawRequest = <T>(b: RunningBroker, key: number, v: number, body: unknown) => request<T>(b.address, key, v, body);
const rawFetch = (b: RunningBroker, topic: string, partition: number, offset: number) => fetchFrom(b.address, topic, partition, offset);
const readOneFrame = exchange;

const kafka = (b: RunningBroker) =>
  new Kafka({ brokers: [b.bootstrap], clientId: 'broker-test', logLevel: logLevel.NOTHING, retry: { retries: 3 } });

describe('embedded broker data plane (kafkajs)', () => {
  let b: RunningBroker;
  let admin: Admin;
  let producer: Producer;
  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null });
    admin = kafka(b).admin();
    await admin.connect();
    producer = kafka(b).producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await b?.close();
  });

  it('advertises exactly the address clients dial and is its own controller', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: b.address.port }]);
    expect(cluster.controller).toBe(1);
  });

  it('produces keys, values, headers and timestamps and fetches them back unchanged', async () => {
    await admin.createTopics({ topics: [{ topic: 'dp-roundtrip', numPartitions: 1 }] });
    const t0 = Date.now() - 60_000;
    const messages = Array.from({ length: 50 }, (_, i) => ({
      key: i % 5 === 0 ? null : `key-${i}`,
      value: i === 7 ? null : `value-${i}`,
      timestamp: String(t0 + i),
      headers: i % 2 ? { h: `x${i}`, bin: Buffer.from([0, 1, 2, i]) } : {},
    }));
    const [meta] = await producer.send({ topic: 'dp-roundtrip', messages, acks: -1 });
    expect(meta?.baseOffset).toBe('0');
    const { records, partition } = await rawFetch(b, 'dp-roundtrip', 0, 0);
    expect(partition.highWatermark).toBe(50);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    records.forEach((r, i) => {
      const m = messages[i]!;
      expect(r.key?.toString() ?? null).toBe(m.key);
      expect(r.value?.toString() ?? null).toBe(m.value);
      expect(r.timestamp).toBe(Number(m.timestamp));
      expect(Object.fromEntries(r.headers.map((h) => [h.key, h.value]))).toEqual(
        i % 2 ? { h: Buffer.from(`x${i}`), bin: Buffer.from([0, 1, 2, i]) } : {},
      );
    });
  });

  it('answers ListOffsets for earliest, latest and by timestamp', async () => {
    await admin.createTopics({ topics: [{ topic: 'dp-offsets', numPartitions: 2 }] });
    const t0 = 1_700_000_000_000;
    await producer.send({
      topic: 'dp-offsets',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}`, timestamp: String(t0 + i * 1000) })),
    });
    const offsets = await admin.fetchTopicOffsets('dp-offsets');
    expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '0', high: '10' });
    expect(offsets.find((o) => o.partition === 1)).toMatchObject({ low: '0', high: '0' });
    const at = async (ts: number) =>
      (await admin.fetchTopicOffsetsByTimestamp('dp-offsets', ts)).find((o) => o.partition === 0)!.offset;
    expect(await at(t0 + 3000)).toBe('3');
    expect(await at(t0 + 3500)).toBe('4');
    expect(await at(t0 - 1)).toBe('0');
    // Past the last record the broker answers -1, which kafkajs replaces with the high watermark.
    expect(await at(t0 + 100_000)).toBe('10');
    const raw = await rawRequest<any>(b, ApiKey.ListOffsets, 1, {
      replicaId: -1,
      topics: [{ name: 'dp-offsets', partitions: [{ partitionIndex: 0, timestamp: t0 + 100_000 }] }],
    });
    expect(raw.topics[0].partitions[0]).toMatchObject({ errorCode: 0, offset: -1, timestamp: -1 });
  });

  it('rejects a produce to an unknown partition with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await admin.createTopics({ topics: [{ topic: 'dp-one', numPartitions: 1 }] });
    const res = await rawRequest<any>(b, ApiKey.Produce, 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'dp-one', partitionData: [{ index: 5, records: Buffer.alloc(0) }] }],
    });
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(3);
  });

  it('answers pipelined requests in order even while a long-poll Fetch waits', async () => {
    await admin.createTopics({ topics: [{ topic: 'dp-pipe', numPartitions: 1 }] });
    const frames = [
      requestFrame(ApiKey.Fetch, 11, 1, fetchBody('dp-pipe', 0, 0, { maxWaitMs: 400 })),
      requestFrame(ApiKey.ApiVersions, 0, 2, {}),
      requestFrame(ApiKey.Metadata, 1, 3, { topics: [] }),
    ];
    const socket = connect(b.address.port, b.address.host);
    const order: number[] = [];
    const started = Date.now();
    await new Promise<void>((resolve) => {
      let acc = Buffer.alloc(0);
      socket.on('data', (d) => {
        acc = Buffer.concat([acc, d]);
        while (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) {
          order.push(acc.readInt32BE(4));
          acc = acc.subarray(4 + acc.readInt32BE(0));
        }
        if (order.length === 3) resolve();
      });
      socket.write(Buffer.concat(frames));
    });
    socket.destroy();
    expect(order).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350); // the fetch really parked
  });

  it('answers an unsupported ApiVersions version with error 35 in a v0 body', async () => {
    const w = new Writer();
    w.int16(ApiKey.ApiVersions).int16(99).int32(11).int16(-1);
    const p = w.toBuffer();
    const frame = Buffer.concat([Buffer.from([0, 0, 0, p.length]), p]);
    const socket = connect(b.address.port, b.address.host);
    const res = await readOneFrame(socket, frame);
    socket.destroy();
    const r = new Reader(res);
    expect(r.int32()).toBe(11);
    expect(r.int16()).toBe(35);
    expect(r.int32()).toBe(1);
    expect([r.int16(), r.int16(), r.int16()]).toEqual([18, 0, 3]);
  });

  it('closes the connection on an oversized or malformed frame and keeps serving others', async () => {
    for (const bad of [
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), // size far beyond socket.request.max.bytes
      Buffer.from([0, 0, 0, 4, 0, 3, 0, 1]), // header cut short
      Buffer.from([0, 0, 0, 10, 0x7f, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]), // unknown API key
    ]) {
      const socket = connect(b.address.port, b.address.host);
      await expect(readOneFrame(socket, bad)).rejects.toThrow('connection closed');
    }
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
  });
});

describe('embedded broker persistence', () => {
  it('keeps topics, configs and records across a restart on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sw-broker-'));
    try {
      let b = await startBroker({ port: 0, dataDir });
      const admin = kafka(b).admin();
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic: 'kept', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      });
      const producer = kafka(b).producer();
      await producer.connect();
      await producer.send({
        topic: 'kept',
        messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `v${i}` })),
      });
      await producer.disconnect();
      await admin.disconnect();
      await b.close();

      b = await startBroker({ port: 0, dataDir });
      const admin2 = kafka(b).admin();
      await admin2.connect();
      const offsets = await admin2.fetchTopicOffsets('kept');
      expect(offsets.map((o) => o.high).sort()).toEqual(['10', '10', '10']);
      const { records } = await rawFetch(b, 'kept', 1, 0);
      expect(records.map((r) => r.value?.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `v${i * 3 + 1}`));
      const configs = await admin2.describeConfigs({
        resources: [{ type: 2, name: 'kept', configNames: ['retention.ms'] }],
        includeSynonyms: false,
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('3600000');
      await admin2.disconnect();
      await b.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
