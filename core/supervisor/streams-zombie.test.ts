// A zombie: an exactly_once_v2 bank-ledger instance frozen past its session timeout while it holds
// tasks. The group moves its tasks to the survivor (whose thread has a transactional id of its
// own: under KIP-447 nothing fences the zombie's producer). When it thaws, its commit carries the
// old generation and the group coordinator refuses it (TxnOffsetCommit: ILLEGAL_GENERATION /
// UNKNOWN_MEMBER_ID) — or its heartbeat learns first that it was removed and its tasks are lost:
// TaskMigrated either way, its open transaction aborted, nothing visible twice.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator } from '../apps/load-generator.js';
import { Verifier } from '../apps/verifier.js';
import { createTopics, expectExactlyOnce, superviseStreams, taskEvents, txnEvents } from './testing/streams-harness.js';

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
  await createTopics(kafka, ['transfers', 'ledger'], 2);
  const { supervisor, events, states, of } = superviseStreams();
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
    await waitFor('both instances own a task', () => taskEvents(of('zombie'), 'running').length > 0 && taskEvents(of('survivor'), 'running').length > 0, 30_000);
    await load.start();
    await new Promise((r) => setTimeout(r, 1500)); // the zombie has an open transaction now
    const frozenAt = Date.now();
    const sinceFreeze = events.length;
    supervisor.freeze('zombie', (SESSION_TIMEOUT_MS + 6000) / 1000);
    // The survivor takes both tasks while the zombie is frozen.
    await waitFor(
      'the survivor to run both tasks',
      () => of('survivor', sinceFreeze).some((e) => e.type === 'rebalance' && e.at > frozenAt && e.assigned.length === 2),
      30_000,
    );
    await waitFor('the zombie to thaw', () => states.get('zombie') === 'running', 30_000);
    await waitFor('the zombie’s tasks to be closed as migrated', () => taskEvents(of('zombie', sinceFreeze), 'migrated').length > 0, 30_000);
    // Its open transaction ends without committing: aborted by the zombie itself, or — when the
    // coordinator's timeout check (every 10 s) already aborted it with an epoch bump while it
    // was frozen — the zombie's own abort is answered as fenced.
    const ended = () => [...txnEvents(of('zombie', sinceFreeze), 'aborted'), ...txnEvents(of('zombie', sinceFreeze), 'fenced')];
    await waitFor('the zombie’s transaction to end aborted or fenced', () => ended().length > 0, 30_000);
    console.log(`zombie's transaction ended: ${ended().map((e) => e.phase).join(', ')}`);
    const migrated = taskEvents(of('zombie', sinceFreeze), 'migrated');
    console.log(`zombie after the thaw: ${migrated.map((e) => `${e.taskId} ${e.migration}: ${e.reason}`).join(' | ')}`);
    // The group moved on without it: either its commit is refused (the generation it carried is
    // gone), or its heartbeat is answered UNKNOWN_MEMBER_ID first and its tasks are lost — which
    // comes first after the thaw is a race, as in Kafka's consumer.
    expect(migrated.every((e) => e.migration === 'generation' || e.migration === 'lost')).toBe(true);
    for (const e of migrated.filter((m) => m.migration === 'generation')) expect(e.reason).toMatch(/(ILLEGAL_GENERATION|UNKNOWN_MEMBER_ID)/);
    await new Promise((r) => setTimeout(r, 3000)); // load keeps flowing across the thaw
    await load.stop();
    await expectExactlyOnce(verifier, 1000);
  } finally {
    await load.stop().catch(() => undefined);
    await verifier.stop();
    await supervisor.close();
  }
}, 180_000);
