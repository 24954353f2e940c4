// KGroupedStream: records grouped by key, waiting for an aggregation into a named state store.
import type { RecordContext } from '../records.js';
import { Serdes } from '../serdes.js';
import type { Serde } from '../serdes.js';
import { resolveStoreArg, type StoreArg, type StoreType } from '../state/stores.js';
import type { StreamState } from './kstream.js';
import { KTable } from './ktable.js';
import { TopologyError } from './nodes.js';
import type { AggregateNode, AnySerde } from './nodes.js';

export class KGroupedStream<K, V> {
  readonly #s: StreamState;

  /** @internal Created by KStream.groupByKey() and groupBy(). */
  constructor(state: StreamState) {
    this.#s = state;
  }

  /**
   * Rows are counts, stored as 8-byte big-endian longs, as Kafka Streams stores them. The store is
   * a name (a persistent store) or a supplier: `Stores.inMemoryKeyValueStore(name)` for one in
   * memory (Kafka's `Materialized.as(supplier)`); the same goes for reduce and aggregate.
   */
  count(store: StoreArg): KTable<K, number> {
    return this.#aggregate('count', store, Serdes.Int64() as AnySerde, (_key, _value, current) => ((current as number | null) ?? 0) + 1);
  }

  /** The first value of a key is its row; each later value is combined with it. */
  reduce(reducer: (aggregate: V, value: V) => V, store: StoreArg, serdes: { value?: Serde<V> } = {}): KTable<K, V> {
    const valueSerde = (serdes.value as AnySerde | undefined) ?? this.#s.valueSerde;
    if (valueSerde === undefined) {
      const name = resolveStoreArg(store).name;
      throw new TopologyError(`reduce('${name}') needs a value serde for its store: the value type changed upstream; pass reduce(reducer, '${name}', { value: … })`);
    }
    return this.#aggregate('reduce', store, valueSerde, (_key, value, current) =>
      current === null ? value : reducer(current as V, value as V),
    );
  }

  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A, ctx: RecordContext) => A,
    store: StoreArg,
    serdes: { value: Serde<A> },
  ): KTable<K, A> {
    return this.#aggregate('aggregate', store, serdes.value as AnySerde, (key, value, current, ctx) =>
      aggregator(key as K, value as V, current === null ? initializer() : (current as A), ctx),
    );
  }

  #aggregate<A>(
    aggregation: AggregateNode['aggregation'],
    storeArg: StoreArg,
    storeValueSerde: AnySerde,
    apply: AggregateNode['apply'],
  ): KTable<K, A> {
    const { name: store, type }: { name: string; type: StoreType } = resolveStoreArg(storeArg);
    const { graph, keySerde } = this.#s;
    graph.checkStoreName(store);
    if (keySerde === undefined) {
      throw new TopologyError(
        `${aggregation}('${store}') needs a key serde for its store: the key type changed at ${this.#s.keyChangedBy ?? 'an upstream operation'}; pass groupByKey({ key: … })`,
      );
    }
    const parent = this.#s.keyChangedBy === null ? this.#s.node : this.#repartition(store, keySerde, aggregation);
    graph.addStore(store, keySerde, storeValueSerde, type);
    const name = graph.nextName(aggregation === 'reduce' ? 'KSTREAM-REDUCE' : 'KSTREAM-AGGREGATE');
    graph.add({ kind: 'aggregate', name, aggregation, store, apply }, parent);
    return new KTable<K, A>({ graph, node: name, keySerde, valueSerde: storeValueSerde, keyChangedBy: null }, store);
  }

  /**
   * Records re-keyed upstream are written to `<app>-<store>-repartition` and read back, so that
   * every record of a key reaches the task that owns the key's row. Null keys are dropped first:
   * they have no row to update. Names follow Kafka Streams' for a named store.
   */
  #repartition(store: string, keySerde: AnySerde, aggregation: string): string {
    const { graph, valueSerde } = this.#s;
    const topic = `${store}-repartition`;
    if (valueSerde === undefined) {
      throw new TopologyError(
        `${aggregation}('${store}') after a key change (${this.#s.keyChangedBy}) reads its records back through the repartition topic '${topic}', which needs a value serde: pass groupByKey({ key: …, value: … })`,
      );
    }
    const filter = `${topic}-filter`;
    const sink = `${topic}-sink`;
    const source = `${topic}-source`;
    graph.add({ kind: 'filter', name: filter, predicate: (key) => key !== null }, this.#s.node);
    graph.add({ kind: 'sink', name: sink, topic, keySerde, valueSerde, repartition: true }, filter);
    graph.add({ kind: 'source', name: source, topics: Object.freeze([topic]), keySerde, valueSerde, repartition: true });
    return source;
  }
}
