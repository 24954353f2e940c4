// KTable: the result of an aggregation, one row per key, held in a state store. Every update is
// emitted downstream at once (Kafka Streams with caching disabled), so toStream() yields one
// record per aggregated input record.
import { KStream } from './kstream.js';
import type { StreamState } from './kstream.js';

export class KTable<K, V> {
  readonly #s: StreamState;

  /** @internal Created by KGroupedStream's aggregations. */
  constructor(
    state: StreamState,
    /** The state store holding the rows, for interactive queries. */
    readonly storeName: string,
  ) {
    this.#s = state;
  }

  toStream(): KStream<K, V> {
    const name = this.#s.graph.nextName('KTABLE-TOSTREAM');
    this.#s.graph.add({ kind: 'toStream', name }, this.#s.node);
    return new KStream<K, V>({ ...this.#s, node: name });
  }
}
