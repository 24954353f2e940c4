// The fetcher for assigned partitions (the Java client's Fetcher + FetchCollector, assign()-style):
// the caller assigns partitions with positions, seeks, pauses and resumes; `poll` hands out each
// partition's next records. Behind it one Fetch is in flight per leader at a time, long-polling
// (max_wait_ms / min_bytes), and the next goes out as soon as one returns, for the partitions
// with no data waiting to be handed out, so fetching overlaps the caller's processing without
// reading further ahead than one response per partition.
//
// Errors as the Java client handles them: a leader error forgets the partition's leader and
// refreshes the metadata before fetching it again; OFFSET_OUT_OF_RANGE resets the position by
// auto.offset.reset (or, with "none", reports the partition's error); a lost connection backs
// off that node; an error no retry can mend stops the partition until the next seek and is
// reported once through poll.
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { FetchResponse, FetchResponsePartitionData } from '../protocol/schema/generated/index.js';
import {
  AssignedPartitions,
  hasValidPosition,
  partitionKey,
  type LogMarks,
  type PartitionState,
  type StartPosition,
  type TopicPartition,
} from './assigned-partitions.js';
import { backoffDelay, sleep, type BackoffSettings } from './backoff.js';
import type { KafkaClient } from './client.js';
import { readCompletedFetch, type CompletedFetch, type FetchedRecord, type IsolationLevel } from './completed-fetch.js';
import { KafkaConnectionError, KafkaResponseError, errorAction } from './errors.js';
import { fetchRequestBody, fetchVersionRange, responseTopic, type FetchLimits, type PartitionFetch } from './fetch-request.js';
import { listOffsets, type OffsetSpec } from './list-offsets.js';

export type { FetchedRecord, IsolationLevel } from './completed-fetch.js';
export type { LogMarks, StartPosition, TopicPartition } from './assigned-partitions.js';

export interface FetcherConfig {
  /** Kafka's isolation.level: read_uncommitted by default. */
  isolationLevel?: IsolationLevel;
  /** Kafka's auto.offset.reset, applied on OFFSET_OUT_OF_RANGE: latest by default; none reports the error. */
  autoOffsetReset?: OffsetSpec | 'none';
  /** fetch.max.wait.ms (500), fetch.min.bytes (1), fetch.max.bytes (50 MiB), max.partition.fetch.bytes (1 MiB). */
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  maxPartitionBytes?: number;
  /** retry.backoff.ms → retry.backoff.max.ms (100 ms → 1 s): after lost connections and leader errors. */
  retryBackoff?: BackoffSettings;
  /** Sees every Fetch as it is sent: the node and what is asked of it (telemetry, tests). */
  onFetch?: (nodeId: number, partitions: readonly PartitionFetch[]) => void;
}

/** One partition's records from one poll, in offset order, with the log's marks as last reported. */
export interface PartitionBatch extends TopicPartition, LogMarks {
  records: FetchedRecord[];
  /** The partition's position after these records. */
  nextOffset: number;
}

export interface PartitionError extends TopicPartition {
  error: Error;
}

export interface PollResult {
  batches: PartitionBatch[];
  /** Partitions that stopped; each stays stopped until it is sought again. */
  errors: PartitionError[];
}

interface Buffered {
  state: PartitionState;
  seeks: number;
  fetchOffset: number;
  completed: CompletedFetch;
}

interface NodeRetry {
  failures: number;
  notBefore: number;
}

export class Fetcher {
  private readonly assigned = new AssignedPartitions();
  /** Fetched records not handed out yet, by partition key: such a partition is not fetched again. */
  private readonly buffered = new Map<string, Buffered>();
  private errors: PartitionError[] = [];
  /** Nodes with a Fetch in flight. */
  private readonly fetching = new Set<number>();
  private readonly nodeRetry = new Map<number, NodeRetry>();
  /** Partitions that got a retriable error, by key: not fetched before this time. */
  private readonly partitionRetry = new Map<string, number>();
  private readonly resetting = new Set<PartitionState>();
  private metadataRefresh: Promise<void> | null = null;
  private metadataAttempts = 0;
  private retryTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  private wakeups = new Set<() => void>();
  private closed = false;
  private readonly limits: FetchLimits;
  private readonly autoOffsetReset: OffsetSpec | 'none';
  private readonly retryBackoff: BackoffSettings;

  constructor(
    private readonly client: KafkaClient,
    private readonly config: FetcherConfig = {},
  ) {
    this.limits = {
      isolationLevel: config.isolationLevel ?? 'read_uncommitted',
      maxWaitMs: config.maxWaitMs ?? 500,
      minBytes: config.minBytes ?? 1,
      maxBytes: config.maxBytes ?? 50 * 1024 * 1024,
      maxPartitionBytes: config.maxPartitionBytes ?? 1024 * 1024,
    };
    this.autoOffsetReset = config.autoOffsetReset ?? 'latest';
    this.retryBackoff = config.retryBackoff ?? { initialMs: 100, maxMs: 1000 };
  }

