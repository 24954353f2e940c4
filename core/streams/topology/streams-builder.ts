// The entry point of the DSL, named as in Kafka Streams.
import type { Serde } from '../serdes.js';
import { GraphBuilder } from './graph-builder.js';
import { KStream } from './kstream.js';
import { TopologyError } from './nodes.js';
import type { AnySerde } from './nodes.js';
import { Topology } from './topology.js';

export interface BuildOptions {
  /** Prefixes repartition and changelog topic names; the runtime binds it if it is absent here. */
  applicationId?: string;
}

export class StreamsBuilder {
  readonly #graph = new GraphBuilder();

  /**
   * Records may arrive without a key or with a null value (a tombstone), so the stream's types
   * admit null; aggregations skip such records, as Kafka Streams does.
   */
  stream<K, V>(topics: string | readonly string[], serdes: { key: Serde<K>; value: Serde<V> }): KStream<K | null, V | null> {
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0) throw new TopologyError('stream() needs at least one topic');
    for (const topic of list) this.#graph.claimSourceTopic(topic);
    const name = this.#graph.nextName('KSTREAM-SOURCE');
    const keySerde = serdes.key as AnySerde;
    const valueSerde = serdes.value as AnySerde;
    this.#graph.add({ kind: 'source', name, topics: Object.freeze(list), keySerde, valueSerde, repartition: false });
    return new KStream({ graph: this.#graph, node: name, keySerde, valueSerde, keyChangedBy: null });
  }

  build(options: BuildOptions = {}): Topology {
    return new Topology(this.#graph.toGraph(), options.applicationId ?? null);
  }
}
