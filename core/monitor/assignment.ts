// A member's assignment from DescribeGroups, decoded with the consumer protocol (the project's
// one decoder, core/protocol/consumer-protocol.ts). Anything else (Connect workers, a broker
// mid-rebalance sending no bytes, garbage) is an empty assignment.
import { decodeAssignment as decodeConsumerAssignment, groupByTopic } from '../protocol/consumer-protocol.js';

export type TopicPartitions = { topic: string; partitions: number[] }[];

export function decodeAssignment(protocolType: string, data: Buffer | null | undefined): TopicPartitions {
  if (protocolType !== 'consumer' || !data || data.length === 0) return [];
  const decoded = decodeConsumerAssignment(data);
  return decoded ? groupByTopic(decoded.partitions) : [];
}