  get isolationLevel(): IsolationLevel {
    return this.limits.isolationLevel;
  }

  // ------------------------------------------------------------------ assignment and positions

  /** Adds partitions (or moves assigned ones) to a start position, and starts fetching them. */
  assign(partitions: ReadonlyArray<TopicPartition & { position: StartPosition }>): void {
    this.assigned.assign(partitions);
    for (const p of partitions) this.forgetBuffered(p);
    this.fill();
  }

  /** Stops fetching these partitions (all when none are given) and drops what was fetched of them. */
  unassign(partitions?: readonly TopicPartition[]): void {
    const gone = partitions ?? this.assignment();
    this.assigned.unassign(gone);
    for (const p of gone) this.forgetBuffered(p);
    const keys = new Set(gone.map((p) => partitionKey(p.topic, p.partition)));
    this.errors = this.errors.filter((e) => !keys.has(partitionKey(e.topic, e.partition)));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.all()].map(({ topic, partition }) => ({ topic, partition }));
  }

  seek(tp: TopicPartition, position: StartPosition): void {
    this.assigned.seek(this.assigned.require(tp), position);
    this.forgetBuffered(tp);
    this.fill();
  }

  /** Paused partitions are not fetched and hand out nothing; what was fetched before waits for resume. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.assigned.require(p).paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.assigned.require(p).paused = false;
    this.fill();
    if (this.ready()) this.wake();
  }

  paused(): TopicPartition[] {
    return [...this.assigned.all()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The next offset poll hands out; null while a reset is pending or the partition has stopped. */
  position(tp: TopicPartition): number | null {
    return this.assigned.require(tp).position;
  }

  /** High watermark, last stable offset and log start offset as the last fetch reported them (-1: not yet). */
  logMarks(tp: TopicPartition): LogMarks {
    const { highWatermark, lastStableOffset, logStartOffset } = this.assigned.require(tp);
    return { highWatermark, lastStableOffset, logStartOffset };
  }

  /** Records between the position and the end this isolation level reads to (the LSO under read_committed); null until known. */
  lag(tp: TopicPartition): number | null {
    const s = this.assigned.require(tp);
    const end = this.limits.isolationLevel === 'read_committed' ? s.lastStableOffset : s.highWatermark;
    return s.position === null || end < 0 ? null : Math.max(0, end - s.position);
  }

  // ------------------------------------------------------------------ polling

  /**
   * Each partition's records fetched since the last poll, waiting up to `maxWaitMs` for some when
   * none are there. Positions move past what is returned.
   */
  async poll(maxWaitMs: number): Promise<PollResult> {
    if (this.closed) return { batches: [], errors: [] };
    this.fill();
    if (!this.ready()) await this.waitForData(maxWaitMs);
    const result = this.collect();
    // The next fetches go out while the caller processes these records.
    this.fill();
    return result;
  }

  /**
   * A poll waiting for data returns at once with what there is (Java's consumer.wakeup(), without
   * the exception): the caller has other work, e.g. a restore that just began.
   */
  wakeup(): void {
    this.wake();
  }

  /** Stops fetching; a poll waiting returns at once. The client stays open (it is the caller's). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    this.retryTimer = null;
    this.wake();
  }

  private ready(): boolean {
    if (this.errors.length > 0) return true;
    for (const b of this.buffered.values()) if (!b.state.paused) return true;
    return false;
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }

  private wake(): void {
    for (const done of [...this.wakeups]) done();
  }

  private collect(): PollResult {
    const batches: PartitionBatch[] = [];
    for (const [key, b] of this.buffered) {
      const { state } = b;
      if (!this.isCurrent(state, b.seeks, b.fetchOffset)) {
        this.buffered.delete(key);
        continue;
      }
      if (state.paused) continue;
      this.buffered.delete(key);
      state.position = b.completed.nextOffset;
      state.lastEpoch = b.completed.lastEpoch ?? state.lastEpoch;
      const { topic, partition, highWatermark, lastStableOffset, logStartOffset } = state;
      batches.push({ topic, partition, records: b.completed.records, nextOffset: b.completed.nextOffset, highWatermark, lastStableOffset, logStartOffset });
    }
    const errors = this.errors;
    this.errors = [];
    return { batches, errors };
  }

  /** Whether an answer for (seeks, fetchOffset) still applies to the partition. */
  private isCurrent(state: PartitionState, seeks: number, fetchOffset: number): boolean {
    return this.assigned.get(state.topic, state.partition) === state && state.seeks === seeks && state.position === fetchOffset && state.failure === null;
  }

  private forgetBuffered(tp: TopicPartition): void {
    const key = partitionKey(tp.topic, tp.partition);
    this.buffered.delete(key);
    this.partitionRetry.delete(key);
  }

  // ------------------------------------------------------------------ sending

  /** Sends a Fetch to every leader that has fetchable partitions and none in flight. */
  private fill(): void {
    if (this.closed) return;
    this.startResets();
    const now = Date.now();
    const byNode = new Map<number, PartitionFetch[]>();
    const leaderless = new Set<string>();
    let nextRetry = Infinity;
    for (const state of this.assigned.all()) {
      if (!hasValidPosition(state) || state.paused) continue;
      const key = partitionKey(state.topic, state.partition);
      if (this.buffered.has(key)) continue;
      const retryAt = this.partitionRetry.get(key);
      if (retryAt !== undefined && retryAt > now) {
        nextRetry = Math.min(nextRetry, retryAt);
        continue;
      }
      const leader = this.client.metadata.leaderOf(state.topic, state.partition);
      if (leader === null) {
        leaderless.add(state.topic);
        continue;
      }
      const notBefore = this.nodeRetry.get(leader)?.notBefore ?? 0;
      if (notBefore > now) nextRetry = Math.min(nextRetry, notBefore);
      if (this.fetching.has(leader) || notBefore > now) continue;
      const epoch = this.client.metadata.topics.get(state.topic)?.partitions.get(state.partition)?.leaderEpoch ?? -1;
      const list = byNode.get(leader) ?? [];
      list.push({ topic: state.topic, partition: state.partition, fetchOffset: state.position, currentLeaderEpoch: epoch });
      byNode.set(leader, list);
    }
    if (leaderless.size > 0) this.refreshMetadata([...leaderless]);
    else this.metadataAttempts = 0;
    if (nextRetry < Infinity) this.fillAt(nextRetry);
    for (const [node, partitions] of byNode) void this.fetchFrom(node, partitions);
  }

  /** Runs fill again at `at` (backoffs ending). */
  private fillAt(at: number): void {
    if (this.retryTimer && this.retryTimer.at <= at) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(() => {
      this.retryTimer = null;
      this.fill();
    }, Math.max(0, at - Date.now()));
    timer.unref();
    this.retryTimer = { at, timer };
  }

  private refreshMetadata(topics: string[]): void {
    if (this.metadataRefresh) return;
    const attempt = this.metadataAttempts++;
    this.metadataRefresh = (async () => {
      if (attempt > 0) await sleep(backoffDelay(this.retryBackoff, attempt - 1));
      await this.client.refreshMetadata(topics).catch(() => {});
    })().finally(() => {
      this.metadataRefresh = null;
      this.fill();
    });
  }

  private async fetchFrom(node: number, partitions: PartitionFetch[]): Promise<void> {
    this.fetching.add(node);
    const sent = new Map(
      partitions.map((p) => {
        const state = this.assigned.get(p.topic, p.partition)!;
        return [partitionKey(p.topic, p.partition), { state, seeks: state.seeks, fetchOffset: p.fetchOffset }] as const;
      }),
    );
    const metadata = this.client.metadata;
    const topicIdOf = (topic: string) => metadata.topics.get(topic)?.id;
    this.config.onFetch?.(node, partitions);
    try {
      let version = 0;
      const res = await this.client.nodeRequest<FetchResponse>(
        node,
        ApiKey.Fetch,
        (v: number) => {
          version = v;
          return fetchRequestBody(v, partitions, this.limits, topicIdOf);
        },
        fetchVersionRange(new Set(partitions.map((p) => p.topic)), topicIdOf),
        this.client.requestTimeoutMs + this.limits.maxWaitMs,
      );
      if (res.errorCode !== ErrorCode.NONE) throw new KafkaResponseError(res.errorCode, 'Fetch', `from node ${node}`);
      this.nodeRetry.delete(node);
      if (this.closed) return;
      const topicOfId = (id: string) => [...metadata.topics.values()].find((t) => t.id === id)?.name;
      const refresh = new Set<string>();
      for (const t of res.responses) {
        const topic = responseTopic(version, t, topicOfId);
        if (topic === undefined) continue;
        for (const p of t.partitions) {
          const asked = sent.get(partitionKey(topic, p.partitionIndex));
          if (asked && this.isCurrent(asked.state, asked.seeks, asked.fetchOffset)) this.take(asked.state, asked.fetchOffset, p, refresh);
        }
      }
      if (refresh.size > 0) this.refreshMetadata([...refresh]);
    } catch (e) {
      this.nodeFailed(node, e as Error, [...sent.values()]);
    } finally {
      this.fetching.delete(node);
      this.fill();
    }
  }

  private nodeFailed(node: number, error: Error, sent: ReadonlyArray<{ state: PartitionState; seeks: number; fetchOffset: number }>): void {
    const retriable =
      (error instanceof KafkaConnectionError && error.code !== 'AUTH') || (error instanceof KafkaResponseError && error.action !== 'fatal');
    if (retriable) {
      const retry = this.nodeRetry.get(node) ?? { failures: 0, notBefore: 0 };
      retry.notBefore = Date.now() + backoffDelay(this.retryBackoff, retry.failures++);
      this.nodeRetry.set(node, retry);
      // The node may be gone and its partitions led elsewhere now.
      if (error instanceof KafkaConnectionError) this.refreshMetadata([...new Set(sent.map((s) => s.state.topic))]);
      return;
    }
    for (const s of sent) if (this.isCurrent(s.state, s.seeks, s.fetchOffset)) this.fail(s.state, error);
  }

  // ------------------------------------------------------------------ one partition's answer

  private take(state: PartitionState, fetchOffset: number, p: FetchResponsePartitionData, refresh: Set<string>): void {
    const tp = `${state.topic}-${state.partition}`;
    if (p.highWatermark >= 0) state.highWatermark = p.highWatermark;
    if (p.lastStableOffset >= 0) state.lastStableOffset = p.lastStableOffset;
    if (p.logStartOffset >= 0) state.logStartOffset = p.logStartOffset;
    const key = partitionKey(state.topic, state.partition);
    this.partitionRetry.delete(key);

    if (p.errorCode === ErrorCode.NONE) {
      let completed: CompletedFetch;
      try {
        completed = readCompletedFetch(p.records, fetchOffset, this.limits.isolationLevel, p.abortedTransactions);
      } catch (e) {
        this.fail(state, new Error(`${tp} at offset ${fetchOffset}: ${(e as Error).message}; seek past it to go on`, { cause: e }));
        return;
      }
      if (completed.records.length > 0) {
        this.buffered.set(key, { state, seeks: state.seeks, fetchOffset, completed });
        if (!state.paused) this.wake();
      } else {
        // Only markers or aborted batches: nothing to hand out, but the position moves past them.
        state.position = completed.nextOffset;
      }
      return;
    }
    const error = new KafkaResponseError(p.errorCode, 'Fetch', `${tp} at offset ${fetchOffset}`);
    if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.autoOffsetReset === 'none') this.fail(state, error);
      else this.assigned.seek(state, this.autoOffsetReset);
      return;
    }
    if (p.errorCode === ErrorCode.CORRUPT_MESSAGE) {
      this.fail(state, error);
      return;
    }
    switch (errorAction(p.errorCode)) {
      case 'refresh-metadata':
        this.client.leaderMoved(state.topic, state.partition);
        refresh.add(state.topic);
        return;
      case 'retry':
        this.partitionRetry.set(key, Date.now() + backoffDelay(this.retryBackoff, 0));
        return;
      default:
        this.fail(state, error);
    }
  }

  private fail(state: PartitionState, error: Error): void {
    state.failure = error;
    state.position = null;
    this.errors.push({ topic: state.topic, partition: state.partition, error });
    this.wake();
  }

  // ------------------------------------------------------------------ resets (ListOffsets)

  private startResets(): void {
    const due = new Map<OffsetSpec, PartitionState[]>();
    for (const state of this.assigned.all()) {
      if (state.resetTo === null || state.failure !== null || this.resetting.has(state)) continue;
      due.set(state.resetTo, [...(due.get(state.resetTo) ?? []), state]);
    }
    for (const [spec, states] of due) void this.reset(spec, states);
  }

  private async reset(spec: OffsetSpec, states: PartitionState[]): Promise<void> {
    const seeks = new Map(states.map((s) => [s, s.seeks]));
    for (const s of states) this.resetting.add(s);
    try {
      const offsets = await listOffsets(this.client, states, spec, this.limits.isolationLevel, this.retryBackoff);
      for (const s of states) {
        if (this.assigned.get(s.topic, s.partition) !== s || s.seeks !== seeks.get(s) || s.resetTo !== spec) continue;
        const found = offsets.get(partitionKey(s.topic, s.partition));
        if (typeof found === 'number') {
          s.position = found;
          s.resetTo = null;
        } else if (found && !(found instanceof KafkaConnectionError) && !(found instanceof KafkaResponseError && found.action !== 'fatal')) {
          this.fail(s, found);
        }
        // Otherwise still retriable after a request timeout of retries: the next fill asks again.
      }
    } catch (e) {
      for (const s of states) if (this.assigned.get(s.topic, s.partition) === s && s.seeks === seeks.get(s)) this.fail(s, e as Error);
    } finally {
      for (const s of states) this.resetting.delete(s);
      if (!this.closed) this.fillAt(Date.now() + (states.some((s) => s.resetTo !== null && s.failure === null) ? backoffDelay(this.retryBackoff, 0) : 0));
    }
  }
}
