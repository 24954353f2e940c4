// Transaction states from DescribeTransactions, in the console's shape.
import type { DescribeTransactionsResponseTransactionState } from '../protocol/schema/generated/index.js';
import type { TransactionSnapshot } from './types.js';

/** States in which a transaction is open: begun and not yet completed. */
const OPEN_STATES = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence']);

/** Open longer than its timeout: the coordinator should have aborted it by now. */
export function isHanging(state: string, startedAt: number | null, timeoutMs: number, now: number): boolean {
  return OPEN_STATES.has(state) && startedAt !== null && now - startedAt > timeoutMs;
}

export function toTransactionSnapshot(t: DescribeTransactionsResponseTransactionState, now: number): TransactionSnapshot {
  const open = OPEN_STATES.has(t.transactionState) && t.transactionStartTimeMs >= 0;
  const startedAt = open ? t.transactionStartTimeMs : null;
  return {
    transactionalId: t.transactionalId,
    state: t.transactionState,
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    timeoutMs: t.transactionTimeoutMs,
    startedAt,
    partitions: t.topics
      .map((x) => ({ topic: x.topic, partitions: [...x.partitions].sort((a, b) => a - b) }))
      .sort((a, b) => a.topic.localeCompare(b.topic)),
    hanging: isHanging(t.transactionState, startedAt, t.transactionTimeoutMs, now),
  };
}
