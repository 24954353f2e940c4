// CreatePartitions (37) v0-1 (kafkajs 1, librdkafka 0, kafka-python 1). Grows a topic to `count`
// partitions; never shrinks. Assignments, if given, need one entry per new partition, each naming
// one node of the cluster: the new partition's leader. Any node takes it (KRaft forwards it).
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponseCreatePartitionsTopicResultInput,
  CreatePartitionsResponseInput,
} from '../../protocol/schema/generated/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { checkReplicaAssignment } from './19-create-topics.js';

/** Validates one topic's growth; returns the new partitions' manual leaders, if assigned. */
function check(broker: Broker, t: CreatePartitionsRequestCreatePartitionsTopic): number[] | undefined {
  const meta = broker.topics.get(t.name);
  if (!meta) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${t.name}' does not exist.`);
  if (t.count === meta.partitions) {
    throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${meta.partitions} partition(s).`);
  }
  broker.topics.checkAddPartitions(t.name, t.count);
  const added = t.count - meta.partitions;
  if (t.assignments !== null) {
    if (t.assignments.length !== added) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${added} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
      );
    }
    return t.assignments.map((a) => checkReplicaAssignment(a.brokerIds, broker.cluster.nodeIds));
  }
  return undefined;
}

export const createPartitions = defineHandler<CreatePartitionsRequest, CreatePartitionsResponseInput>({
  apiKey: 37,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { broker }) {
    const count = new Map<string, number>();
    for (const t of req.topics) count.set(t.name, (count.get(t.name) ?? 0) + 1);
    const reportedDuplicates = new Set<string>();
    const results: CreatePartitionsResponseCreatePartitionsTopicResultInput[] = [];
    for (const t of req.topics) {
      if (count.get(t.name)! > 1) {
        if (!reportedDuplicates.has(t.name)) {
          reportedDuplicates.add(t.name);
          results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        }
        continue;
      }
      try {
        const leaders = check(broker, t);
        if (!req.validateOnly) {
          broker.topics.addPartitions(t.name, t.count, leaders);
          broker.log('info', `topic ${t.name} now has ${t.count} partition(s)`);
        }
        results.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        results.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
