// The client: bootstrap, one connection per broker and one more per coordinator (opened on first
// use, reopened with reconnect backoff), cluster metadata, and routing — to any broker, to a
// node, to a partition's leader, to a group's or transactional id's coordinator — with the
// retries Kafka's own clients make (errors.ts says which). Everything that speaks the wire
// outside the broker goes through here: the stream runtime's consumer and producer, the monitor.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ApiKey } from '../protocol/apis.js';
import type { FindCoordinatorResponse, MetadataResponse } from '../protocol/schema/generated/index.js';
import { backoffDelay, sleep, type BackoffSettings } from './backoff.js';
import { BrokerConnection, type BrokerEndpoint, type VersionRange } from './connection.js';
import { KafkaConnectionError, KafkaResponseError, errorAction } from './errors.js';
import { ClusterMetadata } from './metadata.js';
import { saslAuthenticator, type SaslSettings } from './sasl.js';

export interface KafkaClientConfig {
  /** host:port of one or more brokers; the rest are learnt from Metadata. */
  bootstrapServers: readonly string[];
  clientId?: string;
  ssl?: boolean | TlsOptions;
  sasl?: SaslSettings | null;
  /** Kafka's socket.connection.setup.timeout.ms (10 s). */
  connectionTimeoutMs?: number;
  /** Kafka's request.timeout.ms (30 s). */
  requestTimeoutMs?: number;
  /** Kafka's retry.backoff.ms / retry.backoff.max.ms (100 ms → 1 s). */
  retryBackoff?: BackoffSettings;
  /** Kafka's reconnect.backoff.ms / reconnect.backoff.max.ms (50 ms → 1 s). */
  reconnectBackoff?: BackoffSettings;
}

export type CoordinatorType = 'group' | 'transaction';
const COORDINATOR_KEY_TYPE: Record<CoordinatorType, number> = { group: 0, transaction: 1 };
/** Marks the connection keys of coordinator connections ('group-coordinator-1'). */
const COORDINATOR_CONNECTION = '-coordinator-';

interface ReconnectState {
  failures: number;
  notBefore: number;
}

export class KafkaClient {
  readonly metadata = new ClusterMetadata();
  readonly clientId: string;
  private readonly bootstrap: BrokerEndpoint[];
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private readonly reconnect = new Map<string, ReconnectState>();
  private readonly coordinators = new Map<string, number>();
  /** Topics whose metadata this client keeps (what it was asked about). */
  private readonly topicsOfInterest = new Set<string>();
  private refreshing: { topics: ReadonlySet<string>; done: Promise<void> } | null = null;
  private closed = false;
  private readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  private readonly retryBackoff: BackoffSettings;
  private readonly reconnectBackoff: BackoffSettings;

  constructor(private readonly config: KafkaClientConfig) {
    if (config.bootstrapServers.length === 0) throw new Error('bootstrapServers is empty');
    this.bootstrap = config.bootstrapServers.map(parseEndpoint);
    this.clientId = config.clientId ?? 'streamwatch';
    this.connectionTimeoutMs = config.connectionTimeoutMs ?? 10_000;
    this.requestTimeoutMs = config.requestTimeoutMs ?? 30_000;
    this.retryBackoff = config.retryBackoff ?? { initialMs: 100, maxMs: 1000 };
    this.reconnectBackoff = config.reconnectBackoff ?? { initialMs: 50, maxMs: 1000 };
  }

  // ------------------------------------------------------------------ connections

  /** A connection to a known broker. */
  nodeConnection(nodeId: number): Promise<BrokerConnection> {
    const node = this.metadata.brokers.get(nodeId);
    if (!node) return Promise.reject(new KafkaConnectionError(`broker ${nodeId} is not in the cluster metadata`, 'UNKNOWN_NODE', String(nodeId)));
    return this.connectionTo(`node-${nodeId}`, node);
  }

