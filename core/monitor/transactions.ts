// Transaction states from DescribeTransactions, in the console's shape.
import type { DescribeTransactionsResponseTransactionState } from '../protocol/schema/generated/index.js';
import { parsePartitionKey, partitionKey } from '../protocol/topic-partition.js';
import type { LsoHold, TransactionSnapshot } from './types.js';

/** One transactional id as DescribeTransactions tells it (transaction-watcher.ts adds what the coordinator did). */
export type DescribedTransaction = Omit<TransactionSnapshot, 'coordinatorEvents'>;

/** States in which a transaction is open: begun and not yet completed. */
const OPEN_STATES = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence']);

/** Open longer than its timeout: the coordinator should have aborted it by now. */
export function isHanging(state: string, startedAt: number | null, timeoutMs: number, now: number): boolean {
  return OPEN_STATES.has(state) && startedAt !== null && now - startedAt > timeoutMs;
}

export function toTransactionSnapshot(t: DescribeTransactionsResponseTransactionState, now: number): DescribedTransaction {
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

/** The last stable offset and high watermark of a partition, "topic\0partition" keyed. */
export type PartitionEndsByKey = ReadonlyMap<string, { lastStable: number; highWatermark: number }>;

/**
 * Partitions an open transaction holds back: the LSO stops at the first offset of the earliest
 * open transaction on the partition, so that one is named (by its start, which the coordinator
 * sets when the first partition is added).
 */
export function lsoHolds(transactions: readonly DescribedTransaction[], ends: PartitionEndsByKey, now: number): LsoHold[] {
  const holder = new Map<string, DescribedTransaction>();
  for (const t of transactions) {
    if (t.startedAt === null) continue;
    for (const tp of t.partitions) {
      for (const partition of tp.partitions) {
        const key = partitionKey(tp.topic, partition);
        const other = holder.get(key);
        if (!other || other.startedAt! > t.startedAt) holder.set(key, t);
      }
    }
  }
  const out: LsoHold[] = [];
  for (const [key, t] of holder) {
    const end = ends.get(key);
    if (!end || end.lastStable >= end.highWatermark) continue;
    const { topic, partition } = parsePartitionKey(key);
    out.push({
      topic,
      partition,
      lastStable: end.lastStable,
      highWatermark: end.highWatermark,
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      since: t.startedAt!,
      timeoutMs: t.timeoutMs,
      timeLeftMs: t.startedAt! + t.timeoutMs - now,
    });
  }
  return out.sort((a, b) => a.since - b.since || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
