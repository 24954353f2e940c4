// Sends what the accumulator holds (the Java client's Sender, driven by the event loop instead
// of a thread): whenever woken — a record appended, a batch full, linger.ms up, a response, a
// retry backoff over — it drains at most one batch per partition into one Produce request per
// leader, and again while partitions have room, up to max.in.flight per partition. Sequence
// numbers are given at the first drain; a batch that fails retriably is resent alone, in
// sequence order, once nothing of its partition is in flight (Java's rule: later batches that
// went out meanwhile fail OUT_OF_ORDER_SEQUENCE_NUMBER and are resent after it, in order).
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode, isRetriable } from '../../protocol/errors.js';
import type { Compression } from '../../protocol/records/index.js';
import type { ProduceResponse } from '../../protocol/schema/generated/index.js';
import { backoffDelay, type BackoffSettings } from '../backoff.js';
import type { KafkaClient } from '../client.js';
import { errorAction, KafkaConnectionError, KafkaResponseError } from '../errors.js';
import type { PartitionState, RecordAccumulator } from './accumulator.js';
import { addSequence, type ProducerBatch } from './batch.js';
import {
  DeliveryTimeoutError,
  InvalidProducerEpochError,
  ProducerFatalError,
  ProducerFencedError,
  TRANSACTION_ABORTABLE,
  TransactionAbortableError,
  TransactionAbortedError,
} from './errors.js';
import { errorInfo, type ProducerEvent } from './producer-events.js';
import type { TransactionManager } from './transaction-manager.js';

export interface SenderConfig {
  acks: -1 | 0 | 1;
  idempotent: boolean;
  compression: Compression;
  lingerMs: number;
  maxInFlightPerPartition: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoff: BackoffSettings;
  /** A partition's open batch was drained (the sticky partitioner moves on). */
  onDrained?: (topic: string, partition: number) => void;
}

