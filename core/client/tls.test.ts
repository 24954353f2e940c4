// The client over TLS. The embedded broker has no TLS listener, so a TLS-terminating proxy in
// front of it plays one (the broker advertises the proxy's port, as a broker behind a TLS load
// balancer would): every connection the client makes — bootstrap and the node's — is TLS.
import { connect as connectTcp, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { ApiKey } from '../protocol/apis.js';
import type { ListOffsetsResponse } from '../protocol/schema/generated/index.js';
import { KafkaClient } from './client.js';
import { KafkaConnectionError } from './errors.js';
import { TEST_CERT, TEST_KEY } from './testing/tls-fixture.js';

let broker: RunningBroker;
let proxy: Server;
let proxyPort: number;
let tlsConnections = 0;

beforeAll(async () => {
  let target = 0;
  proxy = createTlsServer({ cert: TEST_CERT, key: TEST_KEY }, (tls) => {
    tlsConnections++;
    const plain = connectTcp(target, '127.0.0.1');
    tls.pipe(plain).pipe(tls);
    tls.on('error', () => plain.destroy());
    plain.on('error', () => tls.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyPort = (proxy.address() as { port: number }).port;
  broker = await startBroker({ port: 0, dataDir: null, advertisedPort: proxyPort });
  target = broker.address.port;
});
afterAll(async () => {
  await new Promise<void>((r) => proxy.close(() => r()));
  await broker.close();
});

describe('KafkaClient over TLS', () => {
  it('bootstraps, learns the cluster and sends to the leader through TLS, trusting the given CA', async () => {
    const client = new KafkaClient({ bootstrapServers: [`127.0.0.1:${proxyPort}`], ssl: { ca: TEST_CERT } });
    const before = tlsConnections;
    try {
      await client.anyRequest(ApiKey.CreateTopics, { topics: [{ name: 'over-tls', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 }, { min: 2, max: 4 });
      const leader = await client.leaderFor('over-tls', 0);
      const res = await client.nodeRequest<ListOffsetsResponse>(leader, ApiKey.ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'over-tls', partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
      }, { min: 1 });
      expect(res.topics[0]?.partitions[0]).toMatchObject({ errorCode: 0, offset: 0 });
      expect(client.metadata.brokers.get(leader)?.port).toBe(proxyPort);
      expect(tlsConnections).toBeGreaterThan(before);
    } finally {
      client.close();
    }
  });

  it('refuses a certificate it cannot verify, and says so', async () => {
    const client = new KafkaClient({ bootstrapServers: [`127.0.0.1:${proxyPort}`], ssl: true, requestTimeoutMs: 1000 });
    try {
      const err = await client.refreshMetadata().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaConnectionError);
      expect((err as Error).message).toMatch(/self-signed certificate/);
    } finally {
      client.close();
    }
  });

  it('a plaintext client on a TLS port fails with a clear message instead of hanging', async () => {
    const client = new KafkaClient({ bootstrapServers: [`127.0.0.1:${proxyPort}`], connectionTimeoutMs: 2000, requestTimeoutMs: 2000 });
    try {
      const err = await client.refreshMetadata().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaConnectionError);
      expect((err as Error).message).toContain(`connection to 127.0.0.1:${proxyPort} closed by the broker before answering ApiVersions: is it a TLS listener? (this client speaks plaintext)`);
    } finally {
      client.close();
    }
  });
});
