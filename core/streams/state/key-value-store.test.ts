import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changeLogging, InMemoryKeyValueStore, type KeyValueStore } from './key-value-store.js';
import { LmdbKeyValueStore, MAX_KEY_BYTES } from './lmdb-key-value-store.js';

const b = (s: string) => Buffer.from(s);
const keys = (store: KeyValueStore) => [...store.all()].map(([k]) => k.toString());
const entries = (store: KeyValueStore) => [...store.all()].map(([k, v]) => [k.toString(), v.toString()]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kv-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Kind {
  name: string;
  /** Opens the store; the same `dir` name opens the same data again (lmdb). */
  open: (sub?: string, maxPendingWrites?: number) => KeyValueStore;
  persistent: boolean;
}

const kinds: Kind[] = [
  { name: 'InMemoryKeyValueStore', open: () => new InMemoryKeyValueStore('s'), persistent: false },
  { name: 'LmdbKeyValueStore', open: (sub = 's', maxPendingWrites) => new LmdbKeyValueStore('s', join(dir, sub), { maxPendingWrites }), persistent: true },
];

describe.each(kinds)('$name', ({ open, persistent }) => {
  const opened: KeyValueStore[] = [];
  const make = (sub?: string, maxPendingWrites?: number) => {
    const store = open(sub, maxPendingWrites);
    opened.push(store);
    return store;
  };
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  it('says whether it is persistent', () => {
    expect(make().persistent).toBe(persistent);
  });

  it('gets, puts, deletes; a null put deletes', () => {
    const store = make();
    expect(store.get(b('a'))).toBeNull();
    store.put(b('a'), b('1'));
    store.put(b('b'), b('2'));
    expect(store.get(b('a'))).toEqual(b('1'));
    expect(store.size).toBe(2);
    expect(store.delete(b('a'))).toEqual(b('1'));
    expect(store.delete(b('a'))).toBeNull();
    store.put(b('b'), null);
    expect(store.size).toBe(0);
  });

  it('lists entries in key byte order, binary keys included', () => {
    const store = make();
    for (const key of [Buffer.from([0xff]), Buffer.from([0x00, 0x01]), Buffer.from([0x80]), Buffer.from([0x00])]) store.put(key, b('v'));
    expect([...store.all()].map(([k]) => [...k])).toEqual([[0x00], [0x00, 0x01], [0x80], [0xff]]);
    store.flush();
    expect([...store.all()].map(([k]) => [...k])).toEqual([[0x00], [0x00, 0x01], [0x80], [0xff]]);
  });

  it('keeps an empty key and an empty value', () => {
    const store = make();
    store.put(Buffer.alloc(0), Buffer.alloc(0));
    store.put(b('a'), b('1'));
    store.flush();
    expect(store.get(Buffer.alloc(0))).toEqual(Buffer.alloc(0));
    expect([...store.all()].map(([k, v]) => [[...k], [...v]])).toEqual([[[], []], [[0x61], [0x31]]]);
    expect(store.size).toBe(2);
  });

  it('merges flushed and pending writes in order, tombstones hiding flushed keys', () => {
    const store = make();
    for (const k of ['b', 'd', 'f', 'h']) store.put(b(k), b(`old-${k}`));
    store.flush();
    store.put(b('a'), b('new-a')); // before every flushed key
    store.put(b('d'), b('new-d')); // overwrites a flushed key
    store.put(b('f'), null); // deletes a flushed key
    store.put(b('e'), b('new-e')); // between flushed keys
    store.put(b('z'), b('new-z')); // after them
    store.put(b('q'), b('gone'));
    store.delete(b('q')); // written and deleted before any flush
    const expected = [['a', 'new-a'], ['b', 'old-b'], ['d', 'new-d'], ['e', 'new-e'], ['h', 'old-h'], ['z', 'new-z']];
    expect(entries(store)).toEqual(expected);
    expect(store.size).toBe(6);
    expect(store.get(b('f'))).toBeNull();
    expect(store.get(b('q'))).toBeNull();
    store.flush();
    expect(entries(store)).toEqual(expected);
    expect(store.size).toBe(6);
  });

  it('counts tombstones right: deleting a missing key, or one twice, changes nothing', () => {
    const store = make();
    store.put(b('a'), b('1'));
    store.flush();
    store.put(b('missing'), null);
    expect(store.size).toBe(1);
    store.delete(b('a'));
    store.delete(b('a'));
    expect(store.size).toBe(0);
    store.put(b('a'), b('2'));
    store.put(b('a'), b('3'));
    expect(store.size).toBe(1);
    store.flush();
    expect(store.size).toBe(1);
    expect(store.get(b('a'))).toEqual(b('3'));
  });

  it('stops iterating early without harm, and closes after', () => {
    const store = make();
    for (const k of ['a', 'b', 'c']) store.put(b(k), b(k));
    store.flush();
    for (const [k] of store.all()) if (k.toString() === 'b') break;
    expect(keys(store)).toEqual(['a', 'b', 'c']);
  });

  it('flushes by itself once enough writes are pending', () => {
    const store = make('s', 3);
    for (const k of ['a', 'b', 'c', 'd']) store.put(b(k), b(k));
    if (store instanceof LmdbKeyValueStore) expect(store.pendingWrites).toBe(1);
    expect(keys(store)).toEqual(['a', 'b', 'c', 'd']);
  });
});

// What only a store on disk does.
describe('LmdbKeyValueStore on disk', () => {
  const opened: KeyValueStore[] = [];
  const make = (sub = 's', maxPendingWrites?: number) => {
    const store = new LmdbKeyValueStore('s', join(dir, sub), { maxPendingWrites });
    opened.push(store);
    return store;
  };
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });

  it('keeps its data after close and reopen, pending writes included', () => {
    const store = make('reopen');
    store.put(b('a'), b('1'));
    store.put(b('b'), b('2'));
    store.flush();
    store.put(b('c'), b('3'));
    store.delete(b('a'));
    store.close();
    const again = make('reopen');
    expect(entries(again)).toEqual([['b', '2'], ['c', '3']]);
    expect(again.size).toBe(2);
  });

  it('abandon() drops pending writes (a dirty close); destroy() removes the data', () => {
    const store = make('dirty') as LmdbKeyValueStore;
    store.put(b('a'), b('1'));
    store.flush();
    store.put(b('b'), b('2'));
    store.abandon();
    const again = make('dirty') as LmdbKeyValueStore;
    expect(entries(again)).toEqual([['a', '1']]);
    again.destroy();
    const fresh = make('dirty');
    expect(fresh.size).toBe(0);
    expect(() => again.get(b('a'))).toThrow(/closed/);
  });

  it('refuses a key longer than lmdb allows when it is put, not at the flush', () => {
    const store = make();
    store.put(Buffer.alloc(MAX_KEY_BYTES, 1), b('ok'));
    expect(() => store.put(Buffer.alloc(MAX_KEY_BYTES + 1, 1), b('too long'))).toThrow(/longer than lmdb allows/);
    store.flush();
    expect(store.size).toBe(1);
  });
});

describe('changeLogging', () => {
  it('reports every put and delete, while restores into the inner store are not reported', () => {
    const inner = new InMemoryKeyValueStore('s');
    const seen: [string, string | null][] = [];
    const logged = changeLogging(inner, (key, value) => seen.push([key.toString(), value?.toString() ?? null]));
    inner.put(b('restored'), b('0'));
    logged.put(b('a'), b('1'));
    logged.put(b('a'), null);
    logged.put(b('c'), b('3'));
    expect(logged.delete(b('c'))).toEqual(b('3'));
    expect(seen).toEqual([['a', '1'], ['a', null], ['c', '3'], ['c', null]]);
    expect(logged.get(b('restored'))).toEqual(b('0'));
    expect(logged.size).toBe(1);
  });

  it('passes flush and close through to the inner store', () => {
    const inner = new LmdbKeyValueStore('s', join(dir, 'logged'));
    const logged = changeLogging(inner, () => undefined);
    expect(logged.persistent).toBe(true);
    logged.put(b('a'), b('1'));
    expect(inner.pendingWrites).toBe(1);
    logged.flush();
    expect(inner.pendingWrites).toBe(0);
    logged.close();
    expect(inner.isOpen).toBe(false);
  });
});
