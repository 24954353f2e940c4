// One transactional id's state, after Kafka's TransactionMetadata: producer id and epoch, the
// partitions and groups in the open transaction, and the state machine whose legal transitions
// are this one table.
import type { PendingOffset } from '../groups/offset-store.js';

export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

/** Kafka's state ids, as DescribeTransactions and ListTransactions report them by name. */
export const TXN_STATE_IDS: Record<TxnState, number> = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
};

const TRANSITIONS: Record<TxnState, readonly TxnState[]> = {
  Empty: ['Empty', 'Ongoing', 'PrepareAbort', 'Dead'],
  Ongoing: ['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence'],
  PrepareCommit: ['CompleteCommit'],
  PrepareAbort: ['CompleteAbort'],
  CompleteCommit: ['Empty', 'Ongoing', 'PrepareAbort', 'Dead'],
  CompleteAbort: ['Empty', 'Ongoing', 'PrepareAbort', 'Dead'],
  PrepareEpochFence: ['PrepareAbort'],
  Dead: [],
};

export function canTransition(from: TxnState, to: TxnState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** What is persisted per transactional id (JSON in `__transaction_state`). */
export interface TxnRecord {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  /** The id/epoch before the last bump, so a retried InitProducerId is recognised. */
  lastProducerId: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /**
   * "topic/partition" of every partition in the transaction: the data partitions, and the
   * `__consumer_offsets` partitions that AddOffsetsToTxn added (Kafka's topicPartitions).
   */
  partitions: string[];
  /** Offsets sent with TxnOffsetCommit, per group: committed only with the transaction. */
  pendingOffsets: Record<string, PendingOffset[]>;
  startedAt: number;
  updatedAt: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('/');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
