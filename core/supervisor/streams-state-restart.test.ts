// Persistent state across restarts of a supervised bank-ledger instance on its own state
// directory (lmdb stores + Kafka's .checkpoint per task):
// - at_least_once: a clean stop checkpoints, so the restart restores nothing; after a kill the
//   restart restores exactly the changelog records written after the last checkpoint, not the
//   whole changelog.
// - exactly_once_v2: a crash right after a commit, before any checkpoint could be written,
//   leaves store data on disk but no checkpoint; the restart must wipe it and restore everything
//   from the changelog, never serve the stale stores (the money check would see stale balances).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { waitFor } from '../broker/testing/wait.js';
import { builtInApp } from '../apps/instances/catalog.js';
import { LoadGenerator } from '../apps/load-generator.js';
import { Verifier } from '../apps/verifier.js';
import type { StreamsEvent } from '../streams/index.js';
import { CRASH_POINT_EXIT_CODE } from '../streams/runtime/crash-points.js';
import { createTopics, expectExactlyOnce, superviseStreams, taskEvents, txnEvents } from './testing/streams-harness.js';

const PARTITIONS = 2;
let b: RunningBroker;
let kafka: Kafka;

beforeAll(async () => {
  b = await startBroker({ port: 0, dataDir: null });
  kafka = new Kafka({ brokers: [b.bootstrap], clientId: 'state-restart-test', logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await b?.close();
});

async function changelogEnds(applicationId: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(`${applicationId}-balances-changelog`);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

const running = (events: StreamsEvent[]) => taskEvents(events, 'running').length;

describe('persistent state across restarts', () => {
  it('at_least_once: a clean restart restores nothing; after a kill, exactly the changelog records written after the checkpoint', async () => {
    await createTopics(kafka, ['alos-transfers', 'alos-ledger'], PARTITIONS);
    const run = superviseStreams();
    const config = {
      applicationId: 'ledger-alos',
      bootstrapServers: [b.bootstrap],
      processingGuarantee: 'at_least_once',
      commitIntervalMs: 1000,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      app: { input: 'alos-transfers', output: 'alos-ledger' },
    };
    const module = builtInApp('bank-ledger').module;
    const load = new LoadGenerator({ kafka, topic: 'alos-transfers', ratePerSecond: 200, keys: 200, kind: 'transfers' });
    try {
      run.supervisor.start(module, config, { id: 'ledger' });
      await waitFor('both tasks running', () => running(run.of('ledger')) >= PARTITIONS, 30_000);
      await load.start();
      await new Promise((r) => setTimeout(r, 3000));

      // 1. Clean stop (commit, checkpoint), restart on the same state directory.
      await run.supervisor.stop('ledger', 10_000, 'test', { leaveGroup: true });
      const before = run.events.length;
      run.supervisor.restart('ledger');
      const second = () => run.of('ledger', before);
      await waitFor('both tasks running after the clean restart', () => running(second()) >= PARTITIONS, 60_000);
      const cleanCreated = taskEvents(second(), 'created');
      const cleanRestored = taskEvents(second(), 'restored');
      expect(cleanCreated.map((e) => e.restoreSource)).toEqual(Array(PARTITIONS).fill('checkpoint'));
      expect(cleanRestored.map((e) => e.restored)).toEqual(Array(PARTITIONS).fill(0));

      // 2. Work on, then a kill: the changelog runs past the last checkpoint.
      await new Promise((r) => setTimeout(r, 3500));
      await run.supervisor.kill('ledger');
      await load.stop();
      const ends = await changelogEnds('ledger-alos');
      const beforeKill = run.events.length;
      run.supervisor.restart('ledger');
      const third = () => run.of('ledger', beforeKill);
      await waitFor('both tasks running after the kill', () => running(third()) >= PARTITIONS, 60_000);
      for (const created of taskEvents(third(), 'created')) {
        expect(created.restoreSource).toBe('checkpoint');
        const partition = Number(created.taskId.split('_')[1]);
        const checkpointed = created.checkpoint?.[0]?.offset;
        expect(checkpointed, `task ${created.taskId} has a checkpoint`).toBeGreaterThan(0);
        const restored = taskEvents(third(), 'restored').find((e) => e.taskId === created.taskId)!;
        const end = ends.get(partition)!;
        console.log(`task ${created.taskId}: changelog end ${end}, checkpoint ${checkpointed}, restored ${restored.restored} in ${restored.durationMs} ms`);
        // Exactly the records between the checkpoint and the end (no transactions: no markers).
        expect(restored.restored).toBe(end - checkpointed!);
        expect(restored.restored).toBeLessThan(end);
      }
    } finally {
      await load.stop().catch(() => undefined);
      await run.supervisor.close();
    }
  }, 180_000);

  it('exactly_once_v2: a crash between a commit and a checkpoint wipes the stores on restart and restores them in full', async () => {
    await createTopics(kafka, ['eos-transfers', 'eos-ledger'], PARTITIONS);
    const stateDir = mkdtempSync(join(tmpdir(), 'eos-state-'));
    const run = superviseStreams();
    const config = {
      applicationId: 'ledger-eos',
      bootstrapServers: [b.bootstrap],
      processingGuarantee: 'exactly_once_v2',
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      // One directory for the three incarnations below, whatever their instance ids.
      stateDir,
      app: { input: 'eos-transfers', output: 'eos-ledger' },
    };
    const module = builtInApp('bank-ledger').module;
    const verifier = new Verifier({ kafka, app: 'bank-ledger', inputTopic: 'eos-transfers', outputTopic: 'eos-ledger' });
    await verifier.start();
    const load = new LoadGenerator({ kafka, topic: 'eos-transfers', ratePerSecond: 200, keys: 50, kind: 'transfers' });
    try {
      // 1. Run, then a clean stop: the stores are on disk with a checkpoint.
      run.supervisor.start(module, config, { id: 'first' });
      await waitFor('both tasks running', () => running(run.of('first')) >= PARTITIONS, 30_000);
      await load.start();
      await new Promise((r) => setTimeout(r, 3000));
      await run.supervisor.stop('first', 10_000, 'test', { leaveGroup: true });
      expect(taskEvents(run.of('first'), 'closed').every((e) => (e.checkpoint?.length ?? 0) > 0)).toBe(true);

      // 2. Start again with a crash right after its first commit: under EOS the checkpoint was
      //    deleted when it was loaded, and none is written after a commit.
      run.supervisor.start(module, { ...config, crashAt: 'after-commit-before-checkpoint' }, { id: 'second' });
      await waitFor('the second incarnation to crash after a commit', () => run.exits.has('second'), 60_000);
      expect(run.exits.get('second')?.code).toBe(CRASH_POINT_EXIT_CODE);
      expect(txnEvents(run.of('second'), 'committed').length).toBeGreaterThan(0);

      // 3. The third finds store data and no checkpoint: wipe, full restore.
      run.supervisor.start(module, config, { id: 'third' });
      await waitFor('both tasks running on the third', () => running(run.of('third')) >= PARTITIONS, 90_000);
      const created = taskEvents(run.of('third'), 'created');
      expect(created.map((e) => e.restoreSource)).toEqual(Array(PARTITIONS).fill('changelog'));
      const wiped = run.of('third').filter((e) => e.type === 'log' && /state wiped on open/.test(e.message));
      expect(wiped.length, 'the stale stores were wiped on open').toBeGreaterThan(0);
      const restored = taskEvents(run.of('third'), 'restored');
      console.log(`third incarnation: ${wiped.map((e) => (e.type === 'log' ? e.message : '')).join(' | ')}; restored ${restored.map((e) => `${e.taskId}:${e.restored}`).join(', ')}`);
      expect(restored.reduce((n, e) => n + (e.restored ?? 0), 0)).toBeGreaterThan(0);

      await new Promise((r) => setTimeout(r, 2000));
      await load.stop();
      // Stale balances (the first run's, without the second's committed transfers) would not add up.
      await expectExactlyOnce(verifier, 500);
    } finally {
      await load.stop().catch(() => undefined);
      await verifier.stop();
      await run.supervisor.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 240_000);
});
