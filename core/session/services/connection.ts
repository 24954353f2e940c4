// The connected cluster: probing a profile (brokers, cluster id, advertised listeners reachable),
// the session's kafkajs client and admin for it, and the topics the console creates on it.
import { connect as netConnect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaConfig, SASLOptions } from 'kafkajs';
import '../../kafkajs-fixes.js';
import type { ConnectionProfile } from '../api.js';
import { CommandFailure, connectionReason, describeKafkaFailure, formatMs, plainMessage, withTimeout } from '../errors.js';
import type { Publisher } from './events.js';

export interface Connection {
  profile: ConnectionProfile;
  bootstrap: string;
  embedded: boolean;
  kafka: Kafka;
  admin: Admin;
}

/** Partitions of an app's topics created when missing, unless instances.start says otherwise. */
export const DEFAULT_PARTITIONS = 6;

export interface ProbeResult {
  brokers: { nodeId: number; host: string; port: number }[];
  clusterId: string | null;
}

/** A kafkajs config for a profile: TLS with the system's CAs when ssl, SASL plain / SCRAM. */
export function kafkaConfig(profile: ConnectionProfile, opts: { clientId: string; connectTimeoutMs: number; requestTimeoutMs: number; retries: number }): KafkaConfig {
  const config: KafkaConfig = {
    clientId: opts.clientId,
    brokers: profile.bootstrapServers,
    ssl: profile.ssl,
    connectionTimeout: opts.connectTimeoutMs,
    authenticationTimeout: opts.connectTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry: { retries: opts.retries, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.NOTHING,
  };
  if (profile.sasl !== null) {
    const { mechanism, username, password } = profile.sasl;
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  return config;
}

export class ClusterConnection {
  readonly #events: Publisher;
  readonly #connectTimeoutMs: number;
  #current: Connection | null = null;

  constructor(events: Publisher, connectTimeoutMs: number) {
    this.#events = events;
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  get current(): Connection | null {
    return this.#current;
  }

  require(): Connection {
    if (this.#current === null) throw new CommandFailure('not connected to a cluster: connect to one or start the embedded cluster first', 'not_connected');
    return this.#current;
  }

  /** Connects to the cluster briefly: its brokers and id, or a CommandFailure saying why not. */
  async probe(profile: ConnectionProfile): Promise<ProbeResult> {
    const bootstrap = profile.bootstrapServers.join(',');
    const kafka = new Kafka(kafkaConfig(profile, { clientId: 'streamwatch-probe', connectTimeoutMs: this.#connectTimeoutMs, requestTimeoutMs: this.#connectTimeoutMs, retries: 1 }));
    const admin = kafka.admin();
    const bound = this.#connectTimeoutMs * 2 + 1000;
    try {
      const cluster = await withTimeout(
        (async () => {
          await admin.connect();
          return admin.describeCluster();
        })(),
        bound,
        `connecting to ${bootstrap}`,
      ).catch((error: unknown) => {
        if (error instanceof CommandFailure && error.code === 'timeout') {
          throw new CommandFailure(`cannot reach ${bootstrap}: no answer from a Kafka broker within ${formatMs(bound)}`, 'unreachable');
        }
        throw probeFailure(error, profile, bootstrap);
      });
      // A classic: the bootstrap server answers, but advertises addresses this machine cannot reach.
      for (const b of cluster.brokers) {
        const reason = await tcpReachable(b.host, b.port, this.#connectTimeoutMs);
        if (reason !== null) {
          throw new CommandFailure(
            `reached ${bootstrap}, but broker ${b.nodeId} advertises ${b.host}:${b.port}, which cannot be reached (${reason}); check the broker's advertised.listeners`,
            'unreachable',
          );
        }
      }
      return {
        brokers: cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
        clusterId: cluster.clusterId || null,
      };
    } finally {
      void admin.disconnect().catch(() => {});
    }
  }

  /** The session's client for a probed profile; it becomes the current connection. */
  async open(profile: ConnectionProfile, embedded: boolean, probe: ProbeResult): Promise<Connection> {
    const bootstrap = profile.bootstrapServers.join(',');
    const kafka = new Kafka(kafkaConfig(profile, { clientId: 'streamwatch', connectTimeoutMs: this.#connectTimeoutMs, requestTimeoutMs: 30_000, retries: 3 }));
    const admin = kafka.admin();
    await withTimeout(admin.connect(), this.#connectTimeoutMs * 2, `connecting to ${bootstrap}`).catch((error: unknown) => {
      void admin.disconnect().catch(() => {});
      throw describeKafkaFailure(error, `connecting to ${bootstrap}`, bootstrap);
    });
    const conn: Connection = { profile, bootstrap, embedded, kafka, admin };
    this.#current = conn;
    this.#events.publish({ type: 'cluster.status', connected: true, embedded, bootstrap, brokers: probe.brokers, clusterId: probe.clusterId, error: null, retryInMs: null });
    this.#events.progress('connect', `connected to ${bootstrap}`, 1, true);
    return conn;
  }

  /** Stops being the current connection (what still runs on it may finish); close() drops its clients. */
  detach(): Connection | null {
    const conn = this.#current;
    this.#current = null;
    return conn;
  }

  async close(conn: Connection): Promise<void> {
    await withTimeout(conn.admin.disconnect(), 5000, 'disconnecting').catch(() => undefined);
    this.#events.publish({ type: 'cluster.status', connected: false, embedded: conn.embedded, bootstrap: conn.bootstrap, brokers: [], clusterId: null, error: null, retryInMs: null });
  }

  /** Creates the topics that are missing, with `partitions` each. */
  async ensureTopics(conn: Connection, topics: string[], partitions: number): Promise<void> {
    const existing = new Set(await conn.admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await conn.admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
    this.#events.progress('topics', `created ${missing.map((t) => `'${t}'`).join(' and ')} with ${partitions} partition${partitions === 1 ? '' : 's'}`, 1, true);
  }
}

/** Resolves with null when host:port accepts a TCP connection within ms, else with why not. */
function tcpReachable(host: string, port: number, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(ms, () => done('connection timed out'));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(connectionReason(err) ?? err.message));
  });
}

/** A failed probe in a Kafka user's words, with the likely TLS / SASL mismatch named. */
function probeFailure(error: unknown, profile: ConnectionProfile, bootstrap: string): CommandFailure {
  if (profile.sasl !== null && /does not support the requested API version|UNSUPPORTED_VERSION|UNSUPPORTED_SASL_MECHANISM/i.test(plainMessage(error))) {
    return new CommandFailure(`authentication to ${bootstrap} failed: the listener does not accept SASL ${profile.sasl.mechanism.toUpperCase()} (is it a SASL listener?)`, 'auth_failed');
  }
  const failure = describeKafkaFailure(error, `connecting to ${bootstrap}`, bootstrap);
  if (profile.ssl && failure.code === 'unreachable' && /reset|closed|timed out/.test(failure.message) && !/TLS/.test(failure.message)) {
    return new CommandFailure(`${failure.message} — is it a TLS listener? The profile asks for TLS`, 'unreachable');
  }
  return failure;
}
