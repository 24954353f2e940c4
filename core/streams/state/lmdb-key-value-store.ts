// A persistent key-value store on lmdb, where Kafka Streams uses RocksDB: one lmdb environment
// per store per task directory (`<task dir>/lmdb/<store>/data.mdb`), binary keys and values,
// keys in byte order. Writes go to a pending-write overlay first, as RocksDB's go to its memtable:
// reads consult the overlay, and flush() — at commit, before a checkpoint, or when the overlay
// grows past `maxPendingWrites` — writes it in one synchronous lmdb transaction. A store that is
// dropped without a flush (a dirty close) leaves the disk as of the last flush.
//
// lmdb refuses empty keys, so every key is stored behind one 0x00 byte; order is unchanged and
// the longest key is one byte below lmdb's limit (1978 bytes).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import type { KeyValueStore } from './key-value-store.js';

/** lmdb's maximum key size, less the prefix byte. */
export const MAX_KEY_BYTES = 1978 - 1;
/** Overlay entries that make a write flush by itself (RocksDB's memtable filling up). */
export const DEFAULT_MAX_PENDING_WRITES = 10_000;
const PREFIX = Buffer.from([0]);

export interface LmdbStoreOptions {
  /** Flush on its own once this many keys are pending. */
  maxPendingWrites?: number;
}

export class LmdbKeyValueStore implements KeyValueStore {
  readonly persistent = true;
  readonly #maxPending: number;
  #db: RootDatabase<Buffer, Buffer> | null;
  /** Writes not flushed yet, by the key's latin1 string (one char per byte); null is a delete. */
  readonly #overlay = new Map<string, Buffer | null>();
  #size: number;

  /** Opens (creating if missing) the store kept in `dir`. */
  constructor(
    readonly name: string,
    readonly dir: string,
    options: LmdbStoreOptions = {},
  ) {
    this.#maxPending = options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES;
    mkdirSync(dir, { recursive: true });
    this.#db = open<Buffer, Buffer>({
      path: join(dir, 'data.mdb'),
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: false,
      cache: false,
    });
    this.#size = (this.#open().getStats() as { entryCount: number }).entryCount;
  }

  get(key: Buffer): Buffer | null {
    const pending = this.#overlay.get(key.toString('latin1'));
    if (pending !== undefined) return pending;
    return this.#open().get(stored(key)) ?? null;
  }

  put(key: Buffer, value: Buffer | null): void {
    if (key.length > MAX_KEY_BYTES) throw new RangeError(`store '${this.name}': a key of ${key.length} bytes is longer than lmdb allows (${MAX_KEY_BYTES})`);
    const id = key.toString('latin1');
    const existed = this.#exists(id, key);
    if (value === null) {
      if (existed) this.#size--;
    } else if (!existed) {
      this.#size++;
    }
    // Held as given, as the in-memory store holds it: a serde's output is not reused.
    this.#overlay.set(id, value);
    if (this.#overlay.size >= this.#maxPending) this.flush();
  }

  delete(key: Buffer): Buffer | null {
    const old = this.get(key);
    this.put(key, null);
    return old;
  }

  /** Entries in key byte order: the disk's, with the overlay (as it was when iteration began) merged in. */
  *all(): Iterable<readonly [Buffer, Buffer]> {
    const db = this.#open();
    const pending = [...this.#overlay].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let i = 0;
    for (const { key, value } of db.getRange()) {
      const id = key.subarray(1).toString('latin1');
      for (; i < pending.length && pending[i]![0] < id; i++) {
        const [pid, pvalue] = pending[i]!;
        if (pvalue !== null) yield [Buffer.from(pid, 'latin1'), pvalue] as const;
      }
      if (i < pending.length && pending[i]![0] === id) {
        const pvalue = pending[i++]![1];
        if (pvalue !== null) yield [Buffer.from(id, 'latin1'), pvalue] as const;
        continue;
      }
      yield [Buffer.from(id, 'latin1'), Buffer.from(value)] as const;
    }
    for (; i < pending.length; i++) {
      const [pid, pvalue] = pending[i]!;
      if (pvalue !== null) yield [Buffer.from(pid, 'latin1'), pvalue] as const;
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Keys written since the last flush. */
  get pendingWrites(): number {
    return this.#overlay.size;
  }

  get isOpen(): boolean {
    return this.#db !== null;
  }

  flush(): void {
    if (this.#overlay.size === 0) return;
    const db = this.#open();
    // The callback must return nothing: lmdb keeps a transaction open whose callback returned a
    // promise (db.put returns one), and the environment then never closes.
    db.transactionSync(() => {
      for (const [id, value] of this.#overlay) {
        const key = stored(Buffer.from(id, 'latin1'));
        if (value === null) void db.remove(key);
        else void db.put(key, value);
      }
    });
    this.#overlay.clear();
  }

  close(): void {
    if (this.#db === null) return;
    this.flush();
    this.#closeDb();
  }

  /** Closes without flushing: the disk keeps what the last flush wrote (a dirty close). */
  abandon(): void {
    this.#overlay.clear();
    this.#closeDb();
  }

  /** Closes without flushing and removes the store's directory. */
  destroy(): void {
    this.abandon();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #exists(id: string, key: Buffer): boolean {
    const pending = this.#overlay.get(id);
    if (pending !== undefined) return pending !== null;
    return this.#open().doesExist(stored(key));
  }

  #open(): RootDatabase<Buffer, Buffer> {
    if (this.#db === null) throw new Error(`store '${this.name}' is closed`);
    return this.#db;
  }

  #closeDb(): void {
    const db = this.#db;
    if (db === null) return;
    this.#db = null;
    // close() ends the environment at once; the promise it returns only reports that.
    void db.close();
  }
}

function stored(key: Buffer): Buffer {
  return Buffer.concat([PREFIX, key]);
}
