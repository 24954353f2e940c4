// What a client does about each Kafka error code, as one table (the Java clients spread this
// over NetworkClient, Metadata, AbstractCoordinator and TransactionManager; kgo keeps it in one
// place): retry as is, refresh the partition leaders first, find the coordinator again, rejoin
// the group, or stop because this client has been fenced. Codes not listed are fatal for the
// request that got them.
import { ErrorCode, errorName, type ErrorName } from '../protocol/errors.js';

export type ErrorAction =
  /** Transient on the broker's side: back off and send the same request again. */
  | 'retry'
  /** The partition's leader moved or is unknown: refresh metadata, then resend to the new leader. */
  | 'refresh-metadata'
  /** The group or transaction coordinator moved or is loading: look it up again, then resend. */
  | 'find-coordinator'
  /** The group moved on without this member (generation or member id no longer valid): rejoin. */
  | 'rejoin'
  /** Another instance took this identity (static member, transactional id): stop, do not retry. */
  | 'fenced'
  | 'fatal';

const ACTIONS: ReadonlyArray<readonly [ErrorName, ErrorAction]> = [
  ['CORRUPT_MESSAGE', 'retry'],
  ['REQUEST_TIMED_OUT', 'retry'],
  ['NETWORK_EXCEPTION', 'retry'],
  ['NOT_ENOUGH_REPLICAS', 'retry'],
  ['KAFKA_STORAGE_ERROR', 'refresh-metadata'],
  ['CONCURRENT_TRANSACTIONS', 'retry'],
  ['UNSTABLE_OFFSET_COMMIT', 'retry'],
  ['THROTTLING_QUOTA_EXCEEDED', 'retry'],
  ['OFFSET_NOT_AVAILABLE', 'retry'],
  ['FETCH_SESSION_ID_NOT_FOUND', 'retry'],
  ['INVALID_FETCH_SESSION_EPOCH', 'retry'],
  ['REBALANCE_IN_PROGRESS', 'rejoin'],
  ['UNKNOWN_TOPIC_OR_PARTITION', 'refresh-metadata'],
  ['LEADER_NOT_AVAILABLE', 'refresh-metadata'],
  ['NOT_LEADER_OR_FOLLOWER', 'refresh-metadata'],
  ['FENCED_LEADER_EPOCH', 'refresh-metadata'],
  ['REPLICA_NOT_AVAILABLE', 'refresh-metadata'],
  ['UNKNOWN_TOPIC_ID', 'refresh-metadata'],
  ['INCONSISTENT_TOPIC_ID', 'refresh-metadata'],
  ['UNKNOWN_LEADER_EPOCH', 'refresh-metadata'],
  ['PREFERRED_LEADER_NOT_AVAILABLE', 'refresh-metadata'],
  ['NOT_CONTROLLER', 'refresh-metadata'],
  ['COORDINATOR_LOAD_IN_PROGRESS', 'retry'],
  ['COORDINATOR_NOT_AVAILABLE', 'find-coordinator'],
  ['NOT_COORDINATOR', 'find-coordinator'],
  ['ILLEGAL_GENERATION', 'rejoin'],
  ['UNKNOWN_MEMBER_ID', 'rejoin'],
  ['MEMBER_ID_REQUIRED', 'rejoin'],
  ['FENCED_INSTANCE_ID', 'fenced'],
  ['PRODUCER_FENCED', 'fenced'],
  ['INVALID_PRODUCER_EPOCH', 'fenced'],
];

const byCode = new Map<number, ErrorAction>(ACTIONS.map(([name, action]) => [ErrorCode[name], action]));

export function errorAction(code: number): ErrorAction {
  return byCode.get(code) ?? 'fatal';
}

/** An error code in a response, in Kafka's words: "JoinGroup: UNKNOWN_MEMBER_ID". */
export class KafkaResponseError extends Error {
  readonly errorName: string;
  readonly action: ErrorAction;
  constructor(
    readonly code: number,
    readonly api: string,
    detail?: string | null,
  ) {
    super(`${api}: ${errorName(code)}${detail ? ` (${detail})` : ''}`);
    this.name = 'KafkaResponseError';
    this.errorName = errorName(code);
    this.action = errorAction(code);
  }
}

/** Throws the response's top-level error, if any. */
export function throwIfError(api: string, errorCode: number, errorMessage?: string | null): void {
  if (errorCode !== 0) throw new KafkaResponseError(errorCode, api, errorMessage);
}

/**
 * The connection could not be made or was lost: `code` is the socket's (ECONNREFUSED, ETIMEDOUT,
 * …) or one of ours (CLOSED, TIMEOUT, AUTH). Retriable except for AUTH.
 */
export class KafkaConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly broker: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaConnectionError';
  }
}
