// TxnOffsetCommit (28) v0-4 (v3+ flexible), in the order of Kafka 4.x's KafkaApis and group
// coordinator: unknown topics and partitions are answered UNKNOWN_TOPIC_OR_PARTITION by
// themselves; an empty group id is INVALID_GROUP_ID; any node but the group's coordinator
// answers NOT_COORDINATOR; then the transaction is verified with the transaction coordinator
// (every version: transaction.partition.verification.enable is on by default, and v0-3 differ
// from v4 only in the error for a group that AddOffsetsToTxn did not add); then the group checks
// the member (v3+ member id, generation and group_instance_id); then the offsets are held until
// the transaction ends. v5 (transaction version 2, where the commit adds the group itself) is not
// offered: this broker has no transaction version 2.
import { ErrorCode } from '../../protocol/errors.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponseInput } from '../../protocol/schema/generated/index.js';
import { offsetToCommit } from '../groups/offset-store.js';
import { coordinatesGroupHere, defineHandler } from '../handler.js';
import { forVersion } from './txn-errors.js';

export const txnOffsetCommit = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponseInput>({
  apiKey: 28,
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { broker, header } = ctx;
    const unknown = (topic: string, p: number) => !broker.topics.partition(topic, p);
    const known = req.topics.flatMap((t) => t.partitions.filter((p) => !unknown(t.name, p.partitionIndex)).map((p) => ({ t, p })));
    const code = (): number => {
      if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
      if (!coordinatesGroupHere(ctx, req.groupId)) return ErrorCode.NOT_COORDINATOR;
      const verified = broker.transactions.verifyTxnOffsetCommit(req.transactionalId, req.groupId, req.producerId, req.producerEpoch);
      if (verified !== 0) return forVersion(28, header.apiVersion, verified);
      const denied = broker.groups.offsetCommitError(req.groupId, req, true);
      if (denied !== 0) return denied;
      const now = broker.now();
      broker.transactions.holdOffsets(req.transactionalId, req.groupId, known.map(({ t, p }) => offsetToCommit(t.name, p, now)));
      return 0;
    };
    // Kafka asks the coordinator nothing when every partition is unknown.
    const result = known.length > 0 ? code() : 0;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: unknown(t.name, p.partitionIndex) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : result,
        })),
      })),
    };
  },
});
