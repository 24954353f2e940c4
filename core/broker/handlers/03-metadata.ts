// Metadata (3) v0-6 (kafkajs uses 6, librdkafka 4, kafka-python 0/1/5). This node is every
// partition's leader and the controller. Unknown topics are created when auto-creation is on
// and the request allows it (v4+ field), as Kafka's auto.create.topics.enable does.
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  MetadataRequest,
  MetadataResponseInput,
  MetadataResponseMetadataResponseTopicInput,
} from '../../protocol/schema/generated/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { LEADER_EPOCH } from '../topics.js';

function describeTopic(broker: Broker, name: string): MetadataResponseMetadataResponseTopicInput {
  const meta = broker.topics.get(name)!;
  const id = broker.options.nodeId;
  return {
    errorCode: 0,
    name,
    topicId: meta.id,
    isInternal: meta.internal,
    partitions: broker.topics.partitions(name).map((p) => ({
      errorCode: 0,
      partitionIndex: p.index,
      leaderId: id,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [id],
      isrNodes: [id],
      offlineReplicas: [],
    })),
  };
}

export const metadata = defineHandler<MetadataRequest, MetadataResponseInput>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 6,
  handle(req, { broker, header }) {
    const all = req.topics === null || (header.apiVersion === 0 && req.topics.length === 0);
    const names = all ? broker.topics.list().map((t) => t.name) : req.topics!.map((t) => t.name ?? '');
    const autoCreate = broker.options.autoCreateTopics && (header.apiVersion < 4 || req.allowAutoTopicCreation);
    const topics = names.map((name): MetadataResponseMetadataResponseTopicInput => {
      if (!broker.topics.get(name)) {
        if (!autoCreate) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
        try {
          broker.topics.create(name, broker.options.defaultPartitions);
          broker.log('info', `auto-created topic ${name} with ${broker.options.defaultPartitions} partition(s)`);
        } catch (e) {
          if (e instanceof KafkaError) return { errorCode: e.code, name, partitions: [] };
          throw e;
        }
      }
      return describeTopic(broker, name);
    });
    const { host, port } = broker.advertised;
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.options.nodeId, host, port, rack: null }],
      clusterId: broker.topics.clusterId,
      controllerId: broker.options.nodeId,
      topics,
    };
  },
});
