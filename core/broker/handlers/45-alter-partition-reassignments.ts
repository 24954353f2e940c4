// AlterPartitionReassignments (45) v0-1 (v1: AllowReplicationFactorChange, KIP-860, Kafka 4.0).
// Kafka's controller answers per partition (ReplicationControlManager.alterPartitionReassignments);
// so do we, with its checks and messages. What a reassignment means here: every node reads the
// same storage and a partition has one replica, its leader, so moving a partition to another
// node only names that node as leader. It completes at once, never stays in progress (so a
// cancellation is always NO_REASSIGNMENT_IN_PROGRESS), and more than one replica is refused, as
// CreateTopics refuses it. Any node takes the request (KRaft brokers forward it to the controller).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsRequestReassignablePartition,
  AlterPartitionReassignmentsResponseInput,
} from '../../protocol/schema/generated/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { checkReplicaAssignment } from './19-create-topics.js';

/** Kafka's Errors.NO_REASSIGNMENT_IN_PROGRESS.message(), which cancelPartitionReassignment sends. */
const NO_REASSIGNMENT = 'No partition reassignment is in progress.';

/** One partition, as ReplicationControlManager.alterPartitionReassignment checks it; the new leader or null. */
function reassign(broker: Broker, topic: string, target: AlterPartitionReassignmentsRequestReassignablePartition, allowRfChange: boolean): number | null {
  const meta = broker.topics.get(topic);
  if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${topic}.`);
  const index = target.partitionIndex;
  if (index < 0 || index >= meta.partitions) {
    throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${topic}:${index}.`);
  }
  if (target.replicas === null) throw new KafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, NO_REASSIGNMENT);
  const nodes = broker.cluster.nodeIds;
  const replicas = target.replicas;
  const valid = replicas.length > 0 && new Set(replicas).size === replicas.length && replicas.every((id) => nodes.includes(id));
  if (valid && !allowRfChange && replicas.length !== 1) {
    // KIP-860: the caller asked to keep the replication factor, which is 1 here. (Message ours.)
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `The reassignment of ${topic}:${index} would change its replication factor from 1 to ${replicas.length}, and AllowReplicationFactorChange is false.`,
    );
  }
  const leader = checkReplicaAssignment(replicas, nodes);
  return leader === broker.cluster.leaderOf(topic, index) ? null : leader;
}

export const alterPartitionReassignments = defineHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponseInput>({
  apiKey: 45,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { broker }) {
    let done = 0;
    let total = 0;
    const responses = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        total++;
        try {
          const leader = reassign(broker, t.name, p, req.allowReplicationFactorChange);
          if (leader !== null) {
            broker.topics.setLeader(t.name, p.partitionIndex, leader);
            broker.log('info', `partition ${t.name}-${p.partitionIndex} reassigned to node ${leader} (shared storage: done at once)`);
          }
          done++;
          return { partitionIndex: p.partitionIndex, errorCode: 0, errorMessage: null };
        } catch (e) {
          if (!(e instanceof KafkaError)) throw e;
          return { partitionIndex: p.partitionIndex, errorCode: e.code, errorMessage: e.message };
        }
      }),
    }));
    if (total > 0) broker.log('info', `Successfully altered ${done} out of ${total} partition reassignment(s).`);
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: req.allowReplicationFactorChange,
      errorCode: 0,
      errorMessage: null,
      responses,
    };
  },
});
