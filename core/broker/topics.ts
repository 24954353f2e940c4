// Topics and partitions (one store, shared by every node): creation, deletion, partition growth, config
// overrides, and the persisted catalogue (meta.json) that lets them survive a restart.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import {
  decodeControlRecord,
  decodeEndTxnMarkerValue,
  decodeRecordBatch,
  encodeControlBatch,
  isControl,
  isTransactional,
  readBatchHeader,
  type BatchHeader,
} from '../protocol/records/index.js';
import { forEachBatch, PartitionLog, type FlushPolicy } from './log/index.js';
import { PartitionTransactions } from './producers/partition-transactions.js';
import { ProducerStateManager, type SequenceCheck } from './producers/producer-state.js';
import { logConfigOf, validateTopicConfigs } from './topic-configs.js';

export interface TopicMeta {
  readonly name: string;
  /** Kafka's topic id: 16 random bytes, URL-safe base64. */
  readonly id: string;
  readonly internal: boolean;
  partitions: number;
  /** Explicit overrides only; defaults come from the config table. */
  configs: Record<string, string>;
  /**
   * Leaders named by a manual replica assignment (CreateTopics / CreatePartitions), by partition;
   * a partition without one is placed by the cluster (cluster.ts).
   */
  leaders?: (number | null)[];
}

export type ProducedBatchResult =
  | { kind: 'appended'; baseOffset: number }
  | Exclude<SequenceCheck, { kind: 'append' }>;

export class Partition {
  /** Called (then forgotten) on the next append: how parked Fetch requests wake up. */
  private waiters = new Set<() => void>();
  readonly producers = new ProducerStateManager();
  readonly transactions = new PartitionTransactions();

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: PartitionLog,
  ) {
    this.rebuildProducerState();
  }

  /** Replays every batch in the log into the producer and transaction state (a restart forgets nothing). */
  private rebuildProducerState(): void {
    forEachBatch(this.log, (batch, h) => this.track(h, h.baseOffset, () => batch));
  }

  /**
   * Moves the log start forward: to `offset` (DeleteRecords) or as retention allows (null), and
   * forgets aborted transactions wholly before it. Returns the new log start offset.
   */
  deleteBefore(offset: number | null): number {
    if (offset === null) this.log.enforceRetention();
    else this.log.deleteRecordsBefore(offset);
    this.transactions.truncateBefore(this.log.logStartOffset);
    return this.log.logStartOffset;
  }

  /** Appends a producer's batch after the idempotence checks; a retried batch is not appended again. */
  appendProduced(batch: Buffer, header: BatchHeader): ProducedBatchResult {
    const check = this.producers.check(header);
    if (check.kind !== 'append') return check;
    const { baseOffset } = this.append([batch]);
    this.track(header, baseOffset, () => batch);
    return { kind: 'appended', baseOffset };
  }

  /** Writes a transaction marker for the producer, ending its transaction on this partition. */
  appendMarker(producerId: number, producerEpoch: number, type: 'COMMIT' | 'ABORT', coordinatorEpoch: number, now: number): number {
    const batch = encodeControlBatch({ producerId, producerEpoch, type, coordinatorEpoch, timestamp: now });
    const { baseOffset } = this.log.append([batch], { partitionLeaderEpoch: LEADER_EPOCH });
    this.track(readBatchHeader(batch), baseOffset, () => batch);
    this.wake(); // the LSO moved: parked read_committed fetches may now return data
    return baseOffset;
  }

  /** Updates producer and transaction state for a batch now at `baseOffset`. */
  private track(h: BatchHeader, baseOffset: number, bytes: () => Buffer): void {
    this.producers.update(h, baseOffset);
    if (!isTransactional(h.attributes)) return;
    if (isControl(h.attributes)) {
      const marker = decodeRecordBatch(bytes()).records[0];
      if (!marker?.key) return;
      this.transactions.onMarker(h.producerId, decodeControlRecord(marker.key).type, baseOffset);
      if (marker.value) this.producers.markerWritten(h.producerId, decodeEndTxnMarkerValue(marker.value).coordinatorEpoch);
    } else {
      this.transactions.onData(h.producerId, baseOffset);
    }
  }

  get highWatermark(): number {
    return this.log.logEndOffset;
  }
  /** End of what read_committed consumers may read: the first offset of the earliest open transaction. */
  get lastStableOffset(): number {
    return this.transactions.firstUnstableOffset() ?? this.log.logEndOffset;
  }

  append(batches: Buffer[]): { baseOffset: number; lastOffset: number } {
    // A single node never changes leader: epoch 0, as Metadata reports it.
    const r = this.log.append(batches, { partitionLeaderEpoch: LEADER_EPOCH });
    this.wake();
    return r;
  }

  onNextAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

export const LEADER_EPOCH = 0;

const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
/** Each partition is a directory with open files: a bound that keeps a desktop machine usable. */
const MAX_PARTITIONS = 10_000;

