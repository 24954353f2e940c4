// KStream: a record stream, typed end to end. Each operation adds one processor node and returns
// a new KStream over it. The stream also remembers the serdes that still fit its types (an
// operation that changes a type forgets them), so to() and groupByKey() need serdes only where
// the types changed — Kafka Streams' default serdes, without the runtime surprises.
import type { RecordContext } from '../records.js';
import type { Serde } from '../serdes.js';
import type { GraphBuilder } from './graph-builder.js';
import { KGroupedStream } from './kgrouped-stream.js';
import { checkName, TopologyError } from './nodes.js';
import type { AnySerde, KeyValue, ProcessorNode } from './nodes.js';

/** @internal What a DSL object knows about the node it stands for. */
export interface StreamState {
  readonly graph: GraphBuilder;
  readonly node: string;
  readonly keySerde: AnySerde | undefined;
  readonly valueSerde: AnySerde | undefined;
  /** The last operation that changed the key: records may now sit in the wrong partition for it. */
  readonly keyChangedBy: string | null;
}

// The graph stores functions over unknown values; the DSL signatures above are what type them.
type Erased<F> = F extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: unknown }) => R : never;

export class KStream<K, V> {
  readonly #s: StreamState;

  /** @internal Streams start at StreamsBuilder.stream() or KTable.toStream(). */
  constructor(state: StreamState) {
    this.#s = state;
  }

  filter<V2 extends V>(predicate: (key: K, value: V, ctx: RecordContext) => value is V2): KStream<K, V2>;
  filter(predicate: (key: K, value: V, ctx: RecordContext) => boolean): KStream<K, V>;
  filter(predicate: (key: K, value: V, ctx: RecordContext) => boolean): KStream<K, V> {
    return this.#add('KSTREAM-FILTER', (name) => ({ kind: 'filter', name, predicate: predicate as Erased<typeof predicate> }), {});
  }

  /** Changes the key: a later groupByKey() repartitions. */
  map<K2, V2>(mapper: (key: K, value: V, ctx: RecordContext) => KeyValue<K2, V2>): KStream<K2, V2> {
    return this.#add('KSTREAM-MAP', (name) => ({ kind: 'map', name, mapper: mapper as Erased<typeof mapper> }), {
      keyChanged: true,
      valueChanged: true,
    });
  }

  /** Changes the key: a later groupByKey() repartitions. */
  selectKey<K2>(selector: (key: K, value: V, ctx: RecordContext) => K2): KStream<K2, V> {
    return this.#add('KSTREAM-KEY-SELECT', (name) => ({ kind: 'selectKey', name, selector: selector as Erased<typeof selector> }), {
      keyChanged: true,
    });
  }

  /** Changes the key: a later groupByKey() repartitions. */
  flatMap<K2, V2>(mapper: (key: K, value: V, ctx: RecordContext) => Iterable<KeyValue<K2, V2>>): KStream<K2, V2> {
    return this.#add('KSTREAM-FLATMAP', (name) => ({ kind: 'flatMap', name, mapper: mapper as Erased<typeof mapper> }), {
      keyChanged: true,
      valueChanged: true,
    });
  }

  /** The value comes first so that the common one-argument mapper reads naturally. */
  mapValues<V2>(mapper: (value: V, key: K, ctx: RecordContext) => V2): KStream<K, V2> {
    return this.#add('KSTREAM-MAPVALUES', (name) => ({ kind: 'mapValues', name, mapper: mapper as Erased<typeof mapper> }), {
      valueChanged: true,
    });
  }

  flatMapValues<V2>(mapper: (value: V, key: K, ctx: RecordContext) => Iterable<V2>): KStream<K, V2> {
    return this.#add('KSTREAM-FLATMAPVALUES', (name) => ({ kind: 'flatMapValues', name, mapper: mapper as Erased<typeof mapper> }), {
      valueChanged: true,
    });
  }

  peek(action: (key: K, value: V, ctx: RecordContext) => void): KStream<K, V> {
    return this.#add('KSTREAM-PEEK', (name) => ({ kind: 'peek', name, action: action as Erased<typeof action> }), {});
  }

  /**
   * Groups by the current key. After a key-changing operation the records are not partitioned by
   * that key, so the aggregation reads them back through a repartition topic, as in Kafka Streams;
   * that topic needs both serdes.
   */
  groupByKey(serdes: { key?: Serde<NonNullable<K>>; value?: Serde<NonNullable<V>> } = {}): KGroupedStream<NonNullable<K>, NonNullable<V>> {
    return new KGroupedStream({
      graph: this.#s.graph,
      node: this.#s.node,
      keySerde: (serdes.key as AnySerde | undefined) ?? this.#s.keySerde,
      valueSerde: (serdes.value as AnySerde | undefined) ?? this.#s.valueSerde,
      keyChangedBy: this.#s.keyChangedBy,
    });
  }

  /** selectKey(selector).groupByKey(serdes): Kafka Streams' word-count idiom. */
  groupBy<K2>(
    selector: (key: K, value: V, ctx: RecordContext) => K2,
    serdes: { key?: Serde<NonNullable<K2>>; value?: Serde<NonNullable<V>> } = {},
  ): KGroupedStream<NonNullable<K2>, NonNullable<V>> {
    return this.selectKey(selector).groupByKey(serdes);
  }

  /** Serdes default to the ones the stream still knows; the error says which one is missing. */
  to(topic: string, serdes: { key?: Serde<NonNullable<K>>; value?: Serde<NonNullable<V>> } = {}): void {
    checkName('topic name', topic);
    const keySerde = (serdes.key as AnySerde | undefined) ?? this.#s.keySerde;
    const valueSerde = (serdes.value as AnySerde | undefined) ?? this.#s.valueSerde;
    const missing = [keySerde === undefined ? 'key' : null, valueSerde === undefined ? 'value' : null].filter((m) => m !== null);
    if (keySerde === undefined || valueSerde === undefined) {
      throw new TopologyError(
        `to('${topic}') needs a ${missing.join(' and a ')} serde: the type changed upstream of it; pass to('${topic}', { ${missing.map((m) => `${m}: …`).join(', ')} })`,
      );
    }
    const name = this.#s.graph.nextName('KSTREAM-SINK');
    this.#s.graph.add({ kind: 'sink', name, topic, keySerde, valueSerde, repartition: false }, this.#s.node);
  }

  #add<K2, V2>(
    prefix: string,
    make: (name: string) => ProcessorNode,
    change: { keyChanged?: true; valueChanged?: true },
  ): KStream<K2, V2> {
    const name = this.#s.graph.nextName(prefix);
    this.#s.graph.add(make(name), this.#s.node);
    return new KStream<K2, V2>({
      graph: this.#s.graph,
      node: name,
      keySerde: change.keyChanged ? undefined : this.#s.keySerde,
      valueSerde: change.valueChanged ? undefined : this.#s.valueSerde,
      keyChangedBy: change.keyChanged ? name : this.#s.keyChangedBy,
    });
  }
}
