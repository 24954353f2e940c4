// The nodes of the embedded cluster and who leads what. One process serves N nodes (ids
// first..first+N-1) over one shared state; a node is only a set of listeners plus the partitions
// it leads and the groups / transactional ids it coordinates, so clients must route as they would
// against a real multi-broker cluster. Storage is shared, so there is no replication (RF = 1).
import { javaStringHash, OFFSETS_TOPIC, offsetsPartitionFor } from './groups/offset-store.js';
import { TXN_TOPIC } from './transactions/coordinator.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SASL_PLAINTEXT';

export interface BrokerAddress {
  host: string;
  port: number;
}

/** One bound listener of one node. Its name is what Metadata matches on (Kafka's listener name). */
export interface Listener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  readonly nodeId: number;
  /** The address actually bound. */
  readonly bound: BrokerAddress;
  /** What Metadata and FindCoordinator tell clients to dial (Kafka's advertised.listeners). */
  readonly advertised: BrokerAddress;
}

export interface BrokerNode {
  readonly nodeId: number;
  readonly listeners: Listener[];
}

export class Cluster {
  readonly nodeIds: readonly number[];
  /** Filled by startBroker as listeners bind; Metadata lists the nodes from here. */
  readonly nodes: BrokerNode[] = [];

  constructor(
    firstNodeId: number,
    count: number,
    /** Partition counts of the coordinators' topics (offsets.topic.num.partitions, transaction.state.log.num.partitions). */
    private readonly offsetsPartitions: number,
    private readonly txnPartitions: number,
    /** The leader a manual replica assignment named, if any. */
    private readonly assignedLeader: (topic: string, partition: number) => number | null | undefined = () => undefined,
  ) {
    this.nodeIds = Array.from({ length: count }, (_, i) => firstNodeId + i);
  }

  /**
   * KRaft brokers answer Metadata with a random live broker as "controller" (the real controller
   * is not reachable by clients, and any broker forwards admin requests to it); we name the first
   * node, so the answer is stable.
   */
  get controllerId(): number {
    return this.nodeIds[0]!;
  }

  /**
   * The leader of a partition: the first replica of a manual assignment when it names a node of
   * this cluster, otherwise what Kafka's replica placement picks for replication factor 1:
   * round-robin over the brokers from a start index (AdminUtils.assignReplicasToBrokers). Kafka
   * draws the start at random; ours comes from the topic name, so a topic keeps its leaders
   * across restarts and every node agrees.
   */
  leaderOf(topic: string, partition: number): number {
    const assigned = this.assignedLeader(topic, partition);
    if (assigned != null && this.nodeIds.includes(assigned)) return assigned;
    const n = this.nodeIds.length;
    const start = ((javaStringHash(topic) % n) + n) % n;
    return this.nodeIds[(start + partition) % n]!;
  }

  /** The group coordinator: the leader of the group's __consumer_offsets partition. */
  groupCoordinator(groupId: string): number {
    return this.leaderOf(OFFSETS_TOPIC, offsetsPartitionFor(groupId, this.offsetsPartitions));
  }

  /** The transaction coordinator: the leader of the id's __transaction_state partition. */
  transactionCoordinator(transactionalId: string): number {
    return this.leaderOf(TXN_TOPIC, offsetsPartitionFor(transactionalId, this.txnPartitions));
  }

  node(nodeId: number): BrokerNode | undefined {
    return this.nodes.find((n) => n.nodeId === nodeId);
  }

  /** Where a client that came in through `listenerName` reaches `nodeId` (Kafka: same listener name). */
  endpoint(nodeId: number, listenerName: string): BrokerAddress | undefined {
    return this.node(nodeId)?.listeners.find((l) => l.name === listenerName)?.advertised;
  }
}
