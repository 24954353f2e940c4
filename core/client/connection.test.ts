import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { API_SCHEMAS, ApiKey } from '../protocol/apis.js';
import { encode } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { Reader, Writer } from '../protocol/primitives.js';
import { readRequestHeader, writeResponseHeader } from '../protocol/headers.js';
import type { FetchResponse, MetadataResponse } from '../protocol/schema/generated/index.js';
import { BrokerConnection } from './connection.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';

const OPTS = { clientId: 'client-test', connectionTimeoutMs: 2000, requestTimeoutMs: 5000 };

let b: RunningBroker;
beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
});
afterAll(async () => {
  await b.close();
});

describe('BrokerConnection', () => {
  it('learns the broker API versions and picks the highest both sides speak', async () => {
    const conn = await BrokerConnection.open(b.address, OPTS);
    try {
      const theirs = conn.brokerRange(ApiKey.Metadata)!;
      const ours = API_SCHEMAS.get(ApiKey.Metadata)!.request.validVersions;
      expect(conn.versionFor(ApiKey.Metadata)).toBe(Math.min(theirs.max, ours[1]));
      expect(conn.versionFor(ApiKey.Metadata, { max: 4 })).toBe(4);
      expect(conn.versionFor(ApiKey.Metadata, { min: theirs.max + 1 })).toBeNull();
      expect(() => conn.version(ApiKey.Metadata, { min: theirs.max + 1 })).toThrow(/speaks v\d+–\d+, this client needs Metadata v\d+\+/);
    } finally {
      conn.close();
    }
  });

  it('keeps many requests in flight on one connection and matches each answer to its request', async () => {
    const conn = await BrokerConnection.open(b.address, OPTS);
    try {
      const names = Array.from({ length: 40 }, (_, i) => `pipelined-${i}`);
      const answers = await Promise.all(
        names.map((name, i) =>
          conn.request<MetadataResponse>(ApiKey.Metadata, { topics: [{ name }], allowAutoTopicCreation: false }, { min: 4, max: i % 2 === 0 ? 12 : 8 }),
        ),
      );
      expect(answers.map((a) => a.topics[0]?.name)).toEqual(names);
      expect(answers.every((a) => a.topics[0]?.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)).toBe(true);
      expect(conn.inFlightCount).toBe(0);
    } finally {
      conn.close();
    }
  });

  it('closes the connection when a request times out, failing what was in flight', async () => {
    const conn = await BrokerConnection.open(b.address, OPTS);
    await conn.request(ApiKey.Metadata, { topics: [{ name: 'parked' }], allowAutoTopicCreation: true }, { min: 4 });
    const fetchBody = {
      replicaId: -1,
      maxWaitMs: 3000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      topics: [{ topic: 'parked', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, logStartOffset: -1, currentLeaderEpoch: -1 }] }],
      forgottenTopicsData: [],
    };
    const parked = conn.request<FetchResponse>(ApiKey.Fetch, fetchBody, { min: 4, max: 12 }, 200);
    const behind = conn.request<MetadataResponse>(ApiKey.Metadata, { topics: [] }, { min: 4 });
    await expect(parked).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/Fetch to 127\.0\.0\.1:\d+ timed out after 200 ms/) });
    await expect(behind).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(conn.closed).toBe(true);
    await expect(conn.request(ApiKey.Metadata, { topics: [] })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('says plainly when nothing listens at the address', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await BrokerConnection.open({ host: '127.0.0.1', port }, OPTS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaConnectionError);
    expect(err).toMatchObject({ code: 'ECONNREFUSED', message: `cannot connect to 127.0.0.1:${port}: connection refused (nothing listens there)` });
  });

  it('says when the connection could not be made in time', async () => {
    // A server that accepts nothing: the backlog of 0 still completes the TCP handshake on
    // Linux, so the silent part is the ApiVersions answer — the request timeout.
    const server = await silentServer();
    try {
      const port = (server.address() as { port: number }).port;
      const err = await BrokerConnection.open({ host: '127.0.0.1', port }, { ...OPTS, requestTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('ApiVersions') });
    } finally {
      server.close();
    }
  });

  it('asks again at the version a broker offers when it does not speak ApiVersions v3 (KIP-511)', async () => {
    const asked: number[] = [];
    const server = await fakeBroker((apiKey, version) => {
      if (apiKey !== ApiKey.ApiVersions) return null;
      asked.push(version);
      const apiKeys = [
        { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
        { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 5 },
      ];
      // An unsupported version is answered in a v0 body, as Kafka does.
      return version > 2
        ? { version: 0, body: { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys } }
        : { version, body: { errorCode: 0, apiKeys, throttleTimeMs: 0 } };
    });
    try {
      const conn = await BrokerConnection.open({ host: '127.0.0.1', port: (server.address() as { port: number }).port }, OPTS);
      expect(asked).toEqual([3, 2]);
      expect(conn.versionFor(ApiKey.Metadata)).toBe(5);
      expect(conn.versionFor(ApiKey.Fetch)).toBeNull();
      expect(() => conn.version(ApiKey.Fetch)).toThrow(KafkaResponseError);
      expect(() => conn.version(ApiKey.Fetch)).toThrow(/does not support Fetch/);
      conn.close();
    } finally {
      server.close();
    }
  });
});

function silentServer(): Promise<Server> {
  const server = createServer(() => {});
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** A TCP server that answers requests with what `answer` returns (null: no answer). */
function fakeBroker(answer: (apiKey: number, version: number) => { version: number; body: unknown } | null): Promise<Server> {
  const server = createServer((socket) => {
    let acc = Buffer.alloc(0);
    socket.on('data', (d) => {
      acc = Buffer.concat([acc, d]);
      while (acc.length >= 4 && acc.length >= 4 + acc.readInt32BE(0)) {
        const frame = acc.subarray(4, 4 + acc.readInt32BE(0));
        acc = acc.subarray(4 + frame.length);
        const header = readRequestHeader(new Reader(frame));
        const res = answer(header.apiKey, header.apiVersion);
        if (!res) continue;
        const w = new Writer();
        w.int32(0);
        writeResponseHeader(w, header.apiKey, res.version, header.correlationId);
        w.raw(encode(API_SCHEMAS.get(header.apiKey)!.response, res.version, res.body));
        const out = w.toBuffer();
        out.writeInt32BE(out.length - 4, 0);
        socket.write(out);
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}
