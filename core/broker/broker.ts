// The embedded broker: options, shared state (topics, clients, clock, handler registry) and
// the TCP listeners of its nodes. `startBroker` is the one way to run it: from tests, the CLI
// and the console.
import { createServer, type Server, type Socket } from 'node:net';
import { Cluster, type BrokerAddress, type BrokerNode, type Listener, type SecurityProtocol } from './cluster.js';
import { Connection } from './connection.js';
import type { BrokerEvent } from './events.js';
import { GroupCoordinator } from './groups/coordinator.js';
import { OffsetStore } from './groups/offset-store.js';
import { ProducerIdManager } from './producers/producer-ids.js';
import { TransactionCoordinator } from './transactions/coordinator.js';
import type { Handler } from './handler.js';
import { HANDLERS } from './handlers/index.js';
import type { FlushPolicy } from './log/index.js';
import { SASL_MECHANISMS, isSaslMechanism, saslUserStore, type SaslMechanism, type SaslUser } from '../protocol/sasl/index.js';
import type { SaslConfig } from './sasl-authenticator.js';
import { TopicManager } from './topics.js';

export interface BrokerOptions {
  host: string;
  /** 0 picks a free port (one per node); otherwise node i (0-based) listens on port + i. */
  port: number;
  /** What Metadata tells clients to dial; defaults to the address actually bound (node i: advertisedPort + i). */
  advertisedHost?: string;
  advertisedPort?: number;
  /** The first node's id; the others follow (nodeId + 1, …). */
  nodeId: number;
  /** Nodes served by this process over the one shared state (see cluster.ts). */
  nodes: number;
  /** Directory for logs and the topic catalogue; null keeps everything in memory. */
  dataDir: string | null;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** Largest request frame accepted (Kafka's socket.request.max.bytes). */
  socketRequestMaxBytes: number;
  flush: FlushPolicy;
  retentionCheckIntervalMs: number;
  /** Kafka's group.initial.rebalance.delay.ms (3000 there); small here, for a desktop cluster. */
  initialRebalanceDelayMs: number;
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Kafka's offsets.topic.num.partitions. */
  offsetsTopicPartitions: number;
  /**
   * A SASL_PLAINTEXT listener on every node besides the plaintext one: 0 = a free port per
   * node, otherwise node i binds saslPort + i; null = none. Advertised at advertisedHost.
   */
  saslPort: number | null;
  /** Kafka's sasl.enabled.mechanisms on that listener. */
  saslMechanisms: readonly SaslMechanism[];
  /** Its users: PLAIN checks these passwords, SCRAM credentials are derived from them at start. */
  saslUsers: readonly SaslUser[];
  /** Kafka's connection.failed.authentication.delay.ms: the failure answer and close wait this long. */
  failedAuthenticationDelayMs: number;
  /** Kafka's transaction.max.timeout.ms. */
  transactionMaxTimeoutMs: number;
  /** How often open transactions are checked against their timeout (Kafka: 10 s). */
  transactionAbortCheckIntervalMs: number;
  logger: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export const DEFAULT_OPTIONS: BrokerOptions = {
  host: '127.0.0.1',
  port: 9092,
  nodeId: 1,
  nodes: 1,
  dataDir: null,
  autoCreateTopics: true,
  defaultPartitions: 1,
  socketRequestMaxBytes: 100 * 1024 * 1024,
  flush: { mode: 'os' },
  retentionCheckIntervalMs: 5 * 60 * 1000,
  initialRebalanceDelayMs: 300,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  offsetsTopicPartitions: 50,
  saslPort: null,
  saslMechanisms: SASL_MECHANISMS,
  saslUsers: [],
  failedAuthenticationDelayMs: 100,
  transactionMaxTimeoutMs: 900_000,
  transactionAbortCheckIntervalMs: 1000,
  logger: () => {},
};

export type { BrokerAddress } from './cluster.js';

export interface ClientSnapshot {
  id: number;
  remote: string;
  connectedAt: number;
}

export interface PartitionSnapshot {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  logEndOffset: number;
  lastStableOffset: number;
  sizeBytes: number;
  segments: number;
}

export interface TopicSnapshot {
  name: string;
  id: string;
  internal: boolean;
  configs: Record<string, string>;
  partitions: PartitionSnapshot[];
}

export interface BrokerStats {
  /** Frames received, well-formed or not. */
  frames: number;
  /** Connections closed because of a bad frame (oversized, malformed, unknown API). */
  rejected: number;
  connections: number;
}

export class Broker {
  readonly registry: ReadonlyMap<number, Handler>;
  readonly stats: BrokerStats = { frames: 0, rejected: 0, connections: 0 };
  readonly topics: TopicManager;
  readonly groups: GroupCoordinator;
  readonly offsets: OffsetStore;
  readonly producerIds: ProducerIdManager;
  readonly transactions: TransactionCoordinator;
  private listeners = new Set<(e: BrokerEvent) => void>();
  private connections = new Set<Connection>();
  private nextConnectionId = 1;
  readonly cluster: Cluster;
  /** The SASL listeners' mechanisms and users; null when there are none. */
  readonly sasl: SaslConfig | null;

  constructor(readonly options: BrokerOptions) {
    this.registry = new Map(HANDLERS.map((h) => [h.apiKey, h]));
    this.sasl =
      options.saslPort === null
        ? null
        : { mechanisms: options.saslMechanisms, users: saslUserStore(options.saslUsers) };
    // The transaction log has as many partitions as the offsets topic (see TransactionCoordinator).
    this.cluster = new Cluster(
      options.nodeId,
      options.nodes,
      options.offsetsTopicPartitions,
      options.offsetsTopicPartitions,
      (topic, partition) => this.topics.get(topic)?.leaders?.[partition],
    );
    this.topics = new TopicManager({ dataDir: options.dataDir, flush: options.flush, now: () => this.now() });
    this.producerIds = new ProducerIdManager(options.dataDir);
    this.offsets = new OffsetStore(this.topics, options.offsetsTopicPartitions, () => this.now());
    this.offsets.open();
    this.groups = new GroupCoordinator(
      {
        initialRebalanceDelayMs: options.initialRebalanceDelayMs,
        minSessionTimeoutMs: options.minSessionTimeoutMs,
        maxSessionTimeoutMs: options.maxSessionTimeoutMs,
      },
      () => this.now(),
      (e) => this.emit(e),
    );
    for (const g of this.offsets.groups()) this.groups.getOrCreate(g);
    this.transactions = new TransactionCoordinator(
      {
        maxTimeoutMs: options.transactionMaxTimeoutMs,
        abortCheckIntervalMs: options.transactionAbortCheckIntervalMs,
        logPartitions: options.offsetsTopicPartitions,
      },
      this.topics,
      this.offsets,
      this.producerIds,
      () => this.now(),
      (e) => this.emit(e),
    );
    this.onEvent((e) => {
      if (e.type === 'group.rebalance.completed') this.persistGroupMetadata(e.groupId);
    });
    this.transactions.open();
  }

  now(): number {
    return Date.now();
  }

  /** Writes the group's new generation to __consumer_offsets, as Kafka does after each rebalance. */
  private persistGroupMetadata(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    this.offsets.writeGroupMetadata(groupId, {
      protocolType: g.protocolType ?? '',
      generation: g.generationId,
      protocol: g.protocolName,
      leader: g.leaderId,
      currentStateTimestamp: this.now(),
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: g.metadataFor(m, g.protocolName),
        assignment: m.assignment,
      })),
    });
  }

  /** Subscribes to the event feed (group states, members, rebalances); returns the unsubscriber. */
  onEvent(fn: (e: BrokerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(e: BrokerEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.log('error', `event listener failed on ${e.type}: ${(err as Error).message}`);
      }
    }
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.logger(level, message);
  }

  accept(socket: Socket, listener: Listener): void {
    const node = this.cluster.node(listener.nodeId)!;
    this.stats.connections++;
    this.connections.add(new Connection(socket, this, this.nextConnectionId++, node, listener));
  }

  connectionClosed(c: Connection): void {
    this.connections.delete(c);
  }

  closeConnections(): void {
    for (const c of this.connections) c.close();
  }

  /** In-process introspection: what the console shows about the embedded cluster. */
  describeTopics(): TopicSnapshot[] {
    return this.topics.list().map((t) => ({
      name: t.name,
      id: t.id,
      internal: t.internal,
      configs: { ...t.configs },
      partitions: this.topics.partitions(t.name).map((p) => ({
        partition: p.index,
        logStartOffset: p.log.logStartOffset,
        highWatermark: p.highWatermark,
        logEndOffset: p.log.logEndOffset,
        lastStableOffset: p.lastStableOffset,
        sizeBytes: p.log.sizeBytes,
        segments: p.log.segmentCount,
      })),
    }));
  }

  describeClients(): ClientSnapshot[] {
    return [...this.connections].map((c) => ({ ...c.info }));
  }
}

