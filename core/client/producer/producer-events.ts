// Telemetry from the producer, so the runtime can emit StreamsEvents without reading logs.
// `txn` events follow the transaction's life; `produce.*` the batches.
import type { TopicPartition } from '../../protocol/topic-partition.js';
import type { TransactionState } from './transaction-state.js';

export type TxnPhase =
  | 'init'
  | 'begin'
  | 'partitions-added'
  | 'offsets-added'
  | 'committing'
  | 'committed'
  | 'aborting'
  | 'aborted'
  | 'abortable-error'
  | 'fenced'
  | 'fatal-error'
  | 'epoch-bumped';

export interface ErrorInfo {
  name: string;
  /** Kafka error code, or -1 for errors without one (timeouts). */
  code: number;
  message: string;
}

export interface TxnEvent {
  type: 'txn';
  phase: TxnPhase;
  transactionalId: string | null;
  producerId: number;
  producerEpoch: number;
  state: TransactionState;
  /** Phase-specific: partitions added (partitions-added), in the transaction (committed / aborted). */
  partitions: TopicPartition[];
  /** offsets-added: the group the offsets went to. */
  groupId?: string;
  /** Since the phase's start (init, partitions-added, offsets-added) or the transaction's begin (committed / aborted). */
  durationMs: number;
  error?: ErrorInfo;
}

export interface ProduceRetryEvent {
  type: 'produce.retry';
  topic: string;
  partition: number;
  baseSequence: number;
  records: number;
  attempt: number;
  error: ErrorInfo;
}

export interface ProduceFailedEvent {
  type: 'produce.failed';
  topic: string;
  partition: number;
  baseSequence: number;
  records: number;
  error: ErrorInfo;
}

export type ProducerEvent = TxnEvent | ProduceRetryEvent | ProduceFailedEvent;

export function errorInfo(e: unknown): ErrorInfo {
  const err = e instanceof Error ? e : new Error(String(e));
  const raw = (err as unknown as { code?: unknown }).code;
  const code = typeof raw === 'number' ? raw : -1;
  return { name: err.name, code, message: err.message };
}
