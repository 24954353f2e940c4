// Watches any Kafka cluster by polling: cluster status, consumer groups (members, assignments,
// lag, status, rebalances) and transactions. Never throws out of the poll loop: an unreachable
// cluster is a `cluster.status` with connected:false and the next try backed off 1 s → 30 s.
import type { Admin, GroupDescription, Kafka } from 'kafkajs';
import type { ClusterStatusEvent, GroupSnapshot, LsoHold, MonitorEvent, TransactionSnapshot } from './types.js';
import { decodeAssignment } from './assignment.js';
import { backoffMs, describeFailure } from './failures.js';
import { GroupWatcher } from './group-watcher.js';
import { MONITOR_CONNECTION_TIMEOUT_MS, MONITOR_REQUEST_TIMEOUT_MS } from './kafka-client.js';
import { LogReader } from './log-reader.js';
import { endOffsets, type CommittedOffsets, type EndOffsets, type LatestOffsetsReader } from './offsets.js';
import { askCoordinators } from './coordinators.js';
import { committedOffsets, describeGroups, listGroups } from './group-requests.js';
import { ApiKey } from '../protocol/apis.js';
import type { MetadataResponse } from '../protocol/schema/generated/index.js';
import { TopicLeaders } from './topic-leaders.js';
import { parsePartitionKey, partitionKey } from '../protocol/topic-partition.js';
import { KafkaClient } from '../client/client.js';
import type { SaslSettings } from '../client/sasl.js';
import { fetchBatches, highWatermarks, lastStableOffsets, supportsTransactionApis, transactionsOf } from './raw-requests.js';
import { DEFAULT_EVALUATOR_RULES, type EvaluatorRules } from './lag-evaluator.js';
import { TransactionWatcher } from './transaction-watcher.js';
import { lsoHolds, toTransactionSnapshot, type DescribedTransaction, type PartitionEndsByKey } from './transactions.js';

export interface ClusterMonitorOptions {
  /** Best made with createMonitorKafka: short timeouts, few retries. */
  kafka: Kafka;
  /** host:port list, or one comma-separated string (as core/session's monitor seam passes it). */
  bootstrap: string[] | string;
  intervalMs?: number;
  emit: (e: MonitorEvent) => void;
  groupFilter?: (groupId: string) => boolean;
  /** The hosted instance a member belongs to, from its client id. */
  memberInstance?: (clientId: string) => string | null;
  /** Groups whose consumers read read_committed: their lag ends at the LSO. Default: none. */
  readCommitted?: (groupId: string) => boolean;
  /** Reported in cluster.status. */
  embedded?: boolean;
  /** TLS and SASL for the monitor's own protocol client (core/client), as for kafkajs. */
  ssl?: boolean;
  sasl?: SaslSettings | null;
  /** Burrow's evaluation of lag status (lag-evaluator.ts): window size, allowed lag, min distance. */
  statusRules?: Partial<EvaluatorRules>;
  /** Markers are counted (by reading the log) for partitions lagging at most this many offsets. */
  maxScanLag?: number;
}

type ClusterStatus = ClusterStatusEvent;

const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_MAX_SCAN_LAG = 10_000;
/** Log bytes read per poll, over all partitions, to count markers. */
const SCAN_BYTES_PER_POLL = 16 << 20;

export class ClusterMonitor {
  private intervalMs: number;
  private readonly bootstrap: string[];
  /** core/client, for what kafkajs cannot ask (raw ListOffsets and Fetch, transactions). */
  private readonly raw: KafkaClient;
  private readonly groups: GroupWatcher;
  private readonly leaders: TopicLeaders;
  private readonly snapshots = new Map<string, GroupSnapshot>();
  private admin: { admin: Admin; ready: Promise<Admin> } | null = null;
  private brokers: Array<{ nodeId: number; host: string; port: number }> = [];
  private ends: EndOffsets | null = null;
  private failures = 0;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<void> = Promise.resolve();
  private lastStatus = '';
  private lastTxn = '';
  private readonly txnWatcher = new TransactionWatcher();
  private readonly reported = new Map<string, string>();

