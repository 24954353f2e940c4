// The mutable graph behind one StreamsBuilder. The DSL classes add to it; build() copies it into
// an immutable Topology, so later DSL calls cannot change a topology already handed out.
import { checkName, TopologyError } from './nodes.js';
import type { AnySerde, StoreSpec, TopologyNode } from './nodes.js';
import type { TopologyGraph } from './topology.js';
import type { StoreType } from '../state/stores.js';

export class GraphBuilder {
  #counter = 0;
  readonly #nodes: TopologyNode[] = [];
  readonly #children = new Map<string, string[]>();
  readonly #stores: Omit<StoreSpec, 'changelogTopic'>[] = [];
  readonly #sourceTopics = new Set<string>();

  /** Kafka Streams' names: one counter for the whole topology, ten digits. */
  nextName(prefix: string): string {
    return `${prefix}-${String(this.#counter++).padStart(10, '0')}`;
  }

  add(node: TopologyNode, parent?: string): void {
    if (this.#children.has(node.name)) throw new TopologyError(`a node named '${node.name}' already exists`);
    this.#nodes.push(node);
    this.#children.set(node.name, []);
    if (parent !== undefined) this.#children.get(parent)?.push(node.name);
  }

  /** A record is read by one source, so a topic may be subscribed once (as in Kafka Streams). */
  claimSourceTopic(topic: string): void {
    checkName('topic name', topic);
    if (this.#sourceTopics.has(topic)) throw new TopologyError(`topic '${topic}' is already read by another stream() of this topology`);
    this.#sourceTopics.add(topic);
  }

  /** Store names become changelog topic names, so they must be unique and legal topic names. */
  checkStoreName(name: string): void {
    checkName('store name', name);
    if (this.#stores.some((s) => s.name === name)) throw new TopologyError(`a state store named '${name}' already exists`);
  }

  addStore(name: string, keySerde: AnySerde, valueSerde: AnySerde, type: StoreType = 'persistent'): void {
    this.checkStoreName(name);
    this.#stores.push({ name, kind: 'keyValue', type, keySerde, valueSerde });
  }

  toGraph(): TopologyGraph {
    return {
      nodes: [...this.#nodes],
      children: new Map([...this.#children].map(([name, children]) => [name, Object.freeze([...children])])),
      stores: [...this.#stores],
    };
  }
}
