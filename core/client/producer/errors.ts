// The producer's errors, as the Java client sorts them. Fatal: the producer can do nothing more
// but close (ProducerFencedException, TransactionalIdAuthorizationException). Abortable: the
// transaction must be aborted, then the producer goes on (TransactionAbortableException,
// InvalidProducerEpochException after KIP-588, CommitFailedException from TxnOffsetCommit).
// `isTaskMigrated` is what Kafka Streams' StreamsProducer turns into TaskMigratedException.
import { ErrorCode, errorName } from '../../protocol/errors.js';
import { KafkaResponseError } from '../errors.js';

/** KIP-890's TRANSACTION_ABORTABLE (Kafka 3.8+). */
export const TRANSACTION_ABORTABLE = ErrorCode.TRANSACTION_ABORTABLE;

const codeName = errorName;

/** The producer cannot go on: close it (and, for a transactional one, make a new one). */
export class ProducerFatalError extends KafkaResponseError {
  constructor(code: number, api: string, detail?: string | null, options?: { cause?: unknown }) {
    super(code, api, detail);
    this.name = 'ProducerFatalError';
    this.message = `${api}: ${codeName(code)}${detail ? ` (${detail})` : ''}`;
    (this as { errorName: string }).errorName = codeName(code);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * Another producer with the same transactional id (a newer epoch) took over: PRODUCER_FENCED, or
 * INVALID_PRODUCER_EPOCH on a transaction coordinator request. Kafka Streams: task migrated.
 */
export class ProducerFencedError extends ProducerFatalError {
  constructor(code: number, api: string, detail?: string | null) {
    super(code, api, detail);
    this.name = 'ProducerFencedError';
  }
}

/** The open transaction cannot commit: call abortTransaction(), then the producer goes on. */
export class TransactionAbortableError extends KafkaResponseError {
  constructor(code: number, api: string, detail?: string | null, options?: { cause?: unknown }) {
    super(code, api, detail);
    this.name = 'TransactionAbortableError';
    this.message = `${api}: ${codeName(code)}${detail ? ` (${detail})` : ''}`;
    (this as { errorName: string }).errorName = codeName(code);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * INVALID_PRODUCER_EPOCH on Produce (KIP-588): the coordinator moved to a newer epoch (the
 * transaction timed out, or another producer initialised). Abortable; the abort then tells
 * which (a fenced producer's EndTxn gets PRODUCER_FENCED).
 */
export class InvalidProducerEpochError extends TransactionAbortableError {
  constructor(detail?: string | null) {
    super(ErrorCode.INVALID_PRODUCER_EPOCH, 'Produce', detail);
    this.name = 'InvalidProducerEpochError';
  }
}

/**
 * TxnOffsetCommit said the group moved on without this member: ILLEGAL_GENERATION,
 * UNKNOWN_MEMBER_ID (Java: CommitFailedException) or FENCED_INSTANCE_ID. Abortable.
 * Kafka Streams: task migrated.
 */
export class CommitFailedError extends TransactionAbortableError {
  constructor(
    code: number,
    readonly groupId: string,
    readonly generationId: number,
  ) {
    super(code, 'TxnOffsetCommit', `group ${groupId}, generation ${generationId}: the group has moved on`);
    this.name = 'CommitFailedError';
  }
}

/** A method called in a state that does not allow it (Java's IllegalStateException). */
export class IllegalProducerStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalProducerStateError';
  }
}

/** Records not acknowledged within delivery.timeout.ms (Java's TimeoutException "Expiring N record(s)"). */
export class DeliveryTimeoutError extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly records: number,
    ms: number,
    options?: { cause?: unknown },
  ) {
    super(`Expiring ${records} record(s) for ${topic}-${partition}: ${ms} ms has passed since batch creation`, options);
    this.name = 'DeliveryTimeoutError';
  }
}

/** The batch was never sent because its transaction was aborted (Java's TransactionAbortedException). */
export class TransactionAbortedError extends Error {
  constructor(message = 'Failing batch since transaction was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransactionAbortedError';
  }
}

/**
 * What Kafka Streams maps to TaskMigratedException: fenced, or the group moved on — also as the
 * cause of a TransactionAbortedError (records failed because of it).
 */
export function isTaskMigrated(e: unknown): boolean {
  return taskMigrationCause(e) !== null;
}

/** The fencing or group error behind `e` (itself, or what aborted its records), or null. */
export function taskMigrationCause(e: unknown): ProducerFencedError | InvalidProducerEpochError | CommitFailedError | null {
  if (e instanceof TransactionAbortedError) return taskMigrationCause(e.cause);
  return e instanceof ProducerFencedError || e instanceof InvalidProducerEpochError || e instanceof CommitFailedError ? e : null;
}
