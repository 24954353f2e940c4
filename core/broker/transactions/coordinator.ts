// The transaction coordinator, after Kafka's TransactionCoordinator: InitProducerId (fencing
// the previous epoch, aborting its open transaction), AddPartitionsToTxn, AddOffsetsToTxn (the
// group's __consumer_offsets partition joins the transaction), the verification of a
// TxnOffsetCommit and its offsets held until the commit, EndTxn (markers on every partition), and
// the timeout that aborts forgotten transactions. Markers are written in-process, so a
// transaction moves Prepare* → Complete* within one call; the Prepare* record is persisted
// first so that a crash in between is completed on restart.
import { ErrorCode } from '../../protocol/errors.js';
import { encodeRecordBatch } from '../../protocol/records/index.js';
import { forEachRecord } from '../log/index.js';
import type { EventSink } from '../events.js';
import type { OffsetStore, OffsetToCommit } from '../groups/offset-store.js';
import { OFFSETS_TOPIC, offsetsPartitionFor } from '../groups/offset-store.js';
import type { ProducerIdManager } from '../producers/producer-ids.js';
import type { TopicManager } from '../topics.js';
import { canTransition, parsePartitionKey, partitionKey, type TxnRecord, type TxnState } from './transaction.js';

export const TXN_TOPIC = '__transaction_state';
const MAX_EPOCH = 32767;
const COORDINATOR_EPOCH = 0;

export interface TransactionCoordinatorConfig {
  /** Kafka's transaction.max.timeout.ms. */
  maxTimeoutMs: number;
  /** How often open transactions are checked against their timeout. */
  abortCheckIntervalMs: number;
  /** Kafka's transaction.state.log.num.partitions. */
  logPartitions: number;
}

export type InitResult = { errorCode: number; producerId: number; producerEpoch: number };