  /**
   * The connection for a coordinator's requests, apart from the node's own (Kafka's clients do the
   * same): responses come back in request order, so a JoinGroup the coordinator holds for the
   * whole rebalance would otherwise hold back every fetch and metadata answer from that node.
   */
  private coordinatorConnection(type: CoordinatorType, nodeId: number): Promise<BrokerConnection> {
    const node = this.metadata.brokers.get(nodeId);
    if (!node) return Promise.reject(new KafkaConnectionError(`broker ${nodeId} is not in the cluster metadata`, 'UNKNOWN_NODE', String(nodeId)));
    return this.connectionTo(`${type}${COORDINATOR_CONNECTION}${nodeId}`, node);
  }

  /**
   * A connection to any broker: one already open (not a coordinator's), else the known brokers,
   * else the bootstrap list, in order. The error names every address tried.
   */
  async anyConnection(): Promise<BrokerConnection> {
    for (const [key, c] of this.connections) {
      if (key.includes(COORDINATOR_CONNECTION)) continue;
      const conn = await c.catch(() => null);
      if (conn && !conn.closed) return conn;
    }
    const candidates: Array<[string, BrokerEndpoint]> = [
      ...[...this.metadata.brokers.values()].map((b): [string, BrokerEndpoint] => [`node-${b.nodeId}`, b]),
      ...this.bootstrap.map((b): [string, BrokerEndpoint] => [`bootstrap-${b.host}:${b.port}`, b]),
    ];
    const failures: string[] = [];
    for (const [key, endpoint] of candidates) {
      try {
        return await this.connectionTo(key, endpoint);
      } catch (e) {
        if (e instanceof KafkaConnectionError && e.code === 'AUTH') throw e;
        failures.push((e as Error).message);
      }
    }
    throw new KafkaConnectionError(
      `no broker reachable: ${[...new Set(failures)].join('; ')}`,
      (candidates.length > 0 ? 'UNREACHABLE' : 'NO_BROKERS'),
      this.config.bootstrapServers.join(','),
    );
  }

  private connectionTo(key: string, endpoint: BrokerEndpoint): Promise<BrokerConnection> {
    if (this.closed) return Promise.reject(new KafkaConnectionError('the client is closed', 'CLOSED', key));
    const existing = this.connections.get(key);
    if (existing) return existing;
    const opening = this.open(key, endpoint);
    this.connections.set(key, opening);
    opening.then(
      (conn) => {
        this.reconnect.delete(key);
        conn.onClose(() => {
          if (this.connections.get(key) === opening) this.connections.delete(key);
        });
        if (this.closed) conn.close();
      },
      () => {
        if (this.connections.get(key) === opening) this.connections.delete(key);
        const state = this.reconnect.get(key) ?? { failures: 0, notBefore: 0 };
        state.failures++;
        state.notBefore = Date.now() + backoffDelay(this.reconnectBackoff, state.failures - 1);
        this.reconnect.set(key, state);
      },
    );
    return opening;
  }

  private async open(key: string, endpoint: BrokerEndpoint): Promise<BrokerConnection> {
    const wait = (this.reconnect.get(key)?.notBefore ?? 0) - Date.now();
    if (wait > 0) await sleep(wait);
    return BrokerConnection.open(endpoint, {
      clientId: this.clientId,
      connectionTimeoutMs: this.connectionTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      ...(this.config.ssl ? { ssl: this.config.ssl } : {}),
      ...(this.config.sasl ? { authenticate: saslAuthenticator(this.config.sasl) } : {}),
    });
  }

  // ------------------------------------------------------------------ metadata

  /**
   * Metadata for `topics` and every topic asked about before (null: every topic). Concurrent
   * calls share one request.
   */
  async refreshMetadata(topics: readonly string[] = []): Promise<ClusterMetadata> {
    for (;;) {
      const inFlight = this.refreshing;
      if (!inFlight) break;
      // One in flight that asks for every topic wanted here serves this call too.
      if (topics.every((t) => inFlight.topics.has(t))) {
        await inFlight.done;
        return this.metadata;
      }
      await inFlight.done.catch(() => {});
    }
    for (const t of topics) this.topicsOfInterest.add(t);
    const asked = new Set(this.topicsOfInterest);
    const done = this.fetchMetadata([...asked]).finally(() => {
      this.refreshing = null;
    });
    this.refreshing = { topics: asked, done };
    await done;
    return this.metadata;
  }