  constructor(private readonly opts: ClusterMonitorOptions) {
    this.intervalMs = checkInterval(opts.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.bootstrap = typeof opts.bootstrap === 'string' ? opts.bootstrap.split(',').map((s) => s.trim()) : opts.bootstrap;
    this.raw = this.newProtocolClient();
    this.leaders = new TopicLeaders(this.raw);
    const reader = new LogReader((topic, partition, offset, maxBytes) => this.fetchLog(topic, partition, offset, maxBytes));
    this.groups = new GroupWatcher(
      {
        memberInstance: opts.memberInstance ?? (() => null),
        readCommitted: opts.readCommitted ?? (() => false),
        statusRules: { ...DEFAULT_EVALUATOR_RULES, ...opts.statusRules },
        maxScanLag: opts.maxScanLag ?? DEFAULT_MAX_SCAN_LAG,
      },
      reader,
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and closes the monitor's connections; nothing is emitted afterwards. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.raw.close(); // fails in-flight raw requests at once
    await this.queue;
    await this.closeClients();
  }

  /** Polls now (after any poll in flight); resolves when done. */
  refresh(): Promise<void> {
    // poll() handles its own failures; the catch keeps the chain alive should one slip through.
    const run = this.queue.then(() => this.poll()).catch((e: unknown) => this.report('poll', `poll failed: ${describeFailure(e, this.bootstrap)}`));
    this.queue = run;
    return run;
  }

  setInterval(ms: number): void {
    this.intervalMs = checkInterval(ms);
    if (this.timer && this.failures === 0) {
      clearTimeout(this.timer);
      this.schedule(this.intervalMs);
    }
  }

  /** The latest snapshot of every watched group. */
  snapshot(): GroupSnapshot[] {
    return [...this.snapshots.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /** The real generation of a group, e.g. from a hosted instance's telemetry. */
  noteGeneration(groupId: string, generation: number): void {
    this.groups.noteGeneration(groupId, generation);
  }

  /**
   * Polls start every intervalMs (a poll's own time is not added to the period); one that took
   * longer is followed at once by the next, never by two at a time. Failures back off.
   */
  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = performance.now();
      void this.refresh().then(() => {
        const rest = Math.max(0, this.intervalMs - (performance.now() - started));
        if (this.running && !this.timer) this.schedule(this.failures > 0 ? backoffMs(this.failures) : rest);
      });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    let cluster: { brokers: Array<{ nodeId: number; host: string; port: number }>; clusterId: string | null };
    try {
      await this.connectedAdmin();
      cluster = await this.describeCluster();
    } catch (e) {
      await this.unreachable(e);
      return;
    }
    this.failures = 0;
    this.brokers = cluster.brokers;
    // core/client's metadata is refreshed when it is missing a broker, otherwise as TopicLeaders says.
    if (cluster.brokers.some((b) => !this.raw.metadata.brokers.has(b.nodeId))) await this.raw.refreshMetadata();
    this.emitStatus({
      type: 'cluster.status',
      connected: true,
      embedded: this.opts.embedded ?? false,
      bootstrap: this.bootstrap.join(','),
      brokers: cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
      clusterId: cluster.clusterId || null,
      error: null,
      retryInMs: null,
    });
    await this.section('groups', () => this.pollGroups());
    await this.section('transactions', () => this.pollTransactions());
  }

  /**
   * Brokers and cluster id: Metadata for no topic, not retried (the poll loop retries). kafkajs's
   * describeCluster and listGroups ask for every topic's metadata each time.
   */
  private async describeCluster(): Promise<{ brokers: Array<{ nodeId: number; host: string; port: number }>; clusterId: string | null }> {
    const conn = await this.raw.anyConnection();
    const res = await conn.request<MetadataResponse>(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false }, { min: 1 });
    return { brokers: res.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })), clusterId: res.clusterId };
  }

  /**
   * Every poll: ListGroups to each broker, then per coordinator one DescribeGroups and one
   * OffsetFetch (several groups per request on v8+) for all its groups, and per leader two
   * ListOffsets for all the partitions; topic metadata only when it is due (topic-leaders.ts).
   */
  private async pollGroups(): Promise<void> {
    const filter = this.opts.groupFilter ?? (() => true);
    const listed = await Promise.all(this.brokers.map(async (b) => listGroups(await this.raw.nodeConnection(b.nodeId))));
    const ids = [...new Set(listed.flat())].filter((id) => filter(id)).sort();
    const describeError = (e: unknown) => describeFailure(e, this.bootstrap);
    const [descriptions, offsets] = await Promise.all([
      askCoordinators(this.raw, 'DescribeGroups', ids, describeGroups, describeError),
      askCoordinators(this.raw, 'OffsetFetch', ids, committedOffsets, describeError),
    ]);
    const described: GroupDescription[] = [];
    const committed = new Map<string, CommittedOffsets | null>();
    for (const id of ids) {
      const d = descriptions.get(id);
      if (d?.ok) {
        described.push(d.value);
        this.clear(`describe:${id}`);
      } else this.report(`describe:${id}`, `cannot describe group ${id}: ${d?.error ?? 'no answer'}`);
      const o = offsets.get(id);
      committed.set(id, o?.ok ? o.value : null);
      if (o?.ok) this.clear(`offsets:${id}`);
      else this.report(`offsets:${id}`, `cannot read the committed offsets of group ${id}: ${o?.error ?? 'no answer'}`);
    }
    const topics = new Set<string>();
    for (const offsets of committed.values()) for (const key of offsets?.keys() ?? []) topics.add(parsePartitionKey(key).topic);
    for (const g of described) {
      for (const m of g.members) for (const a of decodeAssignment(g.protocolType, m.memberAssignment)) topics.add(a.topic);
    }
    const ends = await this.readEnds(topics);
    this.ends = ends;
    if (ends.failures.length > 0) this.report('ends', ends.failures.join('; '));
    else this.clear('ends');

    const budget = { bytesLeft: SCAN_BYTES_PER_POLL };
    const now = Date.now();
    for (const g of described) {
      if (this.stopped) return;
      const { snapshot, rebalances } = await this.groups.update(g, committed.get(g.groupId) ?? null, ends, budget, now);
      this.snapshots.set(g.groupId, snapshot);
      for (const r of rebalances) this.emit(r);
      this.emit({ type: 'group.snapshot', group: snapshot });
    }
    // A listed group that could not be described this time keeps its last snapshot and history.
    const present = new Set(ids);
    for (const id of this.snapshots.keys()) if (!present.has(id)) this.snapshots.delete(id);
    this.groups.retain(present);
  }

  /**
   * End offsets of the topics' partitions. A partition without a leader or answered with an
   * error makes the metadata due: refreshed and read once more at once, then on the next poll.
   */
  private async readEnds(topics: ReadonlySet<string>): Promise<EndOffsets> {
    const describe = (e: unknown) => describeFailure(e, this.bootstrap);
    let ends = await endOffsets(await this.leaders.of(topics, Date.now()), this.readLatest, describe);
    if (ends.unanswered > 0 || ends.failures.length > 0) {
      this.leaders.invalidate();
      ends = await endOffsets(await this.leaders.of(topics, Date.now()), this.readLatest, describe);
      if (ends.unanswered > 0 || ends.failures.length > 0) this.leaders.invalidate();
    }
    if (ends.highWatermarkFailures.length > 0) {
      this.report('hw', `cannot read high watermarks (lag ends at the last stable offset): ${ends.highWatermarkFailures.join('; ')}`);
    } else this.clear('hw');
    return ends;
  }

  private readonly readLatest: LatestOffsetsReader = async (nodeId, topics, isolation) => {
    const conn = await this.raw.nodeConnection(nodeId);
    return isolation === 'read_committed' ? lastStableOffsets(conn, topics) : highWatermarks(conn, topics);
  };

  /** Reads go to the partition's leader as of this poll's metadata. */
  private async fetchLog(topic: string, partition: number, offset: number, maxBytes: number): Promise<Buffer> {
    const leader = this.ends?.byPartition.get(partitionKey(topic, partition))?.leader ?? -1;
    const conn = await this.raw.nodeConnection(leader);
    return fetchBatches(conn, topic, partition, offset, maxBytes);
  }

  private async pollTransactions(): Promise<void> {
    const described: DescribedTransaction[] = [];
    let supported = true;
    const now = Date.now();
    for (const b of this.brokers) {
      const conn = await this.raw.nodeConnection(b.nodeId);
      if (!supportsTransactionApis(conn)) {
        supported = false;
        continue;
      }
      for (const t of await transactionsOf(conn)) described.push(toTransactionSnapshot(t, now));
    }
    described.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
    if (!supported) {
      this.emitTransactions([], false, []);
      return;
    }
    const transactions = this.txnWatcher.update(described, now);
    // Without the offsets the transactions are still worth showing; the holds wait for the next poll.
    let ends: PartitionEndsByKey = new Map();
    try {
      ends = await this.transactionPartitionEnds(described);
      this.clear('txn-ends');
    } catch (e) {
      this.report('txn-ends', `cannot read the offsets of partitions in open transactions: ${describeFailure(e, this.bootstrap)}`);
    }
    this.emitTransactions(transactions, true, lsoHolds(described, ends, now));
  }

  /** LSO and high watermark of every partition in an open transaction, from its leader. */
  private async transactionPartitionEnds(described: DescribedTransaction[]): Promise<PartitionEndsByKey> {
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const t of described) {
      if (t.startedAt === null) continue;
      for (const tp of t.partitions) {
        for (const partition of tp.partitions) {
          const leader = await this.raw.leaderFor(tp.topic, partition);
          const topics = byLeader.get(leader) ?? new Map<string, number[]>();
          byLeader.set(leader, topics);
          const list = topics.get(tp.topic) ?? [];
          if (!list.includes(partition)) list.push(partition);
          topics.set(tp.topic, list);
        }
      }
    }
    const out = new Map<string, { lastStable: number; highWatermark: number }>();
    await Promise.all(
      [...byLeader].map(async ([nodeId, topics]) => {
        const conn = await this.raw.nodeConnection(nodeId);
        const [stable, high] = await Promise.all([lastStableOffsets(conn, topics), highWatermarks(conn, topics)]);
        for (const [topic, partitions] of stable) {
          for (const [partition, lastStable] of partitions) {
            const highWatermark = high.get(topic)?.get(partition);
            if (highWatermark !== undefined) out.set(partitionKey(topic, partition), { lastStable, highWatermark });
          }
        }
      }),
    );
    return out;
  }

  private emitTransactions(transactions: TransactionSnapshot[], supported: boolean, lsoHeld: LsoHold[]): void {
    const key = JSON.stringify([transactions, supported, lsoHeld]);
    if (key === this.lastTxn) return;
    this.lastTxn = key;
    this.emit({ type: 'txn.snapshot', transactions, supported, lsoHeld });
  }

  private async unreachable(e: unknown): Promise<void> {
    this.failures += 1;
    await this.closeClients();
    this.emitStatus({
      type: 'cluster.status',
      connected: false,
      embedded: this.opts.embedded ?? false,
      bootstrap: this.bootstrap.join(','),
      brokers: [],
      clusterId: null,
      error: describeFailure(e, this.bootstrap),
      retryInMs: backoffMs(this.failures),
    });
  }

  private newProtocolClient(): KafkaClient {
    return new KafkaClient({
      bootstrapServers: this.bootstrap,
      clientId: 'streamwatch-monitor',
      connectionTimeoutMs: MONITOR_CONNECTION_TIMEOUT_MS,
      requestTimeoutMs: MONITOR_REQUEST_TIMEOUT_MS,
      // The poll loop has its own backoff; one quick retry is enough inside a poll.
      retryBackoff: { initialMs: 100, maxMs: 500 },
      ...(this.opts.ssl ? { ssl: true } : {}),
      ...(this.opts.sasl ? { sasl: this.opts.sasl } : {}),
    });
  }

  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.opts.kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
      this.admin = { admin, ready: admin.connect().then(() => admin) };
    }
    return this.admin.ready;
  }

  private async closeClients(): Promise<void> {
    const current = this.admin;
    this.admin = null;
    this.raw.closeConnections();
    if (current) await current.admin.disconnect().catch(() => {});
  }

  /** Runs one part of a poll; a failure is reported, and the rest of the poll goes on. */
  private async section(name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      this.clear(name);
    } catch (e) {
      this.report(name, `${name}: ${describeFailure(e, this.bootstrap)}`);
    }
  }

  /** An `error` event, once per distinct message until the problem clears. */
  private report(key: string, message: string): void {
    if (this.reported.get(key) === message) return;
    this.reported.set(key, message);
    this.emit({ type: 'error', source: 'monitor', message });
  }

  private clear(key: string): void {
    this.reported.delete(key);
  }

  private emitStatus(status: ClusterStatus): void {
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.emit(status);
  }

  private emit(e: MonitorEvent): void {
    if (this.stopped) return;
    try {
      this.opts.emit(e);
    } catch {
      // A listener's failure is the listener's; the monitor keeps polling.
    }
  }
}

function checkInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`poll interval must be a positive number of ms, got ${ms}`);
  return ms;
}
