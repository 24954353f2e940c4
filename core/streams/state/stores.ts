// Kafka Streams' Stores factory, for the key-value stores of count / reduce / aggregate: a
// store is persistent by default (Kafka's default is RocksDB; here lmdb, in the task's directory
// under the state dir) or in memory when chosen so. Pass a supplier where a store name goes:
//
//   .count(Stores.inMemoryKeyValueStore('counts'))      // in memory, restored from the changelog
//   .count('counts')                                   // persistent, the same as
//   .count(Stores.persistentKeyValueStore('counts'))
//
// Either way the store has a changelog; a persistent store also survives a restart, so only the
// changelog written after its checkpoint is restored.
import { InMemoryKeyValueStore, type KeyValueStore } from './key-value-store.js';
import { LmdbKeyValueStore } from './lmdb-key-value-store.js';

export type StoreType = 'persistent' | 'inMemory';

export interface KeyValueStoreSupplier {
  readonly name: string;
  readonly type: StoreType;
  readonly persistent: boolean;
  /**
   * Opens the store; a persistent store keeps its data in `dir` (its own directory under the
   * task's), which it needs.
   */
  get(dir: string | null): KeyValueStore;
}

function supplier(name: string, type: StoreType): KeyValueStoreSupplier {
  return Object.freeze({
    name,
    type,
    persistent: type === 'persistent',
    get(dir: string | null): KeyValueStore {
      if (type === 'inMemory') return new InMemoryKeyValueStore(name);
      if (dir === null) throw new Error(`persistent store '${name}' needs a directory`);
      return new LmdbKeyValueStore(name, dir);
    },
  });
}

export const Stores = {
  /** A store on disk (lmdb), kept across restarts; the default for a store given by name. */
  persistentKeyValueStore(name: string): KeyValueStoreSupplier {
    return supplier(name, 'persistent');
  },
  /** A store in memory: empty after a restart, restored from its changelog. */
  inMemoryKeyValueStore(name: string): KeyValueStoreSupplier {
    return supplier(name, 'inMemory');
  },
  /** The supplier of a store declared with this type. */
  keyValueStore(name: string, type: StoreType): KeyValueStoreSupplier {
    return supplier(name, type);
  },
} as const;

/** A store given by name (persistent, Kafka's default) or by supplier. */
export type StoreArg = string | KeyValueStoreSupplier;

export function resolveStoreArg(store: StoreArg): { name: string; type: StoreType } {
  return typeof store === 'string' ? { name: store, type: 'persistent' } : { name: store.name, type: store.type };
}
