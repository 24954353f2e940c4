// CreateTopics (19) v0-4 (kafkajs 3, librdkafka 4, kafka-python 3). Any node takes it (KRaft
// brokers forward it to the controller). No replication: replication factor -1 or 1, and a manual
// assignment names one node per partition, its leader; validateOnly (v1+) checks without creating.
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponseCreatableTopicResultInput,
  CreateTopicsResponseInput,
} from '../../protocol/schema/generated/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { topicNameProblem } from '../topics.js';

/**
 * Checks one partition's replica list against the cluster's nodes (Kafka's
 * validateManualPartitionAssignment) and returns its leader. Shared with CreatePartitions.
 */
export function checkReplicaAssignment(brokerIds: readonly number[], nodeIds: readonly number[]): number {
  if (brokerIds.length === 0) {
    throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.');
  }
  const seen = new Set<number>();
  for (const id of brokerIds) {
    if (seen.has(id)) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The manual partition assignment includes the broker ${id} more than once.`,
      );
    }
    seen.add(id);
    if (!nodeIds.includes(id)) {
      throw new KafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The manual partition assignment includes broker ${id}, but no such broker is registered.`,
      );
    }
  }
  if (brokerIds.length > 1) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      `The manual partition assignment names ${brokerIds.length} replicas, but the embedded broker keeps one per partition (no replication).`,
    );
  }
  return brokerIds[0]!;
}

/** The partition count a request asks for, and its manual leaders, after the replication and assignment checks. */
function partitionCount(broker: Broker, t: CreateTopicsRequestCreatableTopic): { partitions: number; leaders?: number[] } {
  if (t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      );
    }
    const indices = new Set<number>();
    const leaders: number[] = [];
    for (const a of t.assignments) {
      if (indices.has(a.partitionIndex)) {
        throw new KafkaError(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Found multiple manual partition assignments for partition ${a.partitionIndex}`,
        );
      }
      indices.add(a.partitionIndex);
      leaders[a.partitionIndex] = checkReplicaAssignment(a.brokerIds, broker.cluster.nodeIds);
    }
    for (let i = 0; i < indices.size; i++) {
      if (!indices.has(i)) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
      }
    }
    return { partitions: indices.size, leaders };
  }
  if (t.replicationFactor === 0 || t.replicationFactor < -1) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  }
  const brokers = broker.cluster.nodeIds.length;
  if (t.replicationFactor > brokers) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${t.replicationFactor} larger than available brokers: ${brokers}.`,
    );
  }
  if (t.replicationFactor > 1) {
    throw new KafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Replication factor: ${t.replicationFactor}: the embedded broker keeps one replica per partition (no replication).`,
    );
  }
  return { partitions: t.numPartitions === -1 ? broker.options.defaultPartitions : t.numPartitions };
}

/** Validates one topic and returns what to create; throws the KafkaError Kafka would answer with. */
function plan(broker: Broker, t: CreateTopicsRequestCreatableTopic): { partitions: number; leaders?: number[]; configs: Record<string, string> } {
  const bad = topicNameProblem(t.name);
  if (bad) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, bad);
  if (broker.topics.get(t.name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
  // '.' and '_' collide in metric names, so Kafka refuses a topic that differs only there.
  const canonical = t.name.replaceAll('.', '_');
  const colliding = broker.topics.list().filter((m) => m.name.replaceAll('.', '_') === canonical);
  if (colliding.length > 0) {
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic '${t.name}' collides with existing topics: ${colliding.map((m) => m.name).join(', ')}`,
    );
  }
  const { partitions, leaders } = partitionCount(broker, t);
  const nulls = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`);
  }
  const configs: Record<string, string> = {};
  for (const c of t.configs) configs[c.name] = c.value!;
  broker.topics.checkCreate(t.name, partitions, configs);
  return leaders ? { partitions, leaders, configs } : { partitions, configs };
}

export const createTopics = defineHandler<CreateTopicsRequest, CreateTopicsResponseInput>({
  apiKey: 19,
  minVersion: 0,
  maxVersion: 4,
  handle(req, { broker, header }) {
    const validateOnly = header.apiVersion >= 1 && req.validateOnly;
    const seen = new Map<string, number>();
    for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const reportedDuplicates = new Set<string>();
    const topics: CreateTopicsResponseCreatableTopicResultInput[] = [];
    for (const t of req.topics) {
      if (seen.get(t.name)! > 1) {
        // Like Kafka: one INVALID_REQUEST result per repeated name, and none of its entries created.
        if (!reportedDuplicates.has(t.name)) {
          reportedDuplicates.add(t.name);
          topics.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        }
        continue;
      }
      try {
        const { partitions, leaders, configs } = plan(broker, t);
        if (!validateOnly) {
          broker.topics.create(t.name, partitions, configs, false, leaders);
          broker.log('info', `created topic ${t.name} with ${partitions} partition(s)`);
        }
        topics.push({ name: t.name, errorCode: 0, errorMessage: null });
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        topics.push({ name: t.name, errorCode: e.code, errorMessage: e.message });
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