export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > 249) return `Topic name is illegal, it can't be longer than 249 characters`;
  if (!LEGAL_NAME.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

interface Catalogue {
  clusterId: string;
  topics: TopicMeta[];
}

export interface TopicManagerOptions {
  dataDir: string | null;
  flush: FlushPolicy;
  now: () => number;
}

export class TopicManager {
  private topics = new Map<string, { meta: TopicMeta; partitions: Partition[] }>();
  readonly clusterId: string;

  constructor(private opts: TopicManagerOptions) {
    const cat = this.readCatalogue();
    this.clusterId = cat?.clusterId ?? randomBytes(16).toString('base64url');
    for (const meta of cat?.topics ?? []) {
      this.topics.set(meta.name, { meta, partitions: this.openPartitions(meta, 0, meta.partitions) });
    }
    this.save();
  }

  private get catalogueFile(): string | null {
    return this.opts.dataDir && join(this.opts.dataDir, 'meta.json');
  }

  private readCatalogue(): Catalogue | null {
    const f = this.catalogueFile;
    if (!f || !existsSync(f)) return null;
    return JSON.parse(readFileSync(f, 'utf8')) as Catalogue;
  }

  /** Written to a temporary file and renamed, so a crash leaves the old or the new catalogue. */
  private save(): void {
    const f = this.catalogueFile;
    if (!f) return;
    mkdirSync(this.opts.dataDir!, { recursive: true });
    const cat: Catalogue = { clusterId: this.clusterId, topics: [...this.topics.values()].map((t) => t.meta) };
    writeFileSync(`${f}.tmp`, JSON.stringify(cat, null, 2));
    renameSync(`${f}.tmp`, f);
  }

  private partitionDir(topic: string, index: number): string | null {
    return this.opts.dataDir && join(this.opts.dataDir, `${topic}-${index}`);
  }

  private openPartitions(meta: TopicMeta, from: number, to: number): Partition[] {
    const out: Partition[] = [];
    for (let i = from; i < to; i++) {
      const log = PartitionLog.open({
        dir: this.partitionDir(meta.name, i),
        config: logConfigOf(meta.configs),
        flush: this.opts.flush,
        now: this.opts.now,
      });
      out.push(new Partition(meta.name, i, log));
    }
    return out;
  }

  list(): TopicMeta[] {
    return [...this.topics.values()].map((t) => t.meta);
  }

  get(name: string): TopicMeta | undefined {
    return this.topics.get(name)?.meta;
  }

  partitions(name: string): readonly Partition[] {
    return this.topics.get(name)?.partitions ?? [];
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  /** Checks a creation request; throws the KafkaError a real broker would answer with. */
  checkCreate(name: string, partitions: number, configs: Record<string, string | null>): void {
    const bad = topicNameProblem(name);
    if (bad) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
    if (this.topics.has(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    }
    if (partitions > MAX_PARTITIONS) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `At most ${MAX_PARTITIONS} partitions per topic here.`);
    const problem = validateTopicConfigs(configs);
    if (problem) throw new KafkaError(ErrorCode.INVALID_CONFIG, problem);
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}, internal = false, leaders?: number[]): TopicMeta {
    this.checkCreate(name, partitions, configs);
    const meta: TopicMeta = { name, id: randomBytes(16).toString('base64url'), internal, partitions, configs: { ...configs } };
    if (leaders) meta.leaders = [...leaders];
    this.topics.set(name, { meta, partitions: this.openPartitions(meta, 0, partitions) });
    this.save();
    return meta;
  }

  delete(name: string): void {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    this.topics.delete(name);
    this.save();
    for (const p of t.partitions) {
      p.log.deleteFiles();
      p.wake();
    }
  }

  checkAddPartitions(name: string, count: number): void {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    if (count === t.meta.partitions) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${count} partition(s).`);
    }
    if (count < t.meta.partitions) {
      throw new KafkaError(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${t.meta.partitions} partitions, which is higher than the requested ${count}.`,
      );
    }
    if (count > MAX_PARTITIONS) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `At most ${MAX_PARTITIONS} partitions per topic here.`);
  }

  /** Grows the topic to `count` partitions; `leaders` names the new partitions' leaders (manual assignment). */
  addPartitions(name: string, count: number, leaders?: number[]): void {
    this.checkAddPartitions(name, count);
    const t = this.topics.get(name)!;
    if (leaders) {
      const all = Array.from({ length: t.meta.partitions }, (_, i) => t.meta.leaders?.[i] ?? null);
      t.meta.leaders = [...all, ...leaders];
    }
    t.partitions.push(...this.openPartitions(t.meta, t.meta.partitions, count));
    t.meta.partitions = count;
    this.save();
  }

  /**
   * Names a new leader for one partition (AlterPartitionReassignments). Storage is shared by every
   * node, so nothing moves: the partition is served by `leader` from now on, and it is persisted
   * like a manual assignment.
   */
  setLeader(name: string, partition: number, leader: number): void {
    const t = this.topics.get(name);
    if (!t || partition < 0 || partition >= t.meta.partitions) {
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${name}:${partition}.`);
    }
    const all = Array.from({ length: t.meta.partitions }, (_, i) => t.meta.leaders?.[i] ?? null);
    all[partition] = leader;
    t.meta.leaders = all;
    this.save();
  }

  /** Replaces the topic's overrides (AlterConfigs semantics: keys not given revert to default). */
  setConfigs(name: string, configs: Record<string, string>): void {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    const problem = validateTopicConfigs(configs);
    if (problem) throw new KafkaError(ErrorCode.INVALID_CONFIG, problem);
    t.meta.configs = { ...configs };
    for (const p of t.partitions) p.log.updateConfig(logConfigOf(t.meta.configs));
    this.save();
  }

  enforceRetention(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.deleteBefore(null);
  }

  flush(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.log.flush();
  }

  close(): void {
    for (const t of this.topics.values()) {
      for (const p of t.partitions) {
        p.log.close();
        p.wake();
      }
    }
    this.topics.clear();
  }
}
