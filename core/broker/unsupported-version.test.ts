// Requests at versions Kafka 4.0 removed (KIP-896): refused as Kafka refuses them (the connection
// closes, no answer), and said once per connection, in the broker's log, in words the user of an
// old client can act on.
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import type { ApiVersionsResponse } from '../protocol/schema/generated/index.js';
import { PYTHON, pythonCanImport } from '../testing/python-clients.js';
import { startBroker, type RunningBroker } from './broker.js';
import { fetchBody, rawRequest, requestFrame } from './testing/raw-client.js';
import { unsupportedRequestReason } from './unsupported-version.js';

describe('unsupportedRequestReason', () => {
  it('names the client, the request, what is served and what to do, for a version KIP-896 removed', () => {
    const why = unsupportedRequestReason({ apiKey: ApiKey.Fetch, apiVersion: 2, clientId: 'burrow' }, { minVersion: 4, maxVersion: 11 });
    expect(why).toBe(
      'client "burrow" sent Fetch v2; this broker serves Fetch v4 to v11 and, like Kafka 4.0 (KIP-896), ' +
        'no longer Fetch v0-v3: upgrade the client or set its Kafka version to 2.1 or later',
    );
  });

  it('says "v0" when Kafka 4.0 removed only version 0', () => {
    const why = unsupportedRequestReason({ apiKey: ApiKey.ListOffsets, apiVersion: 0, clientId: null }, { minVersion: 1, maxVersion: 3 });
    expect(why).toContain('a client sent ListOffsets v0;');
    expect(why).toContain('no longer ListOffsets v0:');
  });

  it('does not blame KIP-896 for a version Kafka 4 still serves, nor for one above the range', () => {
    const below = unsupportedRequestReason({ apiKey: ApiKey.Metadata, apiVersion: 0, clientId: 'x' }, { minVersion: 1, maxVersion: 6 });
    expect(below).toBe('client "x" sent Metadata v0; this broker serves Metadata v1 to v6');
    const above = unsupportedRequestReason({ apiKey: ApiKey.Fetch, apiVersion: 13, clientId: 'x' }, { minVersion: 4, maxVersion: 11 });
    expect(above).toBe('client "x" sent Fetch v13; this broker serves Fetch v4 to v11, as its ApiVersions answer says');
  });

  it('tells an API it does not serve from an unknown key', () => {
    expect(unsupportedRequestReason({ apiKey: 32767, apiVersion: 0, clientId: 'x' }, undefined)).toBe(
      'client "x" sent unknown API key 32767; closing the connection as Kafka does',
    );
  });
});

describe('a connection that sends a removed version', () => {
  let b: RunningBroker;
  const logs: string[] = [];

  beforeAll(async () => {
    b = await startBroker({ port: 0, logger: (level, message) => logs.push(`${level}: ${message}`) });
  });
  afterAll(() => b.close());

  /** Writes `frames` at once; resolves when the broker closes the socket, with what it answered. */
  function sendUntilClosed(frames: Buffer[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect(b.address.port, b.address.host);
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('the broker kept the connection open'));
      }, 5000);
      socket.on('data', (d) => (received = Buffer.concat([received, d])));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(received);
      });
      socket.on('error', () => {});
      socket.write(Buffer.concat(frames));
    });
  }

  const fetchV2 = (correlationId: number) =>
    requestFrame(ApiKey.Fetch, 2, correlationId, fetchBody('anything', 0, 0));
  const refusals = () => logs.filter((l) => l.includes('sent Fetch v2'));

  it('is closed without an answer, and logged once however many such requests it pipelined', async () => {
    const before = refusals().length;
    const answered = await sendUntilClosed([fetchV2(1), fetchV2(2), requestFrame(ApiKey.Metadata, 1, 3, { topics: [] })]);
    expect(answered.length).toBe(0);
    const logged = refusals().slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /^warn: closing connection 127\.0\.0\.1:\d+: client "raw-client" sent Fetch v2; this broker serves Fetch v4 to v11 and, like Kafka 4\.0 \(KIP-896\), no longer Fetch v0-v3/,
    );
  });

  it('is logged again for the next connection (an old client reconnects and retries)', async () => {
    const before = refusals().length;
    await sendUntilClosed([fetchV2(1)]);
    await sendUntilClosed([fetchV2(1)]);
    const logged = refusals().slice(before);
    expect(logged).toHaveLength(2);
    const remotes = logged.map((l) => /closing connection (\S+):/.exec(l)![1]);
    expect(new Set(remotes).size).toBe(2);
  });

  it('refuses Produce v2 the same way, although ApiVersions lists Produce from v0 as Kafka 4.x does (KAFKA-18659)', async () => {
    const versions = await rawRequest<ApiVersionsResponse>(b.address, ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'raw',
      clientSoftwareVersion: '1',
    });
    const listed = (key: number) => versions.apiKeys.find((k) => k.apiKey === key);
    expect(listed(ApiKey.Produce)).toMatchObject({ minVersion: 0 });
    expect(listed(ApiKey.Fetch)).toMatchObject({ minVersion: 4 });

    const before = logs.length;
    const produceV2 = requestFrame(ApiKey.Produce, 2, 1, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'anything', partitionData: [{ index: 0, records: Buffer.alloc(0) }] }],
    });
    expect((await sendUntilClosed([produceV2])).length).toBe(0);
    expect(logs.slice(before).join('\n')).toContain('sent Produce v2; this broker serves Produce v3 to v7 and, like Kafka 4.0 (KIP-896), no longer Produce v0-v2');
  });

  // kafka-python told the broker is 0.10.0 (as sarama in Burrow is told "0.10") fetches with v2.
  it.runIf(pythonCanImport('kafka'))('a kafka-python consumer set to Kafka 0.10.0 gets nothing, and each of its connections is logged once', async () => {
    const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'old-p', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'old-fetch', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'old-fetch', messages: [{ value: 'hello' }] });
    await producer.disconnect();
    const before = logs.length;
    const script = `
import sys, time
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(bootstrap_servers=sys.argv[1], client_id='old-consumer', api_version=(0, 10, 0),
                  auto_offset_reset='earliest', enable_auto_commit=False, reconnect_backoff_ms=100)
c.assign([TopicPartition('old-fetch', 0)])
got = 0
deadline = time.time() + 3
while time.time() < deadline:
    got += sum(len(v) for v in c.poll(timeout_ms=200).values())
c.close()
print(got)
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script, b.bootstrap], { timeout: 60_000 });
    expect(Number(stdout.trim())).toBe(0);
    const logged = logs.slice(before).filter((l) => l.includes('client "old-consumer" sent Fetch v2'));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged[0]).toContain('upgrade the client or set its Kafka version to 2.1 or later');
    const remotes = logged.map((l) => /closing connection (\S+):/.exec(l)![1]);
    expect(new Set(remotes).size).toBe(logged.length);
  }, 90_000);
});
