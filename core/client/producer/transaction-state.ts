// The transactional producer's states and their legal transitions in one table (the Java
// client's TransactionManager.State.isTransitionValid). An idempotent producer without a
// transactional id only ever uses UNINITIALIZED → INITIALIZING → READY.
import { IllegalProducerStateError } from './errors.js';

export const TRANSACTION_STATES = [
  'UNINITIALIZED',
  'INITIALIZING',
  'READY',
  'IN_TRANSACTION',
  'COMMITTING_TRANSACTION',
  'ABORTING_TRANSACTION',
  'ABORTABLE_ERROR',
  'FATAL_ERROR',
] as const;

export type TransactionState = (typeof TRANSACTION_STATES)[number];

/** target ← the states it may be entered from. FATAL_ERROR may be entered from anywhere. */
const FROM: Record<Exclude<TransactionState, 'FATAL_ERROR'>, readonly TransactionState[]> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
};

export function canTransition(from: TransactionState, to: TransactionState): boolean {
  return to === 'FATAL_ERROR' || FROM[to].includes(from);
}

export function assertTransition(transactionalId: string | null, from: TransactionState, to: TransactionState): void {
  if (!canTransition(from, to)) {
    throw new IllegalProducerStateError(`${transactionalId ? `TransactionalId ${transactionalId}: ` : ''}Invalid transition attempted from state ${from} to state ${to}`);
  }
}
