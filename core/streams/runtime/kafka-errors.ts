// Classifying kafkajs errors into what the runtime does about them. kafkajs wraps errors
// (retriers add `originalError`, Error `cause`), so every check walks the chain.

/** The producer lost its transactional id to a newer instance, or its transaction was expired:
 * the task has migrated (Kafka Streams' TaskMigratedException). */
const FENCING = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_NOT_FOUND']);
const FENCING_CODES = new Set([47, 49, 90]);

/** kafkajs rejoins the group itself when eachBatch throws one of these. */
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

interface MaybeKafkaError {
  type?: unknown;
  code?: unknown;
  originalError?: unknown;
  cause?: unknown;
}

function* chain(err: unknown): Generator<MaybeKafkaError> {
  const seen = new Set<unknown>();
  let e = err;
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    yield e as MaybeKafkaError;
    const next: MaybeKafkaError = e;
    e = next.originalError ?? next.cause;
  }
}

export function isFencedError(err: unknown): boolean {
  for (const e of chain(err)) {
    if (typeof e.type === 'string' && FENCING.has(e.type)) return true;
    if (typeof e.code === 'number' && FENCING_CODES.has(e.code)) return true;
  }
  return false;
}

export function isRebalanceError(err: unknown): boolean {
  for (const e of chain(err)) if (typeof e.type === 'string' && REBALANCING.has(e.type)) return true;
  return false;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
