// Metadata (3) v0-6 (kafkajs uses 6, librdkafka 4, kafka-python 0/1/5). Lists every node at its
// address on the listener the request came in through (Kafka's rule for advertised listeners),
// a controller, and each partition's leader (replicas = ISR = [leader]: no replication). Unknown
// topics are created when auto-creation is on and the request allows it (v4+ field), as Kafka's
// auto.create.topics.enable does.
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type {
  MetadataRequest,
  MetadataResponseInput,
  MetadataResponseMetadataResponseTopicInput,
} from '../../protocol/schema/generated/index.js';
import type { Broker } from '../broker.js';
import { defineHandler, type RequestContext } from '../handler.js';
import { LEADER_EPOCH } from '../topics.js';

function describeTopic(broker: Broker, name: string): MetadataResponseMetadataResponseTopicInput {
  const meta = broker.topics.get(name)!;
  return {
    errorCode: 0,
    name,
    topicId: meta.id,
    isInternal: meta.internal,
    partitions: broker.topics.partitions(name).map((p) => {
      const leader = broker.cluster.leaderOf(name, p.index);
      return {
        errorCode: 0,
        partitionIndex: p.index,
        leaderId: leader,
        leaderEpoch: LEADER_EPOCH,
        replicaNodes: [leader],
        isrNodes: [leader],
        offlineReplicas: [],
      };
    }),
  };
}

export const metadata = defineHandler<MetadataRequest, MetadataResponseInput>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 6,
  handle(req, ctx) {
    const { broker, header } = ctx;
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
    return {
      throttleTimeMs: 0,
      brokers: brokersOn(ctx),
      clusterId: broker.topics.clusterId,
      controllerId: broker.cluster.controllerId,
      topics,
    };
  },
});

/** Every node that has a listener of the name the client came in through, at that listener's address. */
function brokersOn(ctx: RequestContext) {
  return ctx.broker.cluster.nodes.flatMap((n) => {
    const at = ctx.broker.cluster.endpoint(n.nodeId, ctx.listener.name);
    return at ? [{ nodeId: n.nodeId, host: at.host, port: at.port, rack: null }] : [];
  });
}
