// Key-value state stores hold bytes, as Kafka Streams' inner stores do: serdes live in the
// processor that uses the store, so the same bytes can go to the changelog topic unchanged and
// be restored from it without knowing the types.

export interface KeyValueStore {
  readonly name: string;
  get(key: Buffer): Buffer | null;
  /** A null value deletes the key, as a tombstone does in the changelog. */
  put(key: Buffer, value: Buffer | null): void;
  /** Returns the value that was removed, or null. */
  delete(key: Buffer): Buffer | null;
  /** Entries in key byte order (Kafka's in-memory store is sorted too). */
  all(): Iterable<readonly [Buffer, Buffer]>;
  readonly size: number;
  /** True when the store keeps its data on disk (Kafka's StateStore.persistent()): only those are checkpointed. */
  readonly persistent: boolean;
  /**
   * Writes what is buffered to disk, at once (a persistent store's memtable flush at commit);
   * nothing to do for an in-memory store.
   */
  flush(): void;
  /** Flushes and releases the store; it is not used afterwards. */
  close(): void;
}

export class InMemoryKeyValueStore implements KeyValueStore {
  readonly persistent = false;
  // Buffers are not usable as Map keys; their latin1 string is, one char per byte.
  readonly #entries = new Map<string, Buffer>();

  constructor(readonly name: string) {}

  get(key: Buffer): Buffer | null {
    return this.#entries.get(key.toString('latin1')) ?? null;
  }

  put(key: Buffer, value: Buffer | null): void {
    if (value === null) this.#entries.delete(key.toString('latin1'));
    else this.#entries.set(key.toString('latin1'), value);
  }

  delete(key: Buffer): Buffer | null {
    const id = key.toString('latin1');
    const old = this.#entries.get(id) ?? null;
    this.#entries.delete(id);
    return old;
  }

  *all(): Iterable<readonly [Buffer, Buffer]> {
    // latin1 strings compare code unit by code unit, which is byte order.
    const ids = [...this.#entries.keys()].sort();
    for (const id of ids) {
      const value = this.#entries.get(id);
      if (value !== undefined) yield [Buffer.from(id, 'latin1'), value] as const;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  flush(): void {}

  close(): void {}
}

export type StorePutListener = (key: Buffer, value: Buffer | null) => void;

/**
 * Wraps a store so that every write (put, and delete as a null put) is reported — the hook the
 * runtime uses to write the changelog. Restoring from the changelog writes to the inner store,
 * so restored entries are not logged back (Kafka's ChangeLoggingKeyValueBytesStore does the same).
 */
export function changeLogging(inner: KeyValueStore, onPut: StorePutListener): KeyValueStore {
  return {
    name: inner.name,
    get: (key) => inner.get(key),
    put(key, value) {
      inner.put(key, value);
      onPut(key, value);
    },
    delete(key) {
      const old = inner.delete(key);
      onPut(key, null);
      return old;
    },
    all: () => inner.all(),
    get size() {
      return inner.size;
    },
    persistent: inner.persistent,
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
}
