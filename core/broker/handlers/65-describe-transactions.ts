// DescribeTransactions (65) v0, after Kafka's TransactionCoordinator.handleDescribeTransactions:
// per transactional id its state name, timeout, producer id/epoch, the start time of its
// current (or last) transaction, and the partitions of the open transaction grouped by topic.
// Unknown ids, and ids being expired (Dead), are TRANSACTIONAL_ID_NOT_FOUND; '' is INVALID_REQUEST;
// an id this node does not coordinate is NOT_COORDINATOR (TransactionStateManager.getTransactionState).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeTransactionsRequest,
  DescribeTransactionsResponseInput,
  DescribeTransactionsResponseTopicDataInput,
  DescribeTransactionsResponseTransactionStateInput,
} from '../../protocol/schema/generated/index.js';
import { coordinatesTransactionHere, defineHandler } from '../handler.js';
import { parsePartitionKey, type TxnRecord } from '../transactions/transaction.js';

/**
 * Kafka's txnStartTimestamp: -1 once InitProducerId has (re)started the id (Empty), otherwise
 * the start of the latest transaction, kept through Prepare* and Complete*.
 */
export function txnStartTimeMs(t: TxnRecord): number {
  return t.state === 'Empty' ? -1 : t.startedAt;
}

export const describeTransactions = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponseInput>({
  apiKey: 65,
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { broker } = ctx;
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id): DescribeTransactionsResponseTransactionStateInput => {
        // Kafka leaves the other fields at their schema defaults on an error.
        const failed = (errorCode: number) => ({
          errorCode,
          transactionalId: id,
          transactionState: '',
          transactionTimeoutMs: 0,
          transactionStartTimeMs: 0,
          producerId: 0,
          producerEpoch: 0,
          topics: [],
        });
        if (id === '') return failed(ErrorCode.INVALID_REQUEST);
        if (!coordinatesTransactionHere(ctx, id)) return failed(ErrorCode.NOT_COORDINATOR);
        const t = broker.transactions.get(id);
        if (!t || t.state === 'Dead') return failed(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
        const topics: DescribeTransactionsResponseTopicDataInput[] = [];
        for (const key of t.partitions) {
          const { topic, partition } = parsePartitionKey(key);
          let entry = topics.find((x) => x.topic === topic);
          if (!entry) topics.push((entry = { topic, partitions: [] }));
          entry.partitions.push(partition);
        }
        return {
          errorCode: 0,
          transactionalId: id,
          transactionState: t.state,
          transactionTimeoutMs: t.timeoutMs,
          transactionStartTimeMs: txnStartTimeMs(t),
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          topics,
        };
      }),
    };
  },
});
