// The topology as data: the nodes the DSL creates and the stores they use. Values are `unknown`
// here because one graph holds every stage's types; the DSL (builder.ts) is where they are
// checked, and the runner only passes along what one stage produced to the next.
import type { Serde } from '../serdes.js';
import type { RecordContext } from '../records.js';
import type { StoreType } from '../state/stores.js';

export type AnySerde = Serde<unknown>;
export type KeyValue<K, V> = readonly [K, V];

export type ProcessorKind =
  | 'filter'
  | 'map'
  | 'selectKey'
  | 'flatMap'
  | 'mapValues'
  | 'flatMapValues'
  | 'peek'
  | 'aggregate'
  | 'toStream';
export type NodeKind = 'source' | 'sink' | ProcessorKind;

export interface SourceNode {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: readonly string[];
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
  /** Reads a repartition topic, whose name gets the application id as prefix. */
  readonly repartition: boolean;
}

export interface SinkNode {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string;
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
  readonly repartition: boolean;
}

type Fn<A extends unknown[], R> = (...args: A) => R;
type K = unknown;
type V = unknown;
type Ctx = RecordContext;

export type ProcessorNode =
  | { readonly kind: 'filter'; readonly name: string; readonly predicate: Fn<[K, V, Ctx], boolean> }
  | { readonly kind: 'map'; readonly name: string; readonly mapper: Fn<[K, V, Ctx], KeyValue<K, V>> }
  | { readonly kind: 'selectKey'; readonly name: string; readonly selector: Fn<[K, V, Ctx], K> }
  | { readonly kind: 'flatMap'; readonly name: string; readonly mapper: Fn<[K, V, Ctx], Iterable<KeyValue<K, V>>> }
  | { readonly kind: 'mapValues'; readonly name: string; readonly mapper: Fn<[V, K, Ctx], V> }
  | { readonly kind: 'flatMapValues'; readonly name: string; readonly mapper: Fn<[V, K, Ctx], Iterable<V>> }
  | { readonly kind: 'peek'; readonly name: string; readonly action: Fn<[K, V, Ctx], void> }
  | AggregateNode
  | { readonly kind: 'toStream'; readonly name: string };

/**
 * count, reduce and aggregate are one processor: read the key's row, compute the next, write it,
 * emit it. `current` is null when the key has no row yet; each operation supplies its own start.
 */
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly name: string;
  readonly aggregation: 'count' | 'reduce' | 'aggregate';
  readonly store: string;
  readonly apply: (key: K, value: V, current: unknown, ctx: Ctx) => unknown;
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

export interface StoreSpec {
  readonly name: string;
  readonly kind: 'keyValue';
  /** 'persistent' (lmdb in the task's directory; the default, as RocksDB is Kafka's) or 'inMemory'. */
  readonly type: StoreType;
  /** `<applicationId>-<store>-changelog`; null until the topology knows its application id. */
  readonly changelogTopic: string | null;
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
}

/** What node names and store names become part of; Kafka's rule for topic names. */
export const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
export const MAX_NAME_LENGTH = 249;

export function checkName(what: string, name: string): void {
  if (name.length === 0) throw new TopologyError(`${what} must not be empty`);
  if (name.length > MAX_NAME_LENGTH) throw new TopologyError(`${what} '${name}' is longer than ${MAX_NAME_LENGTH} characters`);
  if (!LEGAL_NAME.test(name)) {
    throw new TopologyError(`${what} '${name}' may contain only ASCII letters, digits, '.', '_' and '-'`);
  }
}

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}