export interface RunningBroker {
  /** Node 1's plaintext listener, as bound. */
  readonly address: BrokerAddress;
  /** "host:port" of node 1, ready for a client's bootstrap list. */
  readonly bootstrap: string;
  /** Every node's plaintext listener, as bound. */
  readonly nodes: readonly { nodeId: number; host: string; port: number }[];
  /** Every node's advertised plaintext "host:port". */
  readonly bootstrapServers: readonly string[];
  /** Every node's advertised SASL_PLAINTEXT "host:port"; empty without saslPort. */
  readonly saslBootstrapServers: readonly string[];
  readonly broker: Broker;
  close(): Promise<void>;
}

/** A kind of listener every node gets: its name, protocol, and the options that place it. */
interface ListenerSpec {
  name: string;
  securityProtocol: SecurityProtocol;
  /** 0 = a free port per node; otherwise node i binds port + i. */
  port: number;
  /** Which option chose the port, for the "already in use" message. */
  portFlag: string;
  advertisedHost?: string | undefined;
  advertisedPort?: number | undefined;
}

const PLAINTEXT = 'PLAINTEXT';
const SASL_PLAINTEXT = 'SASL_PLAINTEXT';

function listenerSpecs(o: BrokerOptions): ListenerSpec[] {
  const specs: ListenerSpec[] = [
    { name: PLAINTEXT, securityProtocol: 'PLAINTEXT', port: o.port, portFlag: '--port', advertisedHost: o.advertisedHost, advertisedPort: o.advertisedPort },
  ];
  if (o.saslPort !== null) {
    specs.push({ name: SASL_PLAINTEXT, securityProtocol: 'SASL_PLAINTEXT', port: o.saslPort, portFlag: '--sasl-port', advertisedHost: o.advertisedHost });
  }
  return specs;
}

