// The producer's identity and transaction state (the Java client's TransactionManager): the
// producer id and epoch, the state machine (transaction-state.ts), the partitions and groups in
// the open transaction, and the requests to the transaction coordinator — InitProducerId,
// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn — plus TxnOffsetCommit to the group coordinator.
// Each response error is sorted as the Java client sorts it: retry (CONCURRENT_TRANSACTIONS,
// loading, coordinator moved), abortable (the transaction must be aborted), fatal (fenced,
// unauthorised: the producer is done).
import { ApiKey } from '../../protocol/apis.js';
import { ErrorCode, isRetriable } from '../../protocol/errors.js';
import type {
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnResponse,
  EndTxnResponse,
  InitProducerIdResponse,
  TxnOffsetCommitResponse,
} from '../../protocol/schema/generated/index.js';
import { parsePartitionKey, partitionKey, type TopicPartition } from '../../protocol/topic-partition.js';
import { backoffDelay, sleep, type BackoffSettings } from '../backoff.js';
import type { KafkaClient } from '../client.js';
import { errorAction, KafkaResponseError } from '../errors.js';
import {
  CommitFailedError,
  IllegalProducerStateError,
  ProducerFatalError,
  ProducerFencedError,
  TRANSACTION_ABORTABLE,
  TransactionAbortableError,
} from './errors.js';
import { errorInfo, type ProducerEvent, type TxnPhase } from './producer-events.js';
import { assertTransition, type TransactionState } from './transaction-state.js';

const MAX_EPOCH = 32767;
const INT32_MAX = 0x7fffffff;
/** Java's ADD_PARTITIONS_RETRY_BACKOFF_MS: the previous transaction is usually just completing. */
const CONCURRENT_TRANSACTIONS_BACKOFF: BackoffSettings = { initialMs: 20, maxMs: 1000 };

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

/** The consumer's group metadata (Java's ConsumerGroupMetadata). */
export interface GroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface TransactionManagerConfig {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** How long initTransactions / sendOffsetsToTransaction / commit / abort may retry (Java's max.block.ms). */
  maxBlockMs: number;
  retryBackoff: BackoffSettings;
}

type ErrorKind = 'retry' | 'abortable' | 'abortable-bump' | 'fenced' | 'fatal';

/** How a transaction coordinator error is handled (the Java handlers' if-chains as one table). */
function txnErrorKind(code: number): ErrorKind {
  switch (code) {
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.REQUEST_TIMED_OUT:
      return 'retry';
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      return 'fenced';
    case ErrorCode.UNKNOWN_PRODUCER_ID:
    case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
      return 'abortable-bump';
    case TRANSACTION_ABORTABLE:
    case ErrorCode.GROUP_AUTHORIZATION_FAILED:
    case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode.OPERATION_NOT_ATTEMPTED:
      return 'abortable';
    default:
      return isRetriable(code) ? 'retry' : 'fatal';
  }
}

export class TransactionManager {
  state: TransactionState = 'UNINITIALIZED';
  producerId = -1;
  producerEpoch = -1;
  /** Why the producer is in ABORTABLE_ERROR or FATAL_ERROR. */
  lastError: Error | null = null;
  /** The next abort must end with InitProducerId(current id, epoch) (KIP-360). */
  epochBumpRequired = false;
  /** InitProducerId v3+: the coordinator can bump an epoch for us. */
  coordinatorSupportsBump = false;
  /** AddPartitionsToTxn or AddOffsetsToTxn succeeded: EndTxn must be sent. */
  transactionStarted = false;
  transactionBegunAt = 0;
  readonly partitionsInTransaction = new Set<string>();
  /** Partitions records were appended for, not yet sent in an AddPartitionsToTxn. */
  readonly newPartitions = new Set<string>();
  private adding: Promise<void> | null = null;
  /** A public operation (init, send offsets, commit, abort) under way. */
  private pendingOp: string | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly config: TransactionManagerConfig,
    private readonly emit: (e: ProducerEvent) => void,
  ) {}

  get transactionalId(): string | null {
    return this.config.transactionalId;
  }

  get isTransactional(): boolean {
    return this.config.transactionalId !== null;
  }

  hasProducerId(): boolean {
    return this.producerId >= 0;
  }

