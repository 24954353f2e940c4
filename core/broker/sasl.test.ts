// The SASL_PLAINTEXT listener, judged by real clients: kafkajs with PLAIN and both SCRAMs,
// librdkafka (confluent-kafka-python) with SCRAM-SHA-512, kafka-python with SaslHandshake v0
// and bare tokens; and, below any client, the gate that closes unauthenticated connections.
import { commandAvailable } from '../testing/commands.js';
import { execFile, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import { decode } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { readResponseHeader } from '../protocol/headers.js';
import { Reader } from '../protocol/primitives.js';
import { API_SCHEMAS } from '../protocol/apis.js';
import { plainMessage } from '../protocol/sasl/index.js';
import type {
  DescribeConfigsResponse,
  MetadataResponse,
  SaslAuthenticateResponse,
  SaslHandshakeResponse,
} from '../protocol/schema/generated/index.js';
import { PYTHON, pythonCanImport } from '../testing/python-clients.js';
import { startBroker, type BrokerAddress, type RunningBroker } from './broker.js';
import { rawFetch, rawRequest, requestFrame } from './testing/raw-client.js';

const execFileP = promisify(execFile);
const USERS = [
  { username: 'alice', password: 'alice-secret' },
  { username: 'bob', password: 'b=o,b' },
];

function hostPort(s: string): BrokerAddress {
  const [host, port] = s.split(':');
  return { host: host!, port: Number(port) };
}

/** One socket, frames read in order; `closed` resolves when the broker hangs up. */
class RawConnection {
  private frames: Buffer[] = [];
  private acc = Buffer.alloc(0);
  private waiting: ((b: Buffer | null) => void) | null = null;
  private correlationId = 0;
  isClosed = false;
  readonly closed: Promise<number>;

  constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.acc = Buffer.concat([this.acc, d]);
      while (this.acc.length >= 4 && this.acc.length >= 4 + this.acc.readInt32BE(0)) {
        this.frames.push(this.acc.subarray(4, 4 + this.acc.readInt32BE(0)));
        this.acc = this.acc.subarray(4 + this.acc.readInt32BE(0));
      }
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve(Date.now());
      }),
    );
    socket.on('error', () => {});
  }

  static async open(address: BrokerAddress): Promise<RawConnection> {
    const socket = connect(address.port, address.host);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawConnection(socket);
  }

  private wake(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.frames.length > 0) w(this.frames.shift()!);
    else if (this.isClosed) w(null);
    else return;
    this.waiting = null;
  }

  /** The next frame's body, or null if the connection closed first. */
  next(): Promise<Buffer | null> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.wake();
    });
  }

  async request<T>(apiKey: number, version: number, body: unknown): Promise<T | null> {
    const id = ++this.correlationId;
    this.socket.write(requestFrame(apiKey, version, id, body));
    const frame = await this.next();
    if (!frame) return null;
    const r = new Reader(frame);
    expect(readResponseHeader(r, apiKey, version)).toBe(id);
    return decode<T>(API_SCHEMAS.get(apiKey)!.response, version, r);
  }

  close(): void {
    this.socket.destroy();
  }
}

