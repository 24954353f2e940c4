import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { StreamsBuilder } from '../topology/streams-builder.js';
import { TopologyTestDriver } from '../topology/test-driver.js';
import { InMemoryKeyValueStore } from './key-value-store.js';
import { LmdbKeyValueStore } from './lmdb-key-value-store.js';
import { Stores } from './stores.js';

describe('Stores', () => {
  it('supplies a persistent (lmdb) or an in-memory store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stores-'));
    try {
      const persistent = Stores.persistentKeyValueStore('p');
      expect(persistent).toMatchObject({ name: 'p', type: 'persistent', persistent: true });
      const store = persistent.get(join(dir, 'p'));
      expect(store).toBeInstanceOf(LmdbKeyValueStore);
      store.close();
      expect(() => persistent.get(null)).toThrow(/needs a directory/);
      expect(Stores.inMemoryKeyValueStore('m').get(null)).toBeInstanceOf(InMemoryKeyValueStore);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a store given by name persistent, and one given by supplier what it supplies', () => {
    const b = new StreamsBuilder();
    const words = b.stream('words', { key: Serdes.String(), value: Serdes.String() });
    words.groupByKey().count('by-name');
    words.groupByKey().count(Stores.inMemoryKeyValueStore('in-memory'));
    words.groupByKey().reduce((a, v) => a + v, Stores.persistentKeyValueStore('reduced'));
    words.groupByKey().aggregate(() => 0, (_k, v, n) => n + v.length, Stores.inMemoryKeyValueStore('lengths'), { value: Serdes.Int64() });
    const topology = b.build({ applicationId: 'app' });
    expect(topology.stores().map((s) => [s.name, s.type])).toEqual([
      ['by-name', 'persistent'],
      ['in-memory', 'inMemory'],
      ['reduced', 'persistent'],
      ['lengths', 'inMemory'],
    ]);
    // The test driver keeps every store in memory, whatever its type.
    const driver = new TopologyTestDriver(topology);
    driver.inputTopic('words', { key: Serdes.String(), value: Serdes.String() }).pipe('k', 'abc');
    expect(driver.store('by-name')).toBeInstanceOf(InMemoryKeyValueStore);
    expect(Serdes.Int64().deserialize(driver.store('lengths').get(Buffer.from('k')))).toBe(3);
  });
});
