// describe(): the topology as plain JSON for the console's Topology view, and as text in the
// layout of Kafka Streams' Topology#describe(), so Kafka Streams users read it at a glance.
import type { AggregateNode, NodeKind, TopologyNode } from './nodes.js';
import type { Topology } from './topology.js';

export interface NodeDescription {
  name: string;
  kind: NodeKind;
  /** Sources: the topics read; sinks: the one topic written. */
  topics?: string[];
  /** Aggregations: the state store they read and write. */
  store?: string;
  aggregation?: AggregateNode['aggregation'];
  /** True for a repartition topic's source or sink. */
  repartition?: boolean;
  successors: string[];
  predecessors: string[];
}

export interface SubtopologyDescription {
  id: number;
  nodes: NodeDescription[];
}

export interface StoreDescription {
  name: string;
  kind: 'keyValue';
  changelogTopic: string | null;
  subtopology: number;
  processors: string[];
}

export interface TopologyDescription {
  applicationId: string | null;
  subtopologies: SubtopologyDescription[];
  stores: StoreDescription[];
}

export function describe(topology: Topology): TopologyDescription {
  const describeNode = (node: TopologyNode): NodeDescription => ({
    name: node.name,
    kind: node.kind,
    ...(node.kind === 'source' ? { topics: [...node.topics] } : {}),
    ...(node.kind === 'sink' ? { topics: [node.topic] } : {}),
    ...((node.kind === 'source' || node.kind === 'sink') && node.repartition ? { repartition: true } : {}),
    ...(node.kind === 'aggregate' ? { store: node.store, aggregation: node.aggregation } : {}),
    successors: [...topology.children(node.name)],
    predecessors: [...topology.parents(node.name)],
  });
  return {
    applicationId: topology.applicationId,
    subtopologies: topology.subtopologies.map((s) => ({ id: s.id, nodes: s.nodes.map(describeNode) })),
    stores: topology.stores().map((store) => {
      const users = topology.nodes.filter((n) => n.kind === 'aggregate' && n.store === store.name);
      return {
        name: store.name,
        kind: store.kind,
        changelogTopic: store.changelogTopic,
        subtopology: topology.subtopologies.find((s) => s.stores.includes(store.name))?.id ?? -1,
        processors: users.map((n) => n.name),
      };
    }),
  };
}

export function describeText(description: TopologyDescription): string {
  const lines = ['Topologies:'];
  description.subtopologies.forEach((subtopology, i) => {
    if (i > 0) lines.push('');
    lines.push(`   Sub-topology: ${subtopology.id}`);
    for (const node of subtopology.nodes) {
      const topics = `[${(node.topics ?? []).join(', ')}]`;
      if (node.kind === 'source') lines.push(`    Source: ${node.name} (topics: ${topics})`);
      else if (node.kind === 'sink') lines.push(`    Sink: ${node.name} (topic: ${node.topics?.[0] ?? ''})`);
      else lines.push(`    Processor: ${node.name} (stores: [${node.store ?? ''}])`);
      if (node.kind !== 'sink') lines.push(`      --> ${node.successors.length > 0 ? node.successors.join(', ') : 'none'}`);
      if (node.kind !== 'source') lines.push(`      <-- ${node.predecessors.length > 0 ? node.predecessors.join(', ') : 'none'}`);
    }
  });
  return `${lines.join('\n')}\n`;
}