export class TransactionCoordinator {
  private txns = new Map<string, TxnRecord>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private config: TransactionCoordinatorConfig,
    private topics: TopicManager,
    private offsets: OffsetStore,
    private producerIds: ProducerIdManager,
    private now: () => number,
    private emit: EventSink,
  ) {}

  /** Loads persisted state, finishes what a crash interrupted, and starts the timeout sweep. */
  open(): void {
    if (!this.topics.get(TXN_TOPIC)) {
      this.topics.create(TXN_TOPIC, this.config.logPartitions, { 'cleanup.policy': 'compact' }, true);
    }
    for (const p of this.topics.partitions(TXN_TOPIC)) {
      forEachRecord(p.log, (r) => {
        if (!r.key) return;
        const id = r.key.toString('utf8');
        if (r.value === null) this.txns.delete(id);
        else this.txns.set(id, JSON.parse(r.value.toString('utf8')) as TxnRecord);
      });
    }
    for (const t of this.txns.values()) {
      // Record orders restart with the replay of __consumer_offsets: held offsets come after it.
      for (const held of Object.values(t.pendingOffsets)) for (const o of held) o.recordOrder = this.offsets.nextRecordOrder();
      if (t.state === 'PrepareCommit') this.complete(t, 'COMMIT');
      else if (t.state === 'PrepareAbort') this.complete(t, 'ABORT');
      else if (t.state === 'Ongoing' || t.state === 'PrepareEpochFence') this.fenceAndAbort(t, 'broker-restart');
    }
    this.timer = setInterval(() => this.abortTimedOut(), this.config.abortCheckIntervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get(transactionalId: string): TxnRecord | undefined {
    return this.txns.get(transactionalId);
  }

  all(): TxnRecord[] {
    return [...this.txns.values()];
  }

  private persist(t: TxnRecord): void {
    t.updatedAt = this.now();
    const p = this.topics.partition(TXN_TOPIC, offsetsPartitionFor(t.transactionalId, this.config.logPartitions));
    if (!p) throw new Error(`${TXN_TOPIC} is missing`);
    p.append([
      encodeRecordBatch({
        records: [{ key: Buffer.from(t.transactionalId), value: Buffer.from(JSON.stringify(t)), timestamp: t.updatedAt }],
      }),
    ]);
  }

  private setState(t: TxnRecord, to: TxnState): void {
    const from = t.state;
    if (!canTransition(from, to)) throw new Error(`transaction ${t.transactionalId}: illegal transition ${from} -> ${to}`);
    t.state = to;
    this.persist(t);
    this.emit({
      type: 'txn.state',
      at: this.now(),
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      from,
      to,
      partitions: [...t.partitions],
    });
  }

  /** Moves to the next epoch (a new producer id once the epoch is exhausted). */
  private bumpEpoch(t: TxnRecord): void {
    t.lastProducerId = t.producerId;
    t.lastProducerEpoch = t.producerEpoch;
    if (t.producerEpoch >= MAX_EPOCH - 1) {
      t.producerId = this.producerIds.allocate();
      t.producerEpoch = 0;
    } else {
      t.producerEpoch++;
    }
  }

  /**
   * Writes the markers (the __consumer_offsets ones too), settles held offsets, and completes the
   * transaction. Held offsets always belong to a partition in the transaction: TxnOffsetCommit
   * holds nothing for a group whose partition AddOffsetsToTxn did not add (see verifyTxnOffsetCommit).
   */
  private complete(t: TxnRecord, result: 'COMMIT' | 'ABORT'): void {
    const now = this.now();
    for (const key of t.partitions) {
      const { topic, partition } = parsePartitionKey(key);
      this.topics.partition(topic, partition)?.appendMarker(t.producerId, t.producerEpoch, result, COORDINATOR_EPOCH, now);
    }
    if (result === 'COMMIT') {
      for (const [groupId, held] of Object.entries(t.pendingOffsets)) {
        const applied = this.offsets.commitTransactional(groupId, held);
        if (applied.length === 0) continue;
        this.emit({
          type: 'group.offsets.committed',
          at: now,
          groupId,
          offsets: applied.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
        });
      }
    }
    const committed = t.partitions.length;
    t.partitions = [];
    t.pendingOffsets = {};
    this.setState(t, result === 'COMMIT' ? 'CompleteCommit' : 'CompleteAbort');
    this.emit({
      type: result === 'COMMIT' ? 'txn.committed' : 'txn.aborted',
      at: now,
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      partitions: committed,
      durationMs: now - t.startedAt,
    });
  }

  /** Fences the current epoch and aborts its open transaction with the new one (Kafka's epoch fence). */
  private fenceAndAbort(t: TxnRecord, reason: 'init-producer-id' | 'timeout' | 'broker-restart'): void {
    const oldEpoch = t.producerEpoch;
    if (t.state === 'Ongoing') this.setState(t, 'PrepareEpochFence');
    this.bumpEpoch(t);
    this.setState(t, 'PrepareAbort');
    this.emit({
      type: 'txn.fenced',
      at: this.now(),
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      oldEpoch,
      newEpoch: t.producerEpoch,
      reason,
    });
    this.complete(t, 'ABORT');
  }

  private abortTimedOut(): void {
    const now = this.now();
    for (const t of this.txns.values()) {
      if (t.state === 'Ongoing' && now - t.startedAt > t.timeoutMs) this.fenceAndAbort(t, 'timeout');
    }
  }

  // ---- InitProducerId ----

  initProducerId(transactionalId: string, timeoutMs: number, expected: { producerId: number; producerEpoch: number }): InitResult {
    const no = (errorCode: number): InitResult => ({ errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId === '') return no(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.config.maxTimeoutMs) return no(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let t = this.txns.get(transactionalId);
    if (!t) {
      const now = this.now();
      t = {
        transactionalId,
        producerId: this.producerIds.allocate(),
        producerEpoch: 0,
        lastProducerId: -1,
        lastProducerEpoch: -1,
        timeoutMs,
        state: 'Empty',
        partitions: [],
        pendingOffsets: {},
        startedAt: now,
        updatedAt: now,
      };
      this.txns.set(transactionalId, t);
      this.persist(t);
      this.emit({ type: 'txn.state', at: now, transactionalId, producerId: t.producerId, producerEpoch: 0, from: 'Empty', to: 'Empty', partitions: [] });
      return { errorCode: 0, producerId: t.producerId, producerEpoch: 0 };
    }
    if (expected.producerId >= 0) {
      const isCurrent = expected.producerId === t.producerId && expected.producerEpoch === t.producerEpoch;
      const isRetry = expected.producerId === t.lastProducerId && expected.producerEpoch === t.lastProducerEpoch;
      if (!isCurrent && !isRetry) return no(ErrorCode.PRODUCER_FENCED);
      if (isRetry && t.state === 'Empty') return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
    }
    switch (t.state) {
      case 'PrepareCommit':
      case 'PrepareAbort':
      case 'PrepareEpochFence':
        return no(ErrorCode.CONCURRENT_TRANSACTIONS);
      case 'Ongoing':
        // The previous incarnation left a transaction open: fence it and abort; the client retries.
        this.fenceAndAbort(t, 'init-producer-id');
        return no(ErrorCode.CONCURRENT_TRANSACTIONS);
      case 'Dead':
        return no(ErrorCode.INVALID_TXN_STATE);
      default: {
        const oldEpoch = t.producerEpoch;
        this.bumpEpoch(t);
        t.timeoutMs = timeoutMs;
        t.partitions = [];
        t.pendingOffsets = {};
        this.setState(t, 'Empty');
        this.emit({
          type: 'txn.fenced',
          at: this.now(),
          transactionalId,
          producerId: t.producerId,
          oldEpoch,
          newEpoch: t.producerEpoch,
          reason: 'init-producer-id',
        });
        return { errorCode: 0, producerId: t.producerId, producerEpoch: t.producerEpoch };
      }
    }
  }

  /** Checks that a request speaks for the current producer of the transactional id. */
  private owner(transactionalId: string, producerId: number, producerEpoch: number): TxnRecord | number {
    const t = this.txns.get(transactionalId);
    if (!t || t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch !== t.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort' || t.state === 'PrepareEpochFence') {
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    }
    if (t.state === 'Dead') return ErrorCode.INVALID_TXN_STATE;
    return t;
  }

  private begin(t: TxnRecord): void {
    if (t.state !== 'Ongoing') {
      t.startedAt = this.now();
      this.setState(t, 'Ongoing');
    } else {
      this.persist(t);
    }
  }

  // ---- AddPartitionsToTxn / AddOffsetsToTxn ----

  addPartitions(
    transactionalId: string,
    producerId: number,
    producerEpoch: number,
    partitions: { topic: string; partition: number }[],
  ): Map<string, number> {
    const out = new Map<string, number>();
    const t = this.owner(transactionalId, producerId, producerEpoch);
    if (typeof t === 'number') {
      for (const p of partitions) out.set(partitionKey(p.topic, p.partition), t);
      return out;
    }
    const unknown = partitions.filter((p) => !this.topics.partition(p.topic, p.partition));
    for (const p of partitions) {
      const missing = unknown.includes(p);
      out.set(
        partitionKey(p.topic, p.partition),
        unknown.length === 0 ? 0 : missing ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      );
    }
    if (unknown.length > 0) return out;
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition);
      if (!t.partitions.includes(key)) t.partitions.push(key);
    }
    this.begin(t);
    return out;
  }

  /** Adds the group's __consumer_offsets partition to the transaction, as Kafka's AddOffsetsToTxn does. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): number {
    const t = this.owner(transactionalId, producerId, producerEpoch);
    if (typeof t === 'number') return t;
    const key = this.offsetsPartitionKey(groupId);
    if (!t.partitions.includes(key)) t.partitions.push(key);
    this.begin(t);
    return 0;
  }

  private offsetsPartitionKey(groupId: string): string {
    return partitionKey(OFFSETS_TOPIC, this.offsets.partitionFor(groupId));
  }

  /**
   * Kafka's transaction verification of a TxnOffsetCommit (KIP-890 part 1, on by default with
   * transaction.partition.verification.enable): before the group coordinator writes, it asks this
   * coordinator (AddPartitionsToTxn, verifyOnly) whether the group's __consumer_offsets partition
   * is in the producer's transaction, which is what AddOffsetsToTxn did — for any group on that
   * partition. Answers as TransactionCoordinator.handleVerifyPartitionsInTransaction after
   * AddPartitionsToTxnManager's mapping: PRODUCER_FENCED reaches the client as
   * INVALID_PRODUCER_EPOCH; a partition not in the transaction is TRANSACTION_ABORTABLE, which
   * the handler turns into INVALID_TXN_STATE for versions before 4 (txn-errors.ts).
   */
  verifyTxnOffsetCommit(transactionalId: string, groupId: string, producerId: number, producerEpoch: number): number {
    if (transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const t = this.txns.get(transactionalId);
    if (!t || t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (t.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (!t.partitions.includes(this.offsetsPartitionKey(groupId))) return ErrorCode.TRANSACTION_ABORTABLE;
    return 0;
  }

  /**
   * Holds a verified TxnOffsetCommit's offsets until the transaction ends (Kafka writes them to
   * __consumer_offsets as transactional records; the marker decides). A partition sent again
   * replaces its earlier offset.
   */
  holdOffsets(transactionalId: string, groupId: string, offsets: OffsetToCommit[]): void {
    const t = this.txns.get(transactionalId);
    if (!t) throw new Error(`transaction ${transactionalId}: offsets held without a verified transaction`);
    const held = (t.pendingOffsets[groupId] ??= []);
    for (const o of offsets) {
      const pending = { ...o, recordOrder: this.offsets.nextRecordOrder() };
      const i = held.findIndex((h) => h.topic === o.topic && h.partition === o.partition);
      if (i >= 0) held[i] = pending;
      else held.push(pending);
    }
    this.persist(t);
  }

  /** Whether a group has offsets held in an open transaction (OffsetFetch require_stable). */
  hasPendingOffsets(groupId: string, topic: string, partition: number): boolean {
    for (const t of this.txns.values()) {
      if (t.state === 'Ongoing' && t.pendingOffsets[groupId]?.some((o) => o.topic === topic && o.partition === partition)) return true;
    }
    return false;
  }

  // ---- EndTxn ----

  endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): number {
    const t = this.txns.get(transactionalId);
    if (!t || t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    const result = commit ? 'COMMIT' : 'ABORT';
    // A retry of an EndTxn that already completed succeeds; the opposite result does not.
    if (t.state === 'CompleteCommit' || t.state === 'CompleteAbort') {
      if (producerEpoch !== t.producerEpoch) return ErrorCode.PRODUCER_FENCED;
      return (t.state === 'CompleteCommit') === commit ? 0 : ErrorCode.INVALID_TXN_STATE;
    }
    const owner = this.owner(transactionalId, producerId, producerEpoch);
    if (typeof owner === 'number') return owner;
    if (t.state !== 'Ongoing') return ErrorCode.INVALID_TXN_STATE;
    this.setState(t, commit ? 'PrepareCommit' : 'PrepareAbort');
    this.complete(t, result);
    return 0;
  }

  // ---- Produce verification (KIP-890) ----

  /** A transactional batch must come from the current epoch, for a partition added to the open transaction. */
  verifyProduce(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): number {
    const t = this.txns.get(transactionalId);
    if (!t || t.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch < t.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (t.state !== 'Ongoing' || !t.partitions.includes(partitionKey(topic, partition))) return ErrorCode.INVALID_TXN_STATE;
    return 0;
  }
}