/** Every node's advertised "host:port" on the listener of this name. */
function advertisedOn(broker: Broker, name: string): string[] {
  return broker.cluster.nodes.flatMap((n) =>
    n.listeners.filter((l) => l.name === name).map((l) => `${l.advertised.host}:${l.advertised.port}`),
  );
}

function listen(server: Server, host: string, port: number, portFlag: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} on ${host} is already in use; choose another with ${portFlag}`) : e),
    );
    server.listen(port, host, () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : port);
    });
  });
}

/** Binds one listener of `node` (the `index`-th node) and adds it to the node. */
async function bindListener(broker: Broker, spec: ListenerSpec, node: BrokerNode, index: number, servers: Server[]): Promise<void> {
  const host = broker.options.host;
  const port = spec.port === 0 ? 0 : spec.port + index;
  if (port > 65535) throw new Error(`node ${node.nodeId} would need port ${port}; choose a lower ${spec.portFlag}`);
  let listener: Listener | null = null;
  const server = createServer((s) => (listener ? broker.accept(s, listener) : s.destroy()));
  servers.push(server);
  const boundPort = await listen(server, host, port, spec.portFlag);
  listener = {
    name: spec.name,
    securityProtocol: spec.securityProtocol,
    nodeId: node.nodeId,
    bound: { host, port: boundPort },
    advertised: { host: spec.advertisedHost ?? host, port: spec.advertisedPort === undefined ? boundPort : spec.advertisedPort + index },
  };
  node.listeners.push(listener);
  const { advertised } = listener;
  broker.log('info', `node ${node.nodeId}: ${spec.name} listening on ${host}:${boundPort}, advertised as ${advertised.host}:${advertised.port}`);
}

export async function startBroker(opts: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  const options: BrokerOptions = { ...DEFAULT_OPTIONS, ...opts };
  if (!Number.isInteger(options.nodes) || options.nodes < 1) throw new Error(`nodes must be a positive integer, not ${options.nodes}`);
  if (options.saslPort !== null && (options.saslMechanisms.length === 0 || !options.saslMechanisms.every(isSaslMechanism))) {
    throw new Error(`SASL mechanisms must be some of ${SASL_MECHANISMS.join(', ')}, not "${options.saslMechanisms.join(',')}"`);
  }
  const broker = new Broker(options);
  const servers: Server[] = [];
  let retention: NodeJS.Timeout | null = null;
  const shutdown = () =>
    new Promise<void>((resolve) => {
      if (retention) clearInterval(retention);
      let open = servers.length;
      const closed = () => {
        if (--open <= 0) resolve();
      };
      // A server that never finished listening reports an error here; it is closed all the same.
      for (const server of servers) server.close(closed);
      if (servers.length === 0) resolve();
      broker.closeConnections();
      broker.groups.close();
      broker.transactions.close();
      broker.topics.close();
    });
  try {
    for (const [index, nodeId] of broker.cluster.nodeIds.entries()) {
      const node: BrokerNode = { nodeId, listeners: [] };
      broker.cluster.nodes.push(node);
      for (const spec of listenerSpecs(options)) await bindListener(broker, spec, node, index, servers);
    }
  } catch (e) {
    await shutdown();
    throw e;
  }
  retention = setInterval(() => broker.topics.enforceRetention(), options.retentionCheckIntervalMs);
  retention.unref();
  const plaintext = broker.cluster.nodes.map((n) => n.listeners.find((l) => l.name === PLAINTEXT)!);
  const first = plaintext[0]!;
  let closing: Promise<void> | null = null;
  return {
    address: first.bound,
    bootstrap: `${first.advertised.host}:${first.advertised.port}`,
    nodes: plaintext.map((l) => ({ nodeId: l.nodeId, ...l.bound })),
    bootstrapServers: advertisedOn(broker, PLAINTEXT),
    saslBootstrapServers: advertisedOn(broker, SASL_PLAINTEXT),
    broker,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
