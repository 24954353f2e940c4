// TxnOffsetCommit (28) v0-3 (v3 flexible, as librdkafka sends it): offsets held by the
// transaction coordinator until the COMMIT, dropped on ABORT. Sent to the group's coordinator
// (as Kafka's producer does): any other node answers NOT_COORDINATOR for every partition.
// As in Kafka: the transaction is verified first, then the group checks the member (v3+ member
// id, generation and group_instance_id; FENCED_INSTANCE_ID for an old static incarnation).
import { ErrorCode } from '../../protocol/errors.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponseInput } from '../../protocol/schema/generated/index.js';
import { offsetToCommit } from '../groups/offset-store.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

export const txnOffsetCommit = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponseInput>({
  apiKey: 28,
  minVersion: 0,
  maxVersion: 3,
  handle(req, ctx) {
    const { broker, header } = ctx;
    if (!coordinatesGroupHere(ctx, req.groupId)) {
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NOT_COORDINATOR })),
        })),
      };
    }
    const now = broker.now();
    const unknown = (topic: string, p: number) => !broker.topics.partition(topic, p);
    const offsets = req.topics.flatMap((t) =>
      t.partitions
        .filter((p) => !unknown(t.name, p.partitionIndex))
        .map((p) => offsetToCommit(t.name, p, now)),
    );
    const txn = [req.transactionalId, req.groupId, req.producerId, req.producerEpoch] as const;
    const code = forVersion(
      28,
      header.apiVersion,
      broker.transactions.txnOffsetCommitError(...txn) ||
        broker.groups.offsetCommitError(req.groupId, req, true) ||
        broker.transactions.txnOffsetCommit(...txn, offsets),
    );
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: unknown(t.name, p.partitionIndex) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : code,
        })),
      })),
    };
  },
});