  transitionTo(to: TransactionState, error?: Error): void {
    assertTransition(this.config.transactionalId, this.state, to);
    this.state = to;
    if (to === 'ABORTABLE_ERROR' || to === 'FATAL_ERROR') this.lastError = error ?? this.lastError;
    else this.lastError = null;
  }

  /** Throws the error that put the producer in ABORTABLE_ERROR / FATAL_ERROR. */
  maybeFailWithError(): void {
    if (this.state === 'FATAL_ERROR' || this.state === 'ABORTABLE_ERROR') throw this.lastError ?? new IllegalProducerStateError(`the producer is in state ${this.state}`);
  }

  /** One public transactional call at a time (Java's throwIfPendingState). */
  async exclusive<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.pendingOp) throw new IllegalProducerStateError(`Cannot attempt operation \`${op}\` because the previous call to \`${this.pendingOp}\` is still in progress`);
    this.pendingOp = op;
    try {
      return await fn();
    } finally {
      this.pendingOp = null;
    }
  }

  ensureTransactional(op: string): string {
    if (this.config.transactionalId === null) throw new IllegalProducerStateError(`${op}: the producer has no transactionalId`);
    return this.config.transactionalId;
  }

  txnEvent(phase: TxnPhase, extra: { partitions?: TopicPartition[]; durationMs?: number; groupId?: string; error?: unknown } = {}): void {
    this.emit({
      type: 'txn',
      phase,
      transactionalId: this.config.transactionalId,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      state: this.state,
      partitions: extra.partitions ?? [],
      durationMs: extra.durationMs ?? 0,
      ...(extra.groupId !== undefined ? { groupId: extra.groupId } : {}),
      ...(extra.error !== undefined ? { error: errorInfo(extra.error) } : {}),
    });
  }

  // ------------------------------------------------------------------ errors

  /** The open transaction cannot commit any more (Java's transitionToAbortableError). */
  abortableError(error: Error, bumpEpoch = false): void {
    if (this.state === 'FATAL_ERROR') return;
    if (bumpEpoch && this.coordinatorSupportsBump) this.epochBumpRequired = true;
    // Already aborting: the abort goes on (Java skips the transition too).
    if (this.state === 'ABORTING_TRANSACTION') return;
    if (this.state === 'ABORTABLE_ERROR') return;
    this.transitionTo('ABORTABLE_ERROR', error);
    this.txnEvent('abortable-error', { error });
  }

  fatalError(error: Error): void {
    if (this.state === 'FATAL_ERROR') return;
    this.transitionTo('FATAL_ERROR', error);
    this.txnEvent(error instanceof ProducerFencedError ? 'fenced' : 'fatal-error', { error });
  }

  /** A coordinator response error, sorted; returns the error to throw. */
  private coordinatorError(api: string, code: number, detail?: string | null): Error {
    const kind = txnErrorKind(code);
    if (kind === 'fenced') {
      const e = new ProducerFencedError(code, api, detail ?? `transactional id ${this.config.transactionalId}, producer ${this.producerId} epoch ${this.producerEpoch}`);
      this.fatalError(e);
      return e;
    }
    if (kind === 'abortable' || (kind === 'abortable-bump' && this.coordinatorSupportsBump)) {
      const e = new TransactionAbortableError(code, api, detail);
      this.abortableError(e, kind === 'abortable-bump');
      return e;
    }
    const e = new ProducerFatalError(code, api, detail);
    this.fatalError(e);
    return e;
  }

  /**
   * A request to the transaction coordinator, resent while its answer is retriable (the
   * coordinator moving or loading is the client's; CONCURRENT_TRANSACTIONS and the like are
   * ours) until max.block.ms. `errorOf` picks the response's first error.
   */
  private async txnRequest<T>(apiKey: number, body: (version: number) => unknown, errorOf: (r: T) => number, range?: { min?: number; max?: number }): Promise<T> {
    const txnId = this.ensureTransactional('request');
    const deadline = Date.now() + this.config.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      const res = await this.client.coordinatorRequest<T>('transaction', txnId, apiKey, body, {
        errorOf,
        timeoutMs: Math.max(1, deadline - Date.now()),
        ...(range ? { range } : {}),
      });
      const code = errorOf(res);
      if (code === 0 || txnErrorKind(code) !== 'retry') return res;
      if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.client.coordinatorMoved('transaction', txnId);
      if (Date.now() >= deadline) throw new KafkaResponseError(code, 'transaction coordinator', `${txnId}: still failing after ${this.config.maxBlockMs} ms`);
      const backoff = code === ErrorCode.CONCURRENT_TRANSACTIONS ? CONCURRENT_TRANSACTIONS_BACKOFF : this.config.retryBackoff;
      await sleep(Math.min(backoffDelay(backoff, attempt), Math.max(0, deadline - Date.now())));
    }
  }

  // ------------------------------------------------------------------ producer id

  /**
   * InitProducerId for the transactional id: the first (a new epoch fences older producers), or
   * with the current id and epoch after an abortable error (KIP-360 epoch bump).
   */
  async initProducerId(bump: boolean): Promise<void> {
    const txnId = this.ensureTransactional('initTransactions');
    const started = Date.now();
    const expected = bump ? { producerId: this.producerId, producerEpoch: this.producerEpoch } : { producerId: -1, producerEpoch: -1 };
    let version = -1;
    const res = await this.txnRequest<InitProducerIdResponse>(
      ApiKey.InitProducerId,
      (v) => {
        version = v;
        return { transactionalId: txnId, transactionTimeoutMs: this.config.transactionTimeoutMs, ...(v >= 3 ? expected : {}) };
      },
      (r) => r.errorCode,
    );
    if (res.errorCode !== 0) {
      if (res.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED || res.errorCode === ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
        const e = new ProducerFatalError(res.errorCode, 'InitProducerId', txnId);
        this.fatalError(e);
        throw e;
      }
      throw this.coordinatorError('InitProducerId', res.errorCode, txnId);
    }
    this.coordinatorSupportsBump = version >= 3;
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    this.epochBumpRequired = false;
    this.transitionTo('READY');
    this.txnEvent(bump ? 'epoch-bumped' : 'init', { durationMs: Date.now() - started });
  }

  /** Idempotence without a transactional id: a producer id from any broker. */
  async initIdempotentProducerId(): Promise<void> {
    const res = await this.client.retrying('InitProducerId', async () => {
      const r = await this.client.anyRequest<InitProducerIdResponse>(ApiKey.InitProducerId, { transactionalId: null, transactionTimeoutMs: INT32_MAX });
      if (r.errorCode !== 0) throw new KafkaResponseError(r.errorCode, 'InitProducerId');
      return r;
    });
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    if (this.state === 'UNINITIALIZED') this.transitionTo('INITIALIZING');
    if (this.state === 'INITIALIZING') this.transitionTo('READY');
  }

  /**
   * An idempotent producer bumps its own epoch after a sequence gap (Java's
   * bumpIdempotentProducerEpoch); at the last epoch it needs a new producer id. Returns false
   * when a new id must be fetched.
   */
  bumpIdempotentEpochLocally(): boolean {
    if (this.producerEpoch >= MAX_EPOCH) {
      this.producerId = -1;
      this.producerEpoch = -1;
      return false;
    }
    this.producerEpoch++;
    return true;
  }

  // ------------------------------------------------------------------ partitions

  /** A record for `tp` was appended in the open transaction (Java's maybeAddPartition). */
  maybeAddPartition(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    if (this.partitionsInTransaction.has(key) || this.newPartitions.has(key)) return;
    this.newPartitions.add(key);
  }

  /** Batches for a partition go out only once the coordinator has it in the transaction. */
  isSendAllowed(key: string): boolean {
    if (this.state === 'FATAL_ERROR') return false;
    return !this.isTransactional || this.partitionsInTransaction.has(key);
  }

  get addingPartitions(): boolean {
    return this.adding !== null;
  }

  /** Sends one AddPartitionsToTxn for every partition waiting (one request in flight at a time). */
  maybeAddPartitions(done: () => void): void {
    if (this.adding || this.newPartitions.size === 0) return;
    if (this.state !== 'IN_TRANSACTION' && this.state !== 'COMMITTING_TRANSACTION') return;
    const keys = [...this.newPartitions];
    this.newPartitions.clear();
    this.adding = this.addPartitions(keys)
      .catch((e: unknown) => {
        // Out of time: the transaction cannot go on with these partitions.
        const err = e instanceof Error ? e : new Error(String(e));
        if (this.state !== 'FATAL_ERROR') this.abortableError(err);
      })
      .finally(() => {
        this.adding = null;
        done();
      });
  }

  /** Waits for an AddPartitionsToTxn in flight. */
  async whenPartitionsAdded(): Promise<void> {
    while (this.adding) await this.adding;
  }

  private async addPartitions(keys: string[]): Promise<void> {
    const txnId = this.ensureTransactional('send');
    const started = Date.now();
    const tps = keys.map(parsePartitionKey);
    const topics = [...new Set(tps.map((t) => t.topic))].map((name) => ({
      name,
      partitions: tps.filter((t) => t.topic === name).map((t) => t.partition),
    }));
    const firstError = (r: AddPartitionsToTxnResponse) => {
      for (const t of r.resultsByTopicV3AndBelow) for (const p of t.resultsByPartition) if (p.partitionErrorCode !== 0) return p.partitionErrorCode;
      return 0;
    };
    const res = await this.txnRequest<AddPartitionsToTxnResponse>(
      ApiKey.AddPartitionsToTxn,
      () => ({
        v3AndBelowTransactionalId: txnId,
        v3AndBelowProducerId: this.producerId,
        v3AndBelowProducerEpoch: this.producerEpoch,
        v3AndBelowTopics: topics,
      }),
      firstError,
      // v4+ is the brokers' batched form (KIP-890); clients send v3 and below.
      { max: 3 },
    );
    const errors = res.resultsByTopicV3AndBelow.flatMap((t) =>
      t.resultsByPartition.filter((p) => p.partitionErrorCode !== 0).map((p) => ({ tp: `${t.name}-${p.partitionIndex}`, code: p.partitionErrorCode })),
    );
    if (errors.length > 0) {
      // The error that is not OPERATION_NOT_ATTEMPTED says why.
      const cause = errors.find((e) => e.code !== ErrorCode.OPERATION_NOT_ATTEMPTED) ?? errors[0]!;
      const detail = errors.map((e) => `${e.tp}: ${new KafkaResponseError(e.code, '').errorName}`).join(', ');
      if (cause.code === ErrorCode.INVALID_TXN_STATE || cause.code === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
        this.fatalError(new ProducerFatalError(cause.code, 'AddPartitionsToTxn', detail));
        return;
      }
      const kind = txnErrorKind(cause.code);
      if (kind === 'fenced' || kind === 'abortable-bump' || kind === 'abortable') this.coordinatorError('AddPartitionsToTxn', cause.code, detail);
      else this.abortableError(new TransactionAbortableError(cause.code, 'AddPartitionsToTxn', `could not add partitions to the transaction: ${detail}`));
      return;
    }
    for (const k of keys) this.partitionsInTransaction.add(k);
    this.transactionStarted = true;
    this.txnEvent('partitions-added', { partitions: tps, durationMs: Date.now() - started });
  }

  // ------------------------------------------------------------------ offsets

  /** AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group coordinator. */
  async sendOffsets(offsets: readonly OffsetToCommit[], group: GroupMetadata): Promise<void> {
    const txnId = this.ensureTransactional('sendOffsetsToTransaction');
    const started = Date.now();
    const added = await this.txnRequest<AddOffsetsToTxnResponse>(
      ApiKey.AddOffsetsToTxn,
      () => ({ transactionalId: txnId, producerId: this.producerId, producerEpoch: this.producerEpoch, groupId: group.groupId }),
      (r) => r.errorCode,
    );
    if (added.errorCode !== 0) {
      if (added.errorCode === ErrorCode.INVALID_TXN_STATE || added.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
        const e = new ProducerFatalError(added.errorCode, 'AddOffsetsToTxn', `group ${group.groupId}`);
        this.fatalError(e);
        throw e;
      }
      throw this.coordinatorError('AddOffsetsToTxn', added.errorCode, `group ${group.groupId}`);
    }
    this.transactionStarted = true;
    await this.txnOffsetCommit(txnId, offsets, group);
    this.txnEvent('offsets-added', {
      partitions: offsets.map(({ topic, partition }) => ({ topic, partition })),
      groupId: group.groupId,
      durationMs: Date.now() - started,
    });
  }

  private async txnOffsetCommit(txnId: string, offsets: readonly OffsetToCommit[], group: GroupMetadata): Promise<void> {
    let pending = [...offsets];
    const withMember = group.generationId >= 0 || group.memberId !== '' || group.groupInstanceId !== null;
    const deadline = Date.now() + this.config.maxBlockMs;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const topics = [...new Set(pending.map((o) => o.topic))].map((name) => ({
        name,
        partitions: pending
          .filter((o) => o.topic === name)
          .map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
      }));
      const firstError = (r: TxnOffsetCommitResponse) => {
        for (const t of r.topics) for (const p of t.partitions) if (p.errorCode !== 0) return p.errorCode;
        return 0;
      };
      const res = await this.client.coordinatorRequest<TxnOffsetCommitResponse>(
        'group',
        group.groupId,
        ApiKey.TxnOffsetCommit,
        {
          transactionalId: txnId,
          groupId: group.groupId,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch,
          generationId: group.generationId,
          memberId: group.memberId,
          groupInstanceId: group.groupInstanceId,
          topics,
        },
        // v3 carries the member (KIP-447); a broker without it cannot check the generation.
        { errorOf: firstError, range: withMember ? { min: 3 } : {}, timeoutMs: Math.max(1, deadline - Date.now()) },
      );
      const retry: OffsetToCommit[] = [];
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const code = p.errorCode;
          if (code === 0) continue;
          const offset = pending.find((o) => o.topic === t.name && o.partition === p.partitionIndex);
          if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.FENCED_INSTANCE_ID) {
            const e = new CommitFailedError(code, group.groupId, group.generationId);
            this.abortableError(e);
            throw e;
          }
          if (code === ErrorCode.PRODUCER_FENCED || code === ErrorCode.INVALID_PRODUCER_EPOCH) throw this.coordinatorError('TxnOffsetCommit', code);
          if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED || code === TRANSACTION_ABORTABLE) {
            const e = new TransactionAbortableError(code, 'TxnOffsetCommit', `group ${group.groupId}`);
            this.abortableError(e);
            throw e;
          }
          const action = errorAction(code);
          if (isRetriable(code) || action === 'retry' || action === 'find-coordinator' || action === 'refresh-metadata') {
            if (action === 'find-coordinator' || code === ErrorCode.REQUEST_TIMED_OUT) this.client.coordinatorMoved('group', group.groupId);
            if (offset) retry.push(offset);
            continue;
          }
          const e = new ProducerFatalError(code, 'TxnOffsetCommit', `group ${group.groupId}, ${t.name}-${p.partitionIndex}`);
          this.fatalError(e);
          throw e;
        }
      }
      pending = retry;
      if (pending.length === 0) return;
      if (Date.now() >= deadline) throw new KafkaResponseError(firstError(res), 'TxnOffsetCommit', `group ${group.groupId}: still failing after ${this.config.maxBlockMs} ms`);
      await sleep(Math.min(backoffDelay(this.config.retryBackoff, attempt), Math.max(0, deadline - Date.now())));
    }
  }

  // ------------------------------------------------------------------ end

  /** EndTxn (only when the coordinator knows of the transaction). */
  async endTxn(commit: boolean): Promise<void> {
    const txnId = this.ensureTransactional(commit ? 'commitTransaction' : 'abortTransaction');
    const res = await this.txnRequest<EndTxnResponse>(
      ApiKey.EndTxn,
      () => ({ transactionalId: txnId, producerId: this.producerId, producerEpoch: this.producerEpoch, committed: commit }),
      (r) => r.errorCode,
    );
    if (res.errorCode === 0) return;
    const api = commit ? 'EndTxn(commit)' : 'EndTxn(abort)';
    if (res.errorCode === ErrorCode.INVALID_TXN_STATE || res.errorCode === ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
      const e = new ProducerFatalError(res.errorCode, api, txnId);
      this.fatalError(e);
      throw e;
    }
    throw this.coordinatorError(api, res.errorCode, txnId);
  }

  /** The transaction is over (committed or aborted): a clean slate for the next. */
  resetTransaction(): void {
    this.transactionStarted = false;
    this.partitionsInTransaction.clear();
    this.newPartitions.clear();
  }

  partitionsOfTransaction(): TopicPartition[] {
    return [...this.partitionsInTransaction].map(parsePartitionKey);
  }
}
