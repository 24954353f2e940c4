// A member's assignment from DescribeGroups, decoded with the consumer protocol. Anything else
// (Connect workers, a broker mid-rebalance sending no bytes, garbage) is an empty assignment.
import { AssignerProtocol } from 'kafkajs';

export type TopicPartitions = { topic: string; partitions: number[] }[];

export function decodeAssignment(protocolType: string, data: Buffer | null | undefined): TopicPartitions {
  if (protocolType !== 'consumer' || !data || data.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(data);
    if (!decoded) return [];
    return Object.entries(decoded.assignment)
      .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  } catch {
    return [];
  }
}
