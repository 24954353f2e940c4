// What an interactive query may do with a task's store (Kafka Streams' ReadOnlyKeyValueStore):
// get, range, all and approximateNumEntries — never a write, which belongs to the task's
// processors alone (a write from outside would not reach the changelog). A query reads the
// store's current contents, as Kafka Streams' interactive queries do: a value processed but not
// yet committed is visible.
import type { KeyValueStore } from './key-value-store.js';

export type StoreEntry = readonly [Buffer, Buffer];

export interface ReadOnlyKeyValueStore {
  readonly name: string;
  get(key: Buffer): Buffer | null;
  /**
   * Entries with from ≤ key ≤ to in key byte order (both bounds inclusive, as Kafka's range; a
   * null bound is open). from > to is an empty range, as in Kafka.
   */
  range(from: Buffer | null, to: Buffer | null): Iterable<StoreEntry>;
  all(): Iterable<StoreEntry>;
  /** Kafka's approximateNumEntries; exact here (both store kinds keep their count). */
  approximateNumEntries(): number;
}

export function readOnly(store: KeyValueStore): ReadOnlyKeyValueStore {
  return {
    name: store.name,
    get: (key) => store.get(key),
    range: (from, to) => range(store, from, to),
    all: () => store.all(),
    approximateNumEntries: () => store.size,
  };
}

function* range(store: KeyValueStore, from: Buffer | null, to: Buffer | null): Iterable<StoreEntry> {
  if (from !== null && to !== null && Buffer.compare(from, to) > 0) return;
  // all() is in key byte order: skip to `from`, stop after `to`.
  for (const entry of store.all()) {
    if (from !== null && Buffer.compare(entry[0], from) < 0) continue;
    if (to !== null && Buffer.compare(entry[0], to) > 0) return;
    yield entry;
  }
}

/** At most `limit` entries of a range, read in one go (so they come from one moment of the store). */
export function takeRange(store: ReadOnlyKeyValueStore, from: Buffer | null, to: Buffer | null, limit: number): StoreEntry[] {
  const out: StoreEntry[] = [];
  if (limit <= 0) return out;
  for (const entry of store.range(from, to)) {
    out.push(entry);
    if (out.length >= limit) break;
  }
  return out;
}
