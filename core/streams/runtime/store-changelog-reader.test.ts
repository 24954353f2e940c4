// The restore reader where a changelog ends in an aborted transaction (what a killed owner
// leaves behind): a fetch then hands out no record, only a moved position, and restores and
// standbys must still reach the end.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import { KafkaClient } from '../../client/client.js';
import { Fetcher } from '../../client/fetcher.js';
import { bankLedgerTopology } from '../../apps/bank-ledger.js';
import { ProcessorStateManager } from './state-manager.js';
import { StoreChangelogReader } from './store-changelog-reader.js';

const topology = bankLedgerTopology({ applicationId: 'reader', input: 'reader-in', output: 'reader-out' });
const CHANGELOG = 'reader-balances-changelog';
let b: RunningBroker;
let client: KafkaClient;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'reader-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: CHANGELOG, numPartitions: 1 }] });
  await admin.disconnect();
  // Offsets 0-4 committed data, 5 its marker; 6-8 an aborted transaction, 9 its marker.
  const producer = kafka.producer({ transactionalId: 'reader-owner', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ key: `acct-${i}`, value: JSON.stringify({ tag }) }));
  const committed = await producer.transaction();
  await committed.send({ topic: CHANGELOG, messages: messages(5, 'committed') });
  await committed.commit();
  const aborted = await producer.transaction();
  await aborted.send({ topic: CHANGELOG, messages: messages(3, 'aborted') });
  await aborted.abort();
  await producer.disconnect();
  client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: 'reader-test' });
});
afterAll(async () => {
  client?.close();
  await b?.close();
});

/** A task's state as a standby that has applied the committed transaction leaves it. */
function stateAtOffset(next: number): ProcessorStateManager {
  const state = new ProcessorStateManager('0_0', topology);
  state.apply(CHANGELOG, [], next);
  return state;
}

it('an active restore whose remaining range is an aborted transaction finishes, restoring nothing', async () => {
  const reader = new StoreChangelogReader(client, new Fetcher(client, { isolationLevel: 'read_committed' }));
  try {
    const state = stateAtOffset(6);
    expect(await reader.registerActive(state)).toBe(false);
    expect(reader.restoreOf('0_0')?.toRestore).toBe(4);
    const restored: string[] = [];
    const deadline = Date.now() + 10_000;
    while (restored.length === 0 && Date.now() < deadline) restored.push(...(await reader.poll(200)).restored);
    expect(restored).toEqual(['0_0']);
    expect(reader.finishRestore('0_0').restored).toBe(0);
    expect(state.changelogOffset(CHANGELOG)).toBe(10);
    expect([...state.store('balances')!.all()].length).toBe(0);
  } finally {
    reader.close();
  }
});

it('a standby follows its changelog past an aborted transaction', async () => {
  const reader = new StoreChangelogReader(client, new Fetcher(client, { isolationLevel: 'read_committed' }));
  try {
    const state = stateAtOffset(6);
    reader.registerStandby(state);
    const deadline = Date.now() + 10_000;
    while (state.changelogOffset(CHANGELOG) !== 10 && Date.now() < deadline) await reader.poll(200);
    // Its offset sum (what the assignor judges it by) is the changelog's end, not the aborted start.
    expect(state.changelogOffset(CHANGELOG)).toBe(10);
    expect(state.offsetSum()).toBe(10);
    expect(reader.standbyLag('0_0')).toBe(0);
  } finally {
    reader.close();
  }
});

it('a task closed while its restore was being set up does not take the place of the state that replaced it', async () => {
  const reader = new StoreChangelogReader(client, new Fetcher(client, { isolationLevel: 'read_committed' }));
  try {
    // The old state starts registering (listing end offsets); meanwhile the task is closed and
    // created again, and the new state registers first.
    const old = new ProcessorStateManager('0_0', topology);
    const oldRegistering = reader.registerActive(old);
    old.close({ clean: false });
    const fresh = new ProcessorStateManager('0_0', topology);
    expect(await reader.registerActive(fresh)).toBe(false);
    expect(await oldRegistering).toBe(true);
    const restored: string[] = [];
    const deadline = Date.now() + 10_000;
    while (restored.length === 0 && Date.now() < deadline) restored.push(...(await reader.poll(200)).restored);
    expect(restored).toEqual(['0_0']);
    // The records went to the state the task runs on now, not to the closed one.
    expect([...fresh.store('balances')!.all()].length).toBe(5);
    expect(fresh.changelogOffset(CHANGELOG)).toBe(10);
  } finally {
    reader.close();
  }
});

it('a restore waits for an open transaction of an earlier owner, then applies the later owner’s committed records behind it', async () => {
  // A zombie's transaction is still open on the changelog while the next owner has written and
  // committed after it: the LSO stops at the zombie's first record, but the state is not complete
  // until the committed records behind it are applied.
  const topic = 'reader-zombie-balances-changelog';
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'reader-zombie', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const zombieTopology = bankLedgerTopology({ applicationId: 'reader-zombie', input: 'reader-in', output: 'reader-out' });
  expect(zombieTopology.store('balances').changelogTopic).toBe(topic);
  const zombie = kafka.producer({ transactionalId: 'reader-zombie-owner', idempotent: true, maxInFlightRequests: 1 });
  const heir = kafka.producer({ transactionalId: 'reader-heir-owner', idempotent: true, maxInFlightRequests: 1 });
  await zombie.connect();
  await heir.connect();
  const open = await zombie.transaction();
  await open.send({ topic, messages: [{ key: 'acct-0', value: JSON.stringify({ tag: 'zombie' }) }] });
  const later = await heir.transaction();
  await later.send({ topic, messages: [{ key: 'acct-1', value: JSON.stringify({ tag: 'heir' }) }] });
  await later.commit();

  const reader = new StoreChangelogReader(client, new Fetcher(client, { isolationLevel: 'read_committed' }));
  try {
    const state = new ProcessorStateManager('0_0', zombieTopology);
    expect(await reader.registerActive(state)).toBe(false);
    const restored: string[] = [];
    const until = Date.now() + 1500;
    while (Date.now() < until) restored.push(...(await reader.poll(200)).restored);
    expect(restored, 'not done while the open transaction hides what follows it').toEqual([]);
    await open.abort();
    const deadline = Date.now() + 10_000;
    while (restored.length === 0 && Date.now() < deadline) restored.push(...(await reader.poll(200)).restored);
    expect(restored).toEqual(['0_0']);
    const keys = [...state.store('balances')!.all()].map(([k]) => k.toString());
    expect(keys).toEqual(['acct-1']); // the later owner's committed record; the zombie's aborted one not
  } finally {
    reader.close();
    await zombie.disconnect();
    await heir.disconnect();
  }
});
