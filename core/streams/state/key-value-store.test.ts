import { describe, expect, it } from 'vitest';
import { changeLogging, InMemoryKeyValueStore } from './key-value-store.js';

const b = (s: string) => Buffer.from(s);

describe('InMemoryKeyValueStore', () => {
  it('gets, puts, deletes; a null put deletes', () => {
    const store = new InMemoryKeyValueStore('s');
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
    const store = new InMemoryKeyValueStore('s');
    for (const key of [Buffer.from([0xff]), Buffer.from([0x00, 0x01]), Buffer.from([0x80]), Buffer.from([0x00])]) store.put(key, b('v'));
    expect([...store.all()].map(([k]) => [...k])).toEqual([[0x00], [0x00, 0x01], [0x80], [0xff]]);
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
});