function kafkaOver(bootstrap: string, sasl: SASLOptions, clientId: string): Kafka {
  return new Kafka({ brokers: [bootstrap], clientId, sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

describe('SASL_PLAINTEXT listener', () => {
  let b: RunningBroker;
  const logs: string[] = [];

  beforeAll(async () => {
    b = await startBroker({
      port: 0,
      saslPort: 0,
      saslUsers: USERS,
      dataDir: null,
      logger: (level, message) => logs.push(`${level}: ${message}`),
    });
  });
  afterAll(async () => {
    await b?.close();
  });

  /** What a kafkajs producer's connect fails with, or null. */
  async function connectError(sasl: SASLOptions): Promise<Error | null> {
    const producer = kafkaOver(b.saslBootstrapServers[0]!, sasl, 'sasl-failing').producer();
    try {
      await producer.connect();
      return null;
    } catch (e) {
      return e as Error;
    } finally {
      await producer.disconnect();
    }
  }

  it('listens besides the plaintext listener, each advertised on its own port', async () => {
    expect(b.saslBootstrapServers).toHaveLength(1);
    const sasl = hostPort(b.saslBootstrapServers[0]!);
    expect(sasl.port).not.toBe(b.address.port);
    // The plaintext listener still needs no authentication and names its own port.
    const plain = await rawRequest<MetadataResponse>(b.address, ApiKey.Metadata, 4, { topics: [], allowAutoTopicCreation: false });
    expect(plain.brokers.map((n) => n.port)).toEqual([b.address.port]);
  });

  it.each([
    ['plain', 'alice'],
    ['scram-sha-256', 'bob'],
    ['scram-sha-512', 'alice'],
  ] as const)('kafkajs with %s produces and consumes, and is told the SASL port', async (mechanism, username) => {
    const password = USERS.find((u) => u.username === username)!.password;
    const kafka = kafkaOver(b.saslBootstrapServers[0]!, { mechanism, username, password } as SASLOptions, `sasl-${mechanism}`);
    const topic = `sasl-${mechanism}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((n) => `${n.host}:${n.port}`)).toEqual(b.saslBootstrapServers);
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `${mechanism}-${i}`);
    await producer.send({ topic, messages: values.map((value, i) => ({ key: String(i), value })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `g-${mechanism}`, sessionTimeout: 6000 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              seen.push(message.value!.toString());
              if (seen.length === values.length) resolve();
            },
          })
          .catch(reject);
      });
      expect(seen.sort()).toEqual([...values].sort());
    } finally {
      await consumer.disconnect();
    }
  });

  it.each([
    ['plain', 'Authentication failed: Invalid username or password'],
    ['scram-sha-256', 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256'],
  ] as const)('a wrong %s password fails with kafkajs\'s authentication error, and the broker logs it', async (mechanism, told) => {
    const before = logs.length;
    const err = await connectError({ mechanism, username: 'alice', password: 'wrong' } as SASLOptions);
    expect(err?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(err?.message).toContain(told);
    const logged = logs.slice(before).filter((l) => l.includes('Failed authentication with 127.0.0.1:'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(told);
    if (mechanism === 'scram-sha-256') expect(logged[0]).toContain('Invalid client credentials');
  });

  it('an unknown SCRAM user is refused at the first message', async () => {
    const err = await connectError({ mechanism: 'scram-sha-512', username: 'mallory', password: 'x' });
    expect(err?.message).toContain('invalid credentials with SASL mechanism SCRAM-SHA-512');
    expect(logs.at(-1)).toContain('Authentication failed: Invalid user credentials');
  });

  it('closes a connection that sends Metadata before authenticating, after the failed-authentication delay', async () => {
    const c = await RawConnection.open(hostPort(b.saslBootstrapServers[0]!));
    const sent = Date.now();
    const res = await c.request<MetadataResponse>(ApiKey.Metadata, 4, { topics: null, allowAutoTopicCreation: false });
    expect(res).toBeNull();
    const closedAt = await c.closed;
    expect(closedAt - sent).toBeGreaterThanOrEqual(90);
    expect(logs.at(-1)).toMatch(/Failed authentication with 127\.0\.0\.1:\d+ \(Unexpected Kafka request of type METADATA during SASL handshake\.\)/);
  });

  it('accepts ApiVersions before the handshake, but only once', async () => {
    const c = await RawConnection.open(hostPort(b.saslBootstrapServers[0]!));
    const versions = await c.request<{ errorCode: number; apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[] }>(
      ApiKey.ApiVersions,
      3,
      { clientSoftwareName: 'raw', clientSoftwareVersion: '1' },
    );
    expect(versions!.errorCode).toBe(0);
    const range = (k: number) => versions!.apiKeys.find((a) => a.apiKey === k);
    expect(range(ApiKey.SaslHandshake)).toMatchObject({ minVersion: 0, maxVersion: 1 });
    expect(range(ApiKey.SaslAuthenticate)).toMatchObject({ minVersion: 0, maxVersion: 2 });
    expect(await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })).toBeNull();
    await c.closed;
    expect(logs.at(-1)).toContain('Unexpected ApiVersions request received during SASL authentication state HANDSHAKE_REQUEST');
  });

  it('answers an unsupported mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled list, then closes', async () => {
    const c = await RawConnection.open(hostPort(b.saslBootstrapServers[0]!));
    const res = await c.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, { mechanism: 'GSSAPI' });
    expect(res).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    await c.closed;
    expect(logs.at(-1)).toContain('(Unsupported SASL mechanism GSSAPI)');
  });

  it.each([0, 1, 2])('authenticates PLAIN in SaslAuthenticate v%i, then serves requests on the connection', async (version) => {
    const c = await RawConnection.open(hostPort(b.saslBootstrapServers[0]!));
    try {
      expect(await c.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' })).toMatchObject({ errorCode: 0 });
      // Once authenticated, another SaslAuthenticate is answered ILLEGAL_SASL_STATE, as KafkaApis does.
      const auth = await c.request<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, version, {
        authBytes: plainMessage({ username: 'alice', password: 'alice-secret' }),
      });
      expect(auth).toMatchObject({ errorCode: 0, errorMessage: null });
      if (version >= 1) expect(auth!.sessionLifetimeMs).toBe(0);
      const again = await c.request<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, version, { authBytes: Buffer.alloc(0) });
      expect(again).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE });
      const meta = await c.request<MetadataResponse>(ApiKey.Metadata, 4, { topics: null, allowAutoTopicCreation: false });
      expect(meta!.brokers.map((n) => `${n.host}:${n.port}`)).toEqual(b.saslBootstrapServers);
    } finally {
      c.close();
    }
  });

  it('reports both listeners and the enabled mechanisms in DescribeConfigs', async () => {
    const res = await rawRequest<DescribeConfigsResponse>(b.address, ApiKey.DescribeConfigs, 1, {
      resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['advertised.listeners', 'sasl.enabled.mechanisms'] }],
      includeSynonyms: false,
    });
    const values = Object.fromEntries(res.results[0]!.configs.map((c) => [c.name, c.value]));
    expect(values).toEqual({
      'advertised.listeners': `PLAINTEXT://${b.bootstrap},SASL_PLAINTEXT://${b.saslBootstrapServers[0]}`,
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    });
  });

  it('answers SaslHandshake on the plaintext listener with ILLEGAL_SASL_STATE', async () => {
    const res = await rawRequest<SaslHandshakeResponse>(b.address, ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(res.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });

  it.runIf(pythonCanImport('confluent_kafka'))('librdkafka (confluent-kafka-python) produces with SCRAM-SHA-512', async () => {
    const script = `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT',
              'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'bob', 'sasl.password': 'b=o,b'})
delivered = []
for i in range(10):
    p.produce('sasl-librdkafka', key=str(i), value='rd-%d' % i, on_delivery=lambda err, m: delivered.append(err))
p.flush(20)
print(len([e for e in delivered if e is None]), len(delivered))
`;
    const { stdout } = await execFileP(PYTHON, ['-c', script, b.saslBootstrapServers[0]!], { timeout: 40_000 });
    expect(stdout.trim()).toBe('10 10');
    const { records } = await rawFetch(b.address, 'sasl-librdkafka', 0, 0);
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `rd-${i}`));
  });

  it.runIf(pythonCanImport('kafka')).each(['PLAIN', 'SCRAM-SHA-256'])('kafka-python 2.0.2 authenticates %s with SaslHandshake v0 and bare tokens', async (mechanism) => {
    const topic = `sasl-kp-${mechanism.toLowerCase()}`;
    const script = `
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], security_protocol='SASL_PLAINTEXT', sasl_mechanism=sys.argv[2],
                  sasl_plain_username='alice', sasl_plain_password='alice-secret', request_timeout_ms=15000)
for i in range(5):
    p.send(sys.argv[3], value=('kp-%d' % i).encode()).get(timeout=15)
p.close()
print('ok')
`;
    const { stdout } = await execFileP(PYTHON, ['-c', script, b.saslBootstrapServers[0]!, mechanism, topic], {
      timeout: 40_000,
    });
    expect(stdout.trim()).toBe('ok');
    const { records } = await rawFetch(b.address, topic, 0, 0);
    expect(records.map((r) => r.value!.toString())).toEqual(['kp-0', 'kp-1', 'kp-2', 'kp-3', 'kp-4']);
  });
});

describe('SASL_PLAINTEXT listener on every node of a three-node cluster', () => {
  let b: RunningBroker;
  beforeAll(async () => {
    b = await startBroker({ port: 0, saslPort: 0, nodes: 3, saslUsers: USERS, saslMechanisms: ['SCRAM-SHA-256'], dataDir: null });
  });
  afterAll(async () => {
    await b?.close();
  });

  it('sends a SASL client to the SASL ports of the partition leaders', async () => {
    expect(b.saslBootstrapServers).toHaveLength(3);
    const kafka = kafkaOver(b.saslBootstrapServers[0]!, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' }, 'three');
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((n) => `${n.host}:${n.port}`).sort()).toEqual([...b.saslBootstrapServers].sort());
    await admin.createTopics({ topics: [{ topic: 'sasl-spread', numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    const producedTo = new Set<string>();
    producer.on(producer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Produce') producedTo.add(e.payload.broker);
    });
    await producer.connect();
    const sent = await producer.send({
      topic: 'sasl-spread',
      messages: Array.from({ length: 6 }, (_, partition) => ({ partition, value: `p${partition}` })),
    });
    await producer.disconnect();
    expect(sent.map((s) => s.errorCode)).toEqual([0, 0, 0, 0, 0, 0]);
    // Leaders are spread over the nodes, so the producer authenticated on every node's SASL port.
    expect([...producedTo].sort()).toEqual([...b.saslBootstrapServers].sort());
  });

  it('enables only the configured mechanisms', async () => {
    const c = await RawConnection.open(hostPort(b.saslBootstrapServers[1]!));
    const res = await c.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    expect(res).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-256'] });
    await c.closed;
  });
});

describe('SASL options of the broker CLI', () => {
  const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'core/broker/cli.ts', '--in-memory', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // kcat is a witness CI installs (Debian's kcat); a fresh machine without it skips this one.
  it.runIf(commandAvailable('kcat', ['-V']))('starts a SASL listener with the given users and mechanisms, which kcat authenticates against', async () => {
    const child = cli(['--port', '0', '--sasl-port', '0', '--sasl-user', 'alice:pa:ss', '--sasl-mechanisms', 'scram-sha-256']);
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const sasl = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /SASL_PLAINTEXT listener on (\S+) \(SCRAM-SHA-256; users: alice\)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`broker exited (${code}): ${out}`)));
      });
      const kcat = (password: string) =>
        execFileP('kcat', ['-b', sasl, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=SCRAM-SHA-256',
          '-X', 'sasl.username=alice', '-X', `sasl.password=${password}`, '-m', '5', '-L'], { timeout: 20_000 });
      const { stdout } = await kcat('pa:ss');
      expect(stdout).toContain(`broker 1 at ${sasl}`);
      await expect(kcat('wrong')).rejects.toThrow(/Authentication failed|SASL authentication error/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses an unknown mechanism and SASL users without a SASL port', async () => {
    const cases: [string[], string][] = [
      [['--sasl-port', '0', '--sasl-mechanisms', 'PLAIN,GSSAPI'], '--sasl-mechanisms takes some of PLAIN,SCRAM-SHA-256,SCRAM-SHA-512'],
      [['--sasl-user', 'alice:x'], '--sasl-user and --sasl-mechanisms need --sasl-port'],
      [['--sasl-port', '0', '--sasl-user', 'no-password'], '--sasl-user takes NAME:PASSWORD, not "no-password"'],
    ];
    for (const [args, message] of cases) {
      const child = cli(['--port', '0', ...args]);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(2);
      expect(err).toContain(message);
    }
  });
});
