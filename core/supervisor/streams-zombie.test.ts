// A zombie: an exactly_once_v2 bank-ledger instance frozen past its session timeout while it holds
// tasks. The group moves its tasks to the survivor (whose thread has a transactional id of its
// own: under KIP-447 nothing fences the zombie's producer). When it thaws, its commit carries the
// old generation and the group coordinator refuses it (TxnOffsetCommit: ILLEGAL_GENERATION /
// UNKNOWN_MEMBER_ID): TaskMigrated, its open transaction aborted, nothing visible twice.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator } from '../apps/load-generator.js';
import { Verifier } from '../apps/verifier.js';
import { StreamsEvent } from '../streams/index.js';
import { Supervisor } from './supervisor.js';
import type { InstanceState } from './supervisor.js';

const SESSION_TIMEOUT_MS = 6000;
let b: RunningBroker;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
});
afterAll(async () => {
  await b?.close();
});

it('a frozen instance that thaws after its tasks moved is fenced and adds no visible duplicate', async () => {
  const kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'zombie-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'transfers', numPartitions: 2 }, { topic: 'ledger', numPartitions: 2 }] });
  await admin.disconnect();

  const supervisor = new Supervisor({ resourceIntervalMs: 0 });
  const states = new Map<string, InstanceState>();
  const events: { id: string; event: StreamsEvent }[] = [];
  supervisor.onEvent((e) => {
    if (e.type === 'instance.state') states.set(e.id, e.to);
    if (e.type === 'instance.telemetry') {
      const parsed = StreamsEvent.safeParse(e.event);
      if (parsed.success) events.push({ id: e.id, event: parsed.data });
    }
  });
  const config = {
    applicationId: 'bank-zombie',
    bootstrapServers: [b.bootstrap],
    processingGuarantee: 'exactly_once_v2',
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: 500,
    // Outlives the freeze, so the transaction is still open when the zombie thaws and commits.
    transactionTimeoutMs: 30_000,
  };
  const module = builtInApp('bank-ledger').module;
  supervisor.start(module, config, { id: 'zombie' });
  supervisor.start(module, config, { id: 'survivor' });
  const verifier = new Verifier({ kafka, app: 'bank-ledger' });
  await verifier.start();
  const load = new LoadGenerator({ kafka, topic: 'transfers', ratePerSecond: 200, keys: 20, kind: 'transfers' });
  try {
    const running = (id: string) => events.filter((e) => e.id === id && e.event.type === 'task' && e.event.phase === 'running').length;
    await waitFor('both instances own a task', () => running('zombie') > 0 && running('survivor') > 0, 30_000);
    await load.start();
    await new Promise((r) => setTimeout(r, 1500)); // the zombie has an open transaction now
    const frozenAt = Date.now();
    supervisor.freeze('zombie', (SESSION_TIMEOUT_MS + 6000) / 1000);
    // The survivor takes both tasks while the zombie is frozen.
    await waitFor(
      'the survivor to run both tasks',
      () => events.some((e) => e.id === 'survivor' && e.event.type === 'rebalance' && e.event.at > frozenAt && e.event.assigned.length === 2),
      30_000,
    );
    await waitFor('the zombie to thaw', () => states.get('zombie') === 'running', 30_000);
    const zombie = () => events.filter((e) => e.id === 'zombie' && e.event.at > frozenAt).map((e) => e.event);
    await waitFor('the zombie’s tasks to be closed as migrated', () => zombie().some((e) => e.type === 'task' && e.phase === 'migrated'), 30_000);
    await waitFor('the zombie’s transaction to be aborted', () => zombie().some((e) => e.type === 'txn' && e.phase === 'aborted'), 30_000);
    const migrated = zombie().filter((e) => e.type === 'task' && e.phase === 'migrated');
    console.log(`zombie after the thaw: ${migrated.map((e) => (e.type === 'task' ? `${e.taskId} ${e.migration}: ${e.reason}` : '')).join(' | ')}`);
    // The group coordinator refused the commit: the generation it carried is gone.
    expect(migrated.every((e) => e.type === 'task' && e.migration === 'generation')).toBe(true);
    expect(migrated.some((e) => e.type === 'task' && /TxnOffsetCommit: (ILLEGAL_GENERATION|UNKNOWN_MEMBER_ID)/.test(e.reason ?? ''))).toBe(true);
    await new Promise((r) => setTimeout(r, 3000)); // load keeps flowing across the thaw
    await load.stop();
    const snapshot = await verifier.waitForDrain({ timeoutMs: 60_000, quietMs: 3000 });
    expect(snapshot.inputs).toBeGreaterThan(1000);
    expect(snapshot.duplicated).toBe(0);
    expect(snapshot.missing).toBe(0);
    expect(snapshot.pending).toBe(0);
    expect(snapshot.money?.conserved).toBe(true);
  } finally {
    await load.stop().catch(() => undefined);
    await verifier.stop();
    await supervisor.close();
  }
}, 180_000);