export class Sender {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private immediate: NodeJS.Immediate | null = null;
  private initializingId: Promise<void> | null = null;
  private refreshing: Promise<void> | null = null;
  private lastRefreshAt = 0;
  /** An idempotent producer must bump its epoch once nothing is in flight. */
  private bumpRequired = false;
  private idleWaiters: (() => void)[] = [];
  private requestsInFlight = 0;
  closed = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly acc: RecordAccumulator,
    private readonly tm: TransactionManager,
    private readonly config: SenderConfig,
    private readonly emit: (e: ProducerEvent) => void,
  ) {}

  /** Runs the send loop soon (or after `delayMs`). */
  wakeup(delayMs = 0): void {
    if (this.closed) return;
    if (delayMs <= 0) {
      if (!this.immediate) this.immediate = setImmediate(() => this.run());
      return;
    }
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.run();
    }, delayMs);
  }

  /** Resolves once no Produce request is in flight. */
  whenNoInFlight(): Promise<void> {
    if (this.acc.inFlightCount() === 0 && this.requestsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** New producer id or epoch: every partition's sequences start at 0 (Java's resetSequenceNumbers). */
  resetAllSequences(): void {
    for (const ps of this.acc.partitions.values()) {
      ps.resetSequences();
      // Batches waiting to be resent get the new epoch and fresh sequences, in their order.
      for (const b of ps.retries) {
        b.setProducerState(this.tm.producerId, this.tm.producerEpoch, ps.nextSequence);
        b.sequenceReset = true;
        ps.nextSequence = addSequence(ps.nextSequence, b.recordCount);
      }
    }
  }

  /**
   * After an abort without an epoch bump, batches that were never acknowledged leave a gap: the
   * next sequence is the one after the last acknowledged (Java's adjustSequencesDueToFailedBatch).
   */
  rewindSequences(): void {
    for (const ps of this.acc.partitions.values()) if (ps.inFlight.length === 0 && ps.retries.length === 0) ps.nextSequence = addSequence(ps.lastAckedSequence, 1);
  }

  // ------------------------------------------------------------------ the loop

  private run(): void {
    this.immediate = null;
    if (this.closed) return;
    const now = Date.now();
    const tm = this.tm;

    if (tm.state === 'FATAL_ERROR') {
      this.acc.abortUndrained(tm.lastError ?? new Error('the producer is in a fatal error state'));
      return;
    }
    if (tm.isTransactional && (tm.state === 'ABORTABLE_ERROR' || tm.state === 'ABORTING_TRANSACTION')) {
      this.acc.abortUndrained(new TransactionAbortedError(undefined, { cause: tm.lastError ?? undefined }));
    }
    let wakeAt = this.expireBatches(now);
    if (!this.acc.hasIncomplete()) return;

    if (this.config.idempotent && !tm.hasProducerId()) {
      if (tm.isTransactional) return; // initTransactions first; send() refuses before it
      this.initIdempotent();
      return;
    }
    if (this.bumpRequired) {
      if (this.acc.inFlightCount() > 0) return; // the last response wakes us
      this.bumpRequired = false;
      if (!tm.bumpIdempotentEpochLocally()) {
        this.wakeup();
        return;
      }
      this.resetAllSequences();
    }
    if (tm.isTransactional) tm.maybeAddPartitions(() => this.wakeup());

    const unknownLeaders = new Set<string>();
    for (let round = 0; ; round++) {
      const byNode = new Map<number, ProducerBatch[]>();
      for (const ps of this.acc.partitions.values()) {
        const next = this.nextBatch(ps, now);
        if (next.wakeAt !== undefined) wakeAt = Math.min(wakeAt, next.wakeAt);
        const batch = next.batch;
        if (!batch) continue;
        if (tm.isTransactional && !tm.isSendAllowed(ps.key)) continue; // AddPartitionsToTxn first
        const leader = this.client.metadata.leaderOf(ps.topic, ps.partition);
        if (leader === null) {
          unknownLeaders.add(ps.topic);
          continue;
        }
        this.drain(ps, batch);
        const list = byNode.get(leader);
        if (list) list.push(batch);
        else byNode.set(leader, [batch]);
      }
      if (byNode.size === 0) break;
      for (const [node, batches] of byNode) void this.sendProduce(node, batches);
    }
    if (unknownLeaders.size > 0) this.refreshMetadata([...unknownLeaders]);
    if (wakeAt < Infinity) this.wakeup(Math.max(1, wakeAt - now));
  }

  /** The partition's next batch to send now, or when to look again. */
  private nextBatch(ps: PartitionState, now: number): { batch?: ProducerBatch; wakeAt?: number } {
    if (ps.retries.length > 0) {
      // A resend goes alone, once everything before it has been answered.
      if (ps.inFlight.length > 0) return {};
      const b = ps.retries[0]!;
      return b.retryNotBefore > now ? { wakeAt: b.retryNotBefore } : { batch: b };
    }
    const b = ps.queue[0];
    if (!b || ps.inFlight.length >= this.config.maxInFlightPerPartition) return {};
    if (this.bumpRequired) return {};
    const ready = b.closed || ps.queue.length > 1 || this.acc.flushing > 0 || now >= b.createdAt + this.config.lingerMs;
    return ready ? { batch: b } : { wakeAt: b.createdAt + this.config.lingerMs };
  }

  /** Takes the batch off its queue, gives it its producer state, and counts it in flight. */
  private drain(ps: PartitionState, b: ProducerBatch): void {
    if (ps.retries[0] === b) ps.retries.shift();
    else {
      ps.queue.shift();
      if (!b.closed) this.config.onDrained?.(ps.topic, ps.partition);
    }
    b.closed = true;
    if (this.config.idempotent && !b.hasSequence) {
      b.setProducerState(this.tm.producerId, this.tm.producerEpoch, ps.nextSequence);
      ps.nextSequence = addSequence(ps.nextSequence, b.recordCount);
    }
    b.attempts++;
    const d = ps.distance(b.baseSequence);
    const at = ps.inFlight.findIndex((x) => ps.distance(x.baseSequence) > d);
    if (at < 0) ps.inFlight.push(b);
    else ps.inFlight.splice(at, 0, b);
  }

  /** Fails batches past delivery.timeout.ms that are not on the wire; returns the next expiry. */
  private expireBatches(now: number): number {
    let next = Infinity;
    for (const ps of this.acc.partitions.values()) {
      for (const list of [ps.queue, ps.retries]) {
        for (let i = 0; i < list.length; ) {
          const b = list[i]!;
          const expiry = b.createdAt + this.config.deliveryTimeoutMs;
          if (now < expiry) {
            next = Math.min(next, expiry);
            i++;
            continue;
          }
          list.splice(i, 1);
          const error = new DeliveryTimeoutError(b.topic, b.partition, b.recordCount, now - b.createdAt);
          // A batch sent before may or may not be in the log: its sequence is unresolved.
          if (b.attempts > 0) this.failBatch(b, error);
          else {
            b.fail(error);
            this.emitFailed(b, error);
          }
        }
      }
    }
    return next;
  }

  private initIdempotent(): void {
    if (this.initializingId) return;
    this.initializingId = this.tm
      .initIdempotentProducerId()
      .then(
        () => {
          this.resetAllSequences();
          this.wakeup();
        },
        () => this.wakeup(this.config.retryBackoff.maxMs),
      )
      .finally(() => (this.initializingId = null));
  }

  private refreshMetadata(topics: string[]): void {
    if (this.refreshing) return;
    const wait = Math.max(0, this.lastRefreshAt + this.config.retryBackoff.initialMs - Date.now());
    this.refreshing = new Promise<void>((r) => setTimeout(r, wait))
      .then(() => this.client.refreshMetadata(topics))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.lastRefreshAt = Date.now();
        this.refreshing = null;
        this.wakeup();
      });
  }

  // ------------------------------------------------------------------ requests

  private async sendProduce(nodeId: number, batches: ProducerBatch[]): Promise<void> {
    const topics = new Map<string, { index: number; records: Buffer }[]>();
    for (const b of batches) {
      const list = topics.get(b.topic) ?? [];
      list.push({ index: b.partition, records: b.encode(this.config.compression, this.tm.isTransactional) });
      topics.set(b.topic, list);
    }
    const body = {
      transactionalId: this.tm.transactionalId,
      acks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    };
    this.requestsInFlight++;
    try {
      if (this.config.acks === 0) {
        const conn = await this.client.nodeConnection(nodeId);
        conn.send(ApiKey.Produce, conn.version(ApiKey.Produce, { min: 3 }), body);
        for (const b of batches) this.handleResult(b, 0, null, -1, -1);
        return;
      }
      const res = await this.client.nodeRequest<ProduceResponse>(nodeId, ApiKey.Produce, body, { min: 3 }, this.config.requestTimeoutMs);
      for (const b of batches) {
        const p = res.responses.find((t) => t.name === b.topic)?.partitionResponses.find((x) => x.index === b.partition);
        if (!p) this.handleResult(b, ErrorCode.NETWORK_EXCEPTION, 'no answer for the partition', -1, -1);
        else this.handleResult(b, p.errorCode, p.errorMessage, p.baseOffset, p.logAppendTimeMs);
      }
    } catch (e) {
      const code = e instanceof KafkaResponseError ? e.code : ErrorCode.NETWORK_EXCEPTION;
      const message = (e as Error).message;
      if (e instanceof KafkaConnectionError) this.refreshMetadata(batches.map((b) => b.topic));
      for (const b of batches) this.handleResult(b, code, message, -1, -1);
    } finally {
      this.requestsInFlight--;
      if (this.acc.inFlightCount() === 0 && this.requestsInFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      this.wakeup();
    }
  }

  private handleResult(b: ProducerBatch, code: number, message: string | null, baseOffset: number, logAppendTime: number): void {
    const ps = this.acc.partitionState(b.topic, b.partition);
    ps.removeInFlight(b);
    if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      // DUPLICATE_SEQUENCE_NUMBER: already written, its offset no longer known (Java: success, offset -1).
      if (b.hasSequence && (ps.lastAckedSequence < 0 || ps.distance(b.lastSequence) < 0x40000000)) ps.lastAckedSequence = b.lastSequence;
      b.complete(code === ErrorCode.NONE ? baseOffset : -1, logAppendTime);
      return;
    }
    if (b.done) return;
    const now = Date.now();
    if (this.canRetry(b, ps, code, now)) {
      b.retryNotBefore = now + backoffDelay(this.config.retryBackoff, b.attempts - 1);
      ps.addRetry(b);
      if (errorAction(code) === 'refresh-metadata') {
        this.client.leaderMoved(b.topic, b.partition);
        this.refreshMetadata([b.topic]);
      }
      this.emit({
        type: 'produce.retry',
        topic: b.topic,
        partition: b.partition,
        baseSequence: b.baseSequence,
        records: b.recordCount,
        attempt: b.attempts,
        error: { name: 'KafkaResponseError', code, message: message ?? new KafkaResponseError(code, 'Produce').message },
      });
      return;
    }
    this.failBatch(b, this.produceError(b, code, message));
  }

  /** Java's Sender.canRetry + TransactionManager.canRetry, within delivery.timeout.ms. */
  private canRetry(b: ProducerBatch, ps: PartitionState, code: number, now: number): boolean {
    if (this.closed || now >= b.createdAt + this.config.deliveryTimeoutMs) return false;
    const transactional = this.tm.isTransactional;
    if (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      // Not the next batch: one before it failed, and it is resent after that one.
      if (b.sequenceReset || !ps.isNextSequence(b.baseSequence)) return true;
      if (!transactional) {
        this.bumpRequired = true; // a real gap: a new epoch starts the sequences again
        return true;
      }
      return false;
    }
    if (code === ErrorCode.UNKNOWN_PRODUCER_ID) {
      if (transactional) return false;
      this.bumpRequired = true;
      return true;
    }
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.PRODUCER_FENCED || code === TRANSACTION_ABORTABLE) return false;
    const action = errorAction(code);
    return isRetriable(code) || action === 'retry' || action === 'refresh-metadata';
  }

  private produceError(b: ProducerBatch, code: number, message: string | null): Error {
    const detail = `${b.topic}-${b.partition}${message ? `: ${message}` : ''}`;
    if (code === ErrorCode.PRODUCER_FENCED) return new ProducerFencedError(code, 'Produce', detail);
    if (code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) return new ProducerFatalError(code, 'Produce', detail);
    if (code === ErrorCode.INVALID_PRODUCER_EPOCH && this.tm.isTransactional) return new InvalidProducerEpochError(detail);
    if (code === TRANSACTION_ABORTABLE) return new TransactionAbortableError(code, 'Produce', detail);
    return new KafkaResponseError(code, 'Produce', detail);
  }

  /**
   * The batch's records fail. Idempotent only: the partition now has a sequence gap, so a new
   * epoch must start over (Java's requestEpochBumpForPartition); transactional: the transaction
   * is abortable (fenced and unauthorised: fatal), and the abort bumps the epoch.
   */
  private failBatch(b: ProducerBatch, error: Error): void {
    b.fail(error);
    this.emitFailed(b, error);
    if (!this.config.idempotent) return;
    if (error instanceof ProducerFatalError) {
      this.tm.fatalError(error);
      this.wakeup();
      return;
    }
    if (this.tm.isTransactional) {
      this.tm.abortableError(error, true);
      this.wakeup();
      return;
    }
    this.bumpRequired = true;
  }

  private emitFailed(b: ProducerBatch, error: Error): void {
    this.emit({ type: 'produce.failed', topic: b.topic, partition: b.partition, baseSequence: b.baseSequence, records: b.recordCount, error: errorInfo(error) });
  }
}