  /** Every topic's metadata, without adding them to the topics of interest. */
  async describeAllTopics(): Promise<ClusterMetadata> {
    await this.fetchMetadata(null);
    return this.metadata;
  }

  private async fetchMetadata(topics: string[] | null): Promise<void> {
    const res = await this.retrying('Metadata', async () => {
      const conn = await this.anyConnection();
      return conn.request<MetadataResponse>(
        ApiKey.Metadata,
        { topics: topics === null ? null : topics.map((name) => ({ name })), allowAutoTopicCreation: false },
        { min: 1 },
      );
    });
    this.metadata.update(res, Date.now());
  }

  /** The partition's leader, refreshing metadata while it is unknown (until the request timeout). */
  async leaderFor(topic: string, partition: number): Promise<number> {
    const known = this.metadata.leaderOf(topic, partition);
    if (known !== null) return known;
    const deadline = Date.now() + this.requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      await this.refreshMetadata([topic]);
      const leader = this.metadata.leaderOf(topic, partition);
      if (leader !== null) return leader;
      const t = this.metadata.topics.get(topic);
      if (t && t.errorCode !== 0 && errorAction(t.errorCode) === 'fatal') throw new KafkaResponseError(t.errorCode, 'Metadata', topic);
      if (t && t.errorCode === 0 && !t.partitions.has(partition)) {
        throw new KafkaResponseError(3, 'Metadata', `${topic} has ${t.partitions.size} partitions, not ${partition + 1}`);
      }
      if (Date.now() >= deadline) {
        throw new KafkaResponseError(t ? t.errorCode || 5 : 3, 'Metadata', `no leader for ${topic}-${partition} within ${this.requestTimeoutMs} ms`);
      }
      await sleep(backoffDelay(this.retryBackoff, attempt));
    }
  }

  /** A leader error on the partition: forget its leader so the next send looks it up again. */
  leaderMoved(topic: string, partition: number): void {
    this.metadata.forgetLeader(topic, partition);
  }

  // ------------------------------------------------------------------ coordinators

  /** The node coordinating a group or transactional id (FindCoordinator, cached). */
  async coordinatorFor(type: CoordinatorType, key: string): Promise<number> {
    const cached = this.coordinators.get(`${type}:${key}`);
    if (cached !== undefined && this.metadata.brokers.has(cached)) return cached;
    const nodeId = await this.retrying('FindCoordinator', async () => {
      const conn = await this.anyConnection();
      const version = conn.version(ApiKey.FindCoordinator, { min: 1 });
      const res = await conn.requestAt<FindCoordinatorResponse>(ApiKey.FindCoordinator, version, {
        key,
        keyType: COORDINATOR_KEY_TYPE[type],
        coordinatorKeys: [key],
      });
      const answer = version >= 4 ? res.coordinators[0] : res;
      if (!answer) throw new KafkaResponseError(15, 'FindCoordinator', `no answer for ${type} ${key}`);
      if (answer.errorCode !== 0) throw new KafkaResponseError(answer.errorCode, 'FindCoordinator', answer.errorMessage ?? `${type} ${key}`);
      if (!this.metadata.brokers.has(answer.nodeId)) {
        this.metadata.brokers.set(answer.nodeId, { nodeId: answer.nodeId, host: answer.host, port: answer.port, rack: null });
      }
      return answer.nodeId;
    });
    this.coordinators.set(`${type}:${key}`, nodeId);
    return nodeId;
  }

  coordinatorMoved(type: CoordinatorType, key: string): void {
    this.coordinators.delete(`${type}:${key}`);
  }

  /**
   * Sends to the coordinator of `key`, finding it first and again whenever it moved
   * (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a lost connection), and retrying while it loads.
   * `errorOf` picks the response's error code; other errors are the caller's. `requestTimeoutMs`
   * replaces the request timeout for requests the broker may hold (JoinGroup: the rebalance timeout).
   */
  coordinatorRequest<T>(
    type: CoordinatorType,
    key: string,
    apiKey: number,
    body: unknown | ((version: number) => unknown),
    opts: { range?: VersionRange; errorOf?: (res: T) => number; timeoutMs?: number; requestTimeoutMs?: number } = {},
  ): Promise<T> {
    return this.retrying(
      `${type} coordinator request`,
      async () => {
        const nodeId = await this.coordinatorFor(type, key);
        let conn: BrokerConnection;
        try {
          conn = await this.coordinatorConnection(type, nodeId);
        } catch (e) {
          this.coordinatorMoved(type, key);
          throw e;
        }
        const version = conn.version(apiKey, opts.range);
        const res = await conn
          .requestAt<T>(apiKey, version, typeof body === 'function' ? (body as (v: number) => unknown)(version) : body, opts.requestTimeoutMs)
          .catch((e: unknown) => {
            if (e instanceof KafkaConnectionError) this.coordinatorMoved(type, key);
            throw e;
          });
        const code = opts.errorOf?.(res) ?? 0;
        const action = errorAction(code);
        if (action === 'find-coordinator') this.coordinatorMoved(type, key);
        if (code !== 0 && (action === 'find-coordinator' || code === 14 /* COORDINATOR_LOAD_IN_PROGRESS */)) {
          throw new KafkaResponseError(code, `${type} coordinator`, key);
        }
        return res;
      },
      opts.timeoutMs,
    );
  }

  // ------------------------------------------------------------------ plain requests

  /** To any broker, at the highest common version, retrying lost connections. */
  anyRequest<T>(apiKey: number, body: unknown | ((version: number) => unknown), range?: VersionRange): Promise<T> {
    return this.retrying('request', async () => {
      const conn = await this.anyConnection();
      const version = conn.version(apiKey, range);
      return conn.requestAt<T>(apiKey, version, typeof body === 'function' ? (body as (v: number) => unknown)(version) : body);
    });
  }

  /** To one broker; no retry (the caller knows what a failure means for it). */
  async nodeRequest<T>(
    nodeId: number,
    apiKey: number,
    body: unknown | ((version: number) => unknown),
    range?: VersionRange,
    timeoutMs?: number,
  ): Promise<T> {
    const conn = await this.nodeConnection(nodeId);
    const version = conn.version(apiKey, range);
    return conn.requestAt<T>(apiKey, version, typeof body === 'function' ? (body as (v: number) => unknown)(version) : body, timeoutMs);
  }

  /**
   * Runs `attempt` until it succeeds, a fatal error, or the deadline: lost connections and
   * retriable errors back off and try again.
   */
  async retrying<T>(what: string, attempt: () => Promise<T>, timeoutMs = this.requestTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        const retriable =
          (e instanceof KafkaConnectionError && e.code !== 'AUTH') ||
          (e instanceof KafkaResponseError && (e.action === 'retry' || e.action === 'find-coordinator' || e.action === 'refresh-metadata'));
        if (this.closed || !retriable || Date.now() >= deadline) throw e;
        if (e instanceof KafkaResponseError && e.action === 'refresh-metadata') await this.refreshMetadata().catch(() => {});
        await sleep(Math.min(backoffDelay(this.retryBackoff, n), Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** Closes every connection (failing what is in flight); the next request opens new ones. */
  closeConnections(): void {
    for (const c of this.connections.values()) c.then((conn) => conn.close()).catch(() => {});
    this.connections.clear();
  }

  close(): void {
    this.closed = true;
    this.closeConnections();
  }
}

export function parseEndpoint(address: string): BrokerEndpoint {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`"${address}" is not host:port`);
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}
