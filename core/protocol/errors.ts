// Kafka error codes as data: code, name, and whether clients treat it as retriable.
// Names match Kafka's Errors enum so logs and the console speak the user's language.
const TABLE = [
  [-1, 'UNKNOWN_SERVER_ERROR', false],
  [0, 'NONE', false],
  [1, 'OFFSET_OUT_OF_RANGE', false],
  [2, 'CORRUPT_MESSAGE', true],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
  [4, 'INVALID_FETCH_SIZE', false],
  [5, 'LEADER_NOT_AVAILABLE', true],
  [6, 'NOT_LEADER_OR_FOLLOWER', true],
  [7, 'REQUEST_TIMED_OUT', true],
  [9, 'REPLICA_NOT_AVAILABLE', true],
  [10, 'MESSAGE_TOO_LARGE', false],
  [12, 'OFFSET_METADATA_TOO_LARGE', false],
  [13, 'NETWORK_EXCEPTION', true],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', true],
  [15, 'COORDINATOR_NOT_AVAILABLE', true],
  [16, 'NOT_COORDINATOR', true],
  [17, 'INVALID_TOPIC_EXCEPTION', false],
  [18, 'RECORD_LIST_TOO_LARGE', false],
  [19, 'NOT_ENOUGH_REPLICAS', true],
  [21, 'INVALID_REQUIRED_ACKS', false],
  [22, 'ILLEGAL_GENERATION', false],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', false],
  [24, 'INVALID_GROUP_ID', false],
  [25, 'UNKNOWN_MEMBER_ID', false],
  [26, 'INVALID_SESSION_TIMEOUT', false],
  [27, 'REBALANCE_IN_PROGRESS', false],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', false],
  [29, 'TOPIC_AUTHORIZATION_FAILED', false],
  [30, 'GROUP_AUTHORIZATION_FAILED', false],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', false],
  [32, 'INVALID_TIMESTAMP', false],
  [33, 'UNSUPPORTED_SASL_MECHANISM', false],
  [34, 'ILLEGAL_SASL_STATE', false],
  [35, 'UNSUPPORTED_VERSION', false],
  [36, 'TOPIC_ALREADY_EXISTS', false],
  [37, 'INVALID_PARTITIONS', false],
  [38, 'INVALID_REPLICATION_FACTOR', false],
  [39, 'INVALID_REPLICA_ASSIGNMENT', false],
  [40, 'INVALID_CONFIG', false],
  [41, 'NOT_CONTROLLER', true],
  [42, 'INVALID_REQUEST', false],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false],
  [44, 'POLICY_VIOLATION', false],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', false],
  [47, 'INVALID_PRODUCER_EPOCH', false],
  [48, 'INVALID_TXN_STATE', false],
  [49, 'INVALID_PRODUCER_ID_MAPPING', false],
  [50, 'INVALID_TRANSACTION_TIMEOUT', false],
  [51, 'CONCURRENT_TRANSACTIONS', true],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false],
  [54, 'SECURITY_DISABLED', false],
  [55, 'OPERATION_NOT_ATTEMPTED', false],
  [56, 'KAFKA_STORAGE_ERROR', true],
  [58, 'SASL_AUTHENTICATION_FAILED', false],
  [59, 'UNKNOWN_PRODUCER_ID', false],
  [60, 'REASSIGNMENT_IN_PROGRESS', false],
  [68, 'NON_EMPTY_GROUP', false],
  [69, 'GROUP_ID_NOT_FOUND', false],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', true],
  [71, 'INVALID_FETCH_SESSION_EPOCH', true],
  [74, 'FENCED_LEADER_EPOCH', true],
  [75, 'UNKNOWN_LEADER_EPOCH', true],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', false],
  [77, 'STALE_BROKER_EPOCH', false],
  [78, 'OFFSET_NOT_AVAILABLE', true],
  [79, 'MEMBER_ID_REQUIRED', false],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', true],
  [81, 'GROUP_MAX_SIZE_REACHED', false],
  [82, 'FENCED_INSTANCE_ID', false],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', false],
  [87, 'INVALID_RECORD', false],
  [88, 'UNSTABLE_OFFSET_COMMIT', true],
  [89, 'THROTTLING_QUOTA_EXCEEDED', true],
  [90, 'PRODUCER_FENCED', false],
  [91, 'RESOURCE_NOT_FOUND', false],
  [93, 'INVALID_UPDATE_VERSION', false],
  [97, 'TRANSACTIONAL_ID_NOT_FOUND', false],
  [100, 'UNKNOWN_TOPIC_ID', true],
  [103, 'INCONSISTENT_TOPIC_ID', true],
  /** KIP-890 (Kafka 3.8+): the transaction must be aborted; the producer goes on after that. */
  [120, 'TRANSACTION_ABORTABLE', false],
] as const;

export type ErrorName = (typeof TABLE)[number][1];

/** ErrorCode.UNKNOWN_TOPIC_OR_PARTITION === 3, and so on. */
export const ErrorCode = Object.fromEntries(TABLE.map(([code, name]) => [name, code])) as {
  readonly [K in ErrorName]: number;
};

const byCode = new Map<number, { name: ErrorName; retriable: boolean }>(
  TABLE.map(([code, name, retriable]) => [code, { name, retriable }]),
);

export function errorName(code: number): string {
  return byCode.get(code)?.name ?? `ERROR_${code}`;
}

export function isRetriable(code: number): boolean {
  return byCode.get(code)?.retriable ?? false;
}

/** A Kafka error a handler raises; the handler's caller maps it onto the response's error code. */
export class KafkaError extends Error {
  constructor(
    readonly code: number,
    message?: string,
  ) {
    super(message ?? errorName(code));
    this.name = 'KafkaError';
  }
}
