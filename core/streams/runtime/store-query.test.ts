// Which local store an interactive query may read (Kafka Streams' StreamThreadStateStoreProvider
// rules), and the read-only view's range / count.
import { describe, expect, it } from 'vitest';
import { bankLedgerTopology, BALANCES_STORE } from '../../apps/bank-ledger.js';
import { InMemoryKeyValueStore } from '../state/key-value-store.js';
import { takeRange } from '../state/read-only-store.js';
import { findStore, InvalidStateStoreError, type LocalTask } from './store-query.js';

const topology = bankLedgerTopology({ applicationId: 'q' });
const b = (s: string) => Buffer.from(s);

function task(taskId: string, role: LocalTask['role'], phase: LocalTask['phase'], lag: number | null, keys: string[] = []): LocalTask {
  const store = new InMemoryKeyValueStore(BALANCES_STORE);
  for (const k of keys) store.put(b(k), b(`v-${k}`));
  return { taskId, role, phase, store: (n) => (n === BALANCES_STORE ? store : undefined), changelogLag: () => lag };
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidStateStoreError);
    return (error as InvalidStateStoreError).reason;
  }
  throw new Error('expected InvalidStateStoreError');
}

describe('findStore', () => {
  const tasks = [task('0_0', 'active', 'running', 0, ['a']), task('0_1', 'standby', 'running', 4, ['b']), task('0_2', 'active', 'restoring', 9)];

  it('reads a running active task by default, only while RUNNING', () => {
    const q = findStore(topology, 'RUNNING', tasks, { storeName: BALANCES_STORE, partition: 0 });
    expect(q).toMatchObject({ taskId: '0_0', role: 'active', phase: 'running', changelogLag: 0 });
    expect(q.store.get(b('a'))?.toString()).toBe('v-a');
    expect(reason(() => findStore(topology, 'REBALANCING', tasks, { storeName: BALANCES_STORE, partition: 0 }))).toBe('rebalancing');
    expect(reason(() => findStore(topology, 'RUNNING', tasks, { storeName: BALANCES_STORE, partition: 1 }))).toBe('not-hosted');
    expect(reason(() => findStore(topology, 'RUNNING', tasks, { storeName: BALANCES_STORE, partition: 2 }))).toBe('not-hosted');
    expect(reason(() => findStore(topology, 'RUNNING', tasks, { storeName: BALANCES_STORE, partition: 3 }))).toBe('not-hosted');
  });

  it('with stale stores: standbys and restoring actives too, also while REBALANCING', () => {
    expect(findStore(topology, 'REBALANCING', tasks, { storeName: BALANCES_STORE, partition: 1, staleStores: true })).toMatchObject({ taskId: '0_1', role: 'standby', changelogLag: 4 });
    expect(findStore(topology, 'RUNNING', tasks, { storeName: BALANCES_STORE, partition: 2, staleStores: true })).toMatchObject({ role: 'active', phase: 'restoring', changelogLag: 9 });
    expect(reason(() => findStore(topology, 'RUNNING', tasks, { storeName: BALANCES_STORE, partition: 3, staleStores: true }))).toBe('not-hosted');
  });

  it('refuses unknown stores and instances not started or stopped', () => {
    expect(reason(() => findStore(topology, 'RUNNING', tasks, { storeName: 'nope', partition: 0 }))).toBe('unknown-store');
    expect(reason(() => findStore(topology, 'CREATED', tasks, { storeName: BALANCES_STORE, partition: 0, staleStores: true }))).toBe('not-started');
    for (const state of ['PENDING_SHUTDOWN', 'NOT_RUNNING', 'ERROR'] as const) {
      expect(reason(() => findStore(topology, state, tasks, { storeName: BALANCES_STORE, partition: 0, staleStores: true }))).toBe('stopped');
    }
  });
});

describe('ReadOnlyKeyValueStore', () => {
  const keys = ['acct-1', 'acct-10', 'acct-2', 'b', 'a'];
  const store = findStore(topology, 'RUNNING', [task('0_0', 'active', 'running', 0, keys)], { storeName: BALANCES_STORE, partition: 0 }).store;
  const rangeKeys = (from: string | null, to: string | null, limit = 100) => takeRange(store, from === null ? null : b(from), to === null ? null : b(to), limit).map(([k]) => k.toString());

  it('ranges in key byte order, both bounds inclusive, open when null, empty when from > to', () => {
    expect(rangeKeys(null, null)).toEqual(['a', 'acct-1', 'acct-10', 'acct-2', 'b']);
    expect(rangeKeys('acct-1', 'acct-2')).toEqual(['acct-1', 'acct-10', 'acct-2']);
    expect(rangeKeys('acct-15', null)).toEqual(['acct-2', 'b']);
    expect(rangeKeys(null, 'acct-1')).toEqual(['a', 'acct-1']);
    expect(rangeKeys('b', 'a')).toEqual([]);
    expect(rangeKeys(null, null, 2)).toEqual(['a', 'acct-1']);
    expect(store.approximateNumEntries()).toBe(keys.length);
  });
});
