// The embedded broker: options, shared state (topics, clients, clock, handler registry) and
// the TCP server. `startBroker` is the one way to run it: from tests, the CLI and the console.
import { createServer, type Server, type Socket } from 'node:net';
import { Connection } from './connection.js';
import type { BrokerEvent } from './events.js';
import { GroupCoordinator } from './groups/coordinator.js';
import { OffsetStore } from './groups/offset-store.js';
import { ProducerIdManager } from './producers/producer-ids.js';
import { TransactionCoordinator } from './transactions/coordinator.js';
import type { Handler } from './handler.js';
import { HANDLERS } from './handlers/index.js';
import type { FlushPolicy } from './log/index.js';
import { TopicManager } from './topics.js';

export interface BrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** What Metadata tells clients to dial; defaults to the address actually bound. */
  advertisedHost?: string;
  advertisedPort?: number;
  nodeId: number;
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
  transactionMaxTimeoutMs: 900_000,
  transactionAbortCheckIntervalMs: 1000,
  logger: () => {},
};

export interface BrokerAddress {
  host: string;
  port: number;
}

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
  advertised: BrokerAddress;

  constructor(readonly options: BrokerOptions) {
    this.registry = new Map(HANDLERS.map((h) => [h.apiKey, h]));
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
    this.advertised = { host: options.advertisedHost ?? options.host, port: options.advertisedPort ?? options.port };
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

  accept(socket: Socket): void {
    this.stats.connections++;
    this.connections.add(new Connection(socket, this, this.nextConnectionId++));
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
  readonly address: BrokerAddress;
  /** "host:port", ready for a client's bootstrap list. */
  readonly bootstrap: string;
  readonly broker: Broker;
  close(): Promise<void>;
}

export async function startBroker(opts: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  const options: BrokerOptions = { ...DEFAULT_OPTIONS, ...opts };
  const broker = new Broker(options);
  const server: Server = createServer((s) => broker.accept(s));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      broker.topics.close();
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`port ${options.port} on ${options.host} is already in use; choose another with --port`)
          : e,
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  broker.advertised = { host: options.advertisedHost ?? options.host, port: options.advertisedPort ?? port };
  const retention = setInterval(() => broker.topics.enforceRetention(), options.retentionCheckIntervalMs);
  retention.unref();
  broker.log('info', `listening on ${options.host}:${port}, advertised as ${broker.advertised.host}:${broker.advertised.port}`);
  let closing: Promise<void> | null = null;
  return {
    address: { host: options.host, port },
    bootstrap: `${broker.advertised.host}:${broker.advertised.port}`,
    broker,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(retention);
        server.close(() => resolve());
        broker.closeConnections();
        broker.groups.close();
        broker.transactions.close();
        broker.topics.close();
      });
      return closing;
    },
  };
}
