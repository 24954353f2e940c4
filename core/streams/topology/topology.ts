// An immutable, validated processor graph: what the DSL built, what describe() shows and what
// the runner executes. Internal topic names (repartition, changelog) carry the application id,
// which Kafka Streams also adds only when the app runs; withApplicationId() binds it.
import { checkName, TopologyError } from './nodes.js';
import type { SinkNode, SourceNode, StoreSpec, TopologyNode } from './nodes.js';
import { describe, describeText } from './describe.js';
import type { TopologyDescription } from './describe.js';

/** The builder's output before any application id is known. */
export interface TopologyGraph {
  readonly nodes: readonly TopologyNode[];
  readonly children: ReadonlyMap<string, readonly string[]>;
  readonly stores: readonly Omit<StoreSpec, 'changelogTopic'>[];
}

/**
 * Nodes joined by edges or by a shared store. Each becomes one task per input partition, so a
 * repartition topic (sink in one, source in another) is where one sub-topology ends.
 */
export interface Subtopology {
  readonly id: number;
  readonly nodes: readonly TopologyNode[];
  readonly sourceTopics: readonly string[];
  readonly sinkTopics: readonly string[];
  readonly stores: readonly string[];
}

export class Topology {
  readonly applicationId: string | null;
  /** In creation order, which is also the order of the numbers in their names. */
  readonly nodes: readonly TopologyNode[];
  readonly subtopologies: readonly Subtopology[];
  readonly #graph: TopologyGraph;
  readonly #byName = new Map<string, TopologyNode>();
  readonly #parents = new Map<string, string[]>();
  readonly #stores: readonly StoreSpec[];

  /** Use StreamsBuilder.build(); this validates the graph so a Topology is always runnable. */
  constructor(graph: TopologyGraph, applicationId: string | null = null) {
    if (applicationId !== null) checkName('application id', applicationId);
    this.#graph = graph;
    this.applicationId = applicationId;
    const internal = (name: string) => (applicationId === null ? name : `${applicationId}-${name}`);
    this.nodes = Object.freeze(
      graph.nodes.map((node): TopologyNode => {
        if (node.kind === 'source' && node.repartition) return Object.freeze({ ...node, topics: Object.freeze(node.topics.map(internal)) });
        if (node.kind === 'sink' && node.repartition) return Object.freeze({ ...node, topic: internal(node.topic) });
        return Object.freeze({ ...node });
      }),
    );
    for (const node of this.nodes) {
      this.#byName.set(node.name, node);
      this.#parents.set(node.name, []);
    }
    for (const [parent, children] of graph.children) {
      for (const child of children) this.#parents.get(child)?.push(parent);
    }
    this.#stores = Object.freeze(
      graph.stores.map((store) =>
        Object.freeze({ ...store, changelogTopic: applicationId === null ? null : `${applicationId}-${store.name}-changelog` }),
      ),
    );
    this.#validate();
    this.subtopologies = Object.freeze(this.#computeSubtopologies());
  }

  withApplicationId(applicationId: string): Topology {
    return new Topology(this.#graph, applicationId);
  }

  node(name: string): TopologyNode {
    const node = this.#byName.get(name);
    if (node === undefined) throw new TopologyError(`no node named '${name}'`);
    return node;
  }

  children(name: string): readonly string[] {
    return this.#graph.children.get(name) ?? [];
  }

  parents(name: string): readonly string[] {
    return this.#parents.get(name) ?? [];
  }

  /** Every topic the app consumes, repartition topics included: the consumer's subscription. */
  sourceTopics(): string[] {
    return this.nodes.filter((n): n is SourceNode => n.kind === 'source').flatMap((n) => n.topics);
  }

  /** Every topic the app produces to, repartition topics included (changelogs are not sinks). */
  sinkTopics(): string[] {
    return [...new Set(this.nodes.filter((n): n is SinkNode => n.kind === 'sink').map((n) => n.topic))];
  }

  /** Topics the app owns and must create before it runs (besides the changelogs). */
  repartitionTopics(): string[] {
    return this.nodes.filter((n): n is SinkNode => n.kind === 'sink' && n.repartition).map((n) => n.topic);
  }

  stores(): readonly StoreSpec[] {
    return this.#stores;
  }

  store(name: string): StoreSpec {
    const store = this.#stores.find((s) => s.name === name);
    if (store === undefined) throw new TopologyError(`no store named '${name}'`);
    return store;
  }

  /** The sub-topology that reads a topic: which task type a record from it belongs to. */
  subtopologyOf(topic: string): Subtopology | undefined {
    return this.subtopologies.find((s) => s.sourceTopics.includes(topic));
  }

  describe(): TopologyDescription {
    return describe(this);
  }

  describeText(): string {
    return describeText(this.describe());
  }

  #validate(): void {
    if (!this.nodes.some((n) => n.kind === 'source')) {
      throw new TopologyError('the topology has no source: start with builder.stream(topic)');
    }
    // A record reaching a leaf that is neither a sink nor a store is lost without a trace, which
    // is almost always a forgotten .to(); Kafka Streams allows it, Streamwatch says so instead.
    const dangling = this.nodes.filter((n) => n.kind !== 'sink' && n.kind !== 'aggregate' && this.children(n.name).length === 0);
    if (dangling.length > 0) {
      const names = dangling.map((n) => `${n.name} (${n.kind})`).join(', ');
      throw new TopologyError(
        `records reaching ${names} go nowhere: end each stream with .to(topic) or an aggregation (count, reduce, aggregate)`,
      );
    }
  }

  #computeSubtopologies(): Subtopology[] {
    const root = new Map<string, string>(this.nodes.map((n) => [n.name, n.name]));
    const find = (name: string): string => {
      let r = name;
      while (root.get(r) !== r) r = root.get(r) ?? r;
      root.set(name, r);
      return r;
    };
    const union = (a: string, b: string) => root.set(find(a), find(b));
    for (const [parent, children] of this.#graph.children) for (const child of children) union(parent, child);
    const storeUser = new Map<string, string>();
    for (const node of this.nodes) {
      if (node.kind !== 'aggregate') continue;
      const other = storeUser.get(node.store);
      if (other === undefined) storeUser.set(node.store, node.name);
      else union(other, node.name);
    }
    // Numbered by their first node, so sub-topology 0 is the one the first stream() started.
    const groups = new Map<string, TopologyNode[]>();
    for (const node of this.nodes) {
      const group = groups.get(find(node.name)) ?? [];
      group.push(node);
      groups.set(find(node.name), group);
    }
    return [...groups.values()].map((nodes, id) =>
      Object.freeze({
        id,
        nodes: Object.freeze(nodes),
        sourceTopics: Object.freeze(nodes.flatMap((n) => (n.kind === 'source' ? n.topics : []))),
        sinkTopics: Object.freeze([...new Set(nodes.flatMap((n) => (n.kind === 'sink' ? [n.topic] : [])))]),
        stores: Object.freeze([...new Set(nodes.flatMap((n) => (n.kind === 'aggregate' ? [n.store] : [])))]),
      }),
    );
  }
}
