// ListTransactions (66) v0-1, after Kafka's TransactionStateManager.listTransactionStates:
// every transactional id except Dead ones, filtered by state names (unknown names are echoed in
// unknownStateFilters and match nothing), producer ids, and (v1, KIP-994) duration: with
// durationFilter >= 0 only ids whose transaction start time is more than durationFilter ms ago.
// Kafka applies that to txnStartTimestamp whatever the state, so an Empty id (start -1) always
// passes and a completed one is measured from its last transaction's start; we do the same.
// Each node lists only the ids it coordinates (those of the __transaction_state partitions it leads).
import type { ListTransactionsRequest, ListTransactionsResponseInput } from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';
import { TXN_STATE_IDS, type TxnState } from '../transactions/transaction.js';
import { txnStartTimeMs } from './65-describe-transactions.js';

const isState = (name: string): name is TxnState => Object.hasOwn(TXN_STATE_IDS, name);

export const listTransactions = defineHandler<ListTransactionsRequest, ListTransactionsResponseInput>({
  apiKey: 66,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { broker, node }) {
    const states = new Set(req.stateFilters.filter(isState));
    const unknownStateFilters = req.stateFilters.filter((s) => !isState(s));
    const producerIds = new Set(req.producerIdFilters);
    const duration = req.durationFilter; // the codec fills in -1 before v1
    const now = broker.now();
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      unknownStateFilters,
      transactionStates: broker.transactions
        .all()
        .filter(
          (t) =>
            t.state !== 'Dead' &&
            broker.cluster.transactionCoordinator(t.transactionalId) === node.nodeId &&
            (producerIds.size === 0 || producerIds.has(t.producerId)) &&
            (req.stateFilters.length === 0 || states.has(t.state)) &&
            (duration < 0 || now - txnStartTimeMs(t) > duration),
        )
        .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
    };
  },
});
