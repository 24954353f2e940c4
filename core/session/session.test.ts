// The session against the embedded broker: commands validated by name and arguments, a
// bank-ledger journey (instances, load, verifier, kill, reset) seen through the event bus, the
// history and its export, and a cluster that cannot be reached.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../broker/testing/wait.js';
import { SessionEvent } from './api.js';
import type { InstanceInfo } from './api.js';
import { defaultMonitorFactory } from './monitor-seam.js';
import type { MonitorOptions } from './monitor-seam.js';
import { Session } from './session.js';
import { commandFailure as failure } from './testing/command-failure.js';


describe('Session', () => {
  let stateDir: string;
  let session: Session;
  const events: SessionEvent[] = [];
  const generations: [string, number][] = [];
  const monitors: MonitorOptions[] = [];
  let monitorStops = 0;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'streamwatch-session-'));
    session = new Session({
      stateDir,
      embeddedInMemory: true,
      resourceIntervalMs: 500,
      verifierIntervalMs: 250,
      monitorIntervalMs: 500,
      // core/monitor's ClusterMonitor, watched: what the session hands it and passes on.
      monitorFactory: (options) => {
        monitors.push(options);
        const real = defaultMonitorFactory(options);
        return {
          start: () => real.start(),
          stop: async () => {
            monitorStops++;
            await real.stop();
          },
          noteGeneration: (groupId, generation) => {
            generations.push([groupId, generation]);
            real.noteGeneration(groupId, generation);
          },
        };
      },
    });
    session.onEvent((e) => events.push(e));
  });

  afterAll(async () => {
    await session?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('rejects unknown commands and invalid arguments with a clear message', async () => {
    const unknown = await failure(session.handle('instances.explode', {}));
    expect(unknown.code).toBe('unknown_command');
    expect(unknown.message).toBe("unknown command 'instances.explode'");

    const badApp = await failure(session.handle('instances.start', { app: 'nope', count: 2 }));
    expect(badApp.code).toBe('invalid_args');
    expect(badApp.message).toMatch(/^invalid arguments for instances.start: app: /);

    const extra = await failure(session.handle('load.pause', { now: true }));
    expect(extra.code).toBe('invalid_args');

    const notConnected = await failure(session.handle('topics.list', undefined));
    expect(notConnected.code).toBe('not_connected');
    expect(notConnected.message).toMatch(/not connected to a cluster/);

    const noInstance = await failure(session.handle('instances.kill', { id: 'x-1' }));
    expect(noInstance).toMatchObject({ code: 'not_found', message: "no instance 'x-1'" });

    expect(await session.handle('apps.list', {})).toMatchObject({ apps: [{ name: 'bank-ledger', input: 'transfers', output: 'ledger' }, {}, {}] });
    const topology = (await session.command('apps.describe', { app: 'word-count' })) as { applicationId: string; subtopologies: unknown[] };
    expect(topology.applicationId).toBe('word-count');
    expect(topology.subtopologies).toHaveLength(2);
  });

  it('cluster.test on an address nobody listens on says so within seconds', async () => {
    const t0 = Date.now();
    const result = await session.command('cluster.test', { profile: { name: 'nowhere', bootstrapServers: ['127.0.0.1:1'] } });
    expect(result).toEqual({ ok: false, message: 'cannot reach 127.0.0.1:1: connection refused', brokers: [], clusterId: null });
    expect(Date.now() - t0).toBeLessThan(5000);

    const connect = await failure(session.handle('cluster.connect', { profile: { name: 'nowhere', bootstrapServers: ['127.0.0.1:1'] } }));
    expect(connect).toMatchObject({ code: 'unreachable', message: 'cannot reach 127.0.0.1:1: connection refused' });
  });

  it('keeps profiles in the state dir and their passwords out of it', async () => {
    const profile = { name: 'prod', bootstrapServers: ['kafka-1:9093'], ssl: true, sasl: { mechanism: 'scram-sha-512' as const, username: 'ops', password: 's3cret' } };
    await session.command('profiles.save', { profile });
    const { profiles } = await session.command('profiles.list', {});
    expect(profiles).toEqual([{ ...profile, sasl: { ...profile.sasl, password: '' } }]);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(stateDir, 'profiles.json'), 'utf8')).not.toContain('s3cret');
    await session.command('profiles.delete', { name: 'prod' });
    expect(await session.command('profiles.list', {})).toEqual({ profiles: [] });
    expect((await failure(session.handle('profiles.delete', { name: 'prod' }))).code).toBe('not_found');
  });

  it('runs bank-ledger on the embedded cluster: instances, telemetry, load, verifier, kill, reset', async () => {
    const { bootstrap } = await session.command('cluster.useEmbedded', {});
    expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(events.some((e) => e.type === 'embedded.status' && e.state === 'running' && e.bootstrap === bootstrap)).toBe(true);
    expect(events.some((e) => e.type === 'cluster.status' && e.connected && e.bootstrap === bootstrap)).toBe(true);
    expect(monitors).toHaveLength(1);
    expect(monitors[0]!.memberInstance?.('bank-ledger-1')).toBeNull();
    // idempotent
    expect(await session.command('cluster.useEmbedded', {})).toEqual({ bootstrap });

    const { ids } = await session.command('instances.start', { app: 'bank-ledger', count: 2, partitions: 4, sessionTimeoutMs: 6000 });
    expect(ids).toEqual(['bank-ledger-1', 'bank-ledger-2']);
    expect(monitors[0]!.memberInstance?.('bank-ledger-1')).toBe('bank-ledger-1');
    await session.command('load.start', { app: 'bank-ledger', ratePerSecond: 100, keys: 20 });

    const latest = (id: string): InstanceInfo | undefined =>
      events.findLast((e): e is Extract<SessionEvent, { type: 'instance.state' }> => e.type === 'instance.state' && e.instance.id === id)?.instance;
    await waitFor(
      'both instances running with their tasks',
      () => ids.every((id) => latest(id)?.state === 'running' && latest(id)?.streamsState === 'RUNNING') && ids.flatMap((id) => latest(id)?.tasks ?? []).length === 4,
      40_000,
    );
    await waitFor('verified ledger output', () => events.some((e) => e.type === 'verifier.snapshot' && e.outputs > 20), 30_000);
    // A rebalance is reported once the first heartbeat tells the instance its generation.
    await waitFor('rebalance telemetry', () => ids.every((id) => events.some((e) => e.type === 'instance.telemetry' && e.id === id && e.event['type'] === 'rebalance')), 10_000);
    expect(events.some((e) => e.type === 'instance.resources')).toBe(true);
    expect(events.some((e) => e.type === 'load.stats' && e.acked > 0)).toBe(true);
    expect(generations.some(([group, gen]) => group === 'bank-ledger' && gen >= 1)).toBe(true);
    // The monitor sees the group, knows which member is which instance, and leaves out the verifier's group.
    await waitFor(
      'a group snapshot of bank-ledger with both instances',
      () =>
        events.some(
          (e) =>
            e.type === 'group.snapshot' &&
            e.group.groupId === 'bank-ledger' &&
            e.group.members.map((m) => m.instanceId).sort().join() === 'bank-ledger-1,bank-ledger-2' &&
            e.group.partitions.filter((p) => p.topic === 'transfers').length === 4,
        ),
      15_000,
    );
    expect(events.some((e) => e.type === 'group.snapshot' && e.group.groupId.startsWith('streamwatch-verifier'))).toBe(false);
    expect(monitors[0]!.readCommitted?.('bank-ledger')).toBe(true);
    const listed = await session.command('instances.list', {});
    expect(listed.instances.map((i) => [i.id, i.app, i.applicationId, i.guarantee])).toEqual([
      ['bank-ledger-1', 'bank-ledger', 'bank-ledger', 'exactly_once_v2'],
      ['bank-ledger-2', 'bank-ledger', 'bank-ledger', 'exactly_once_v2'],
    ]);
    const topics = await session.command('topics.list', {});
    expect(topics.topics).toContainEqual({ name: 'transfers', partitions: 4, internal: false });
    expect(topics.topics).toContainEqual({ name: 'bank-ledger-balances-changelog', partitions: 4, internal: false });

    // Every event on the bus is a valid SessionEvent, in seq order.
    for (const e of events) expect(SessionEvent.safeParse(e).success).toBe(true);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));

    const mark = events.at(-1)!.seq;
    await session.command('instances.kill', { id: 'bank-ledger-1' });
    await waitFor('instance.state killed', () => latest('bank-ledger-1')?.state === 'killed', 5000);
    expect(latest('bank-ledger-1')).toMatchObject({ state: 'killed', tasks: [] });
    const after = await session.command('events.history', { afterSeq: mark });
    expect(after.events.length).toBeGreaterThan(0);
    expect((after.events as SessionEvent[]).every((e) => e.seq > mark)).toBe(true);
    expect(after.events).toContainEqual(expect.objectContaining({ type: 'instance.state', from: 'running', instance: expect.objectContaining({ id: 'bank-ledger-1', state: 'killed' }) }));

    const csv = await session.command('events.export', { format: 'csv' });
    expect(csv.filename).toMatch(/^streamwatch-events-\d{8}-\d{6}Z\.csv$/);
    const lines = csv.content.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,time,type,subject,data');
    expect(lines.some((l) => /^\d+,\d{4}-\d\d-\d\dT[\d:.]+Z,instance\.state,bank-ledger-1,"\{/.test(l))).toBe(true);
    const json = await session.command('events.export', { format: 'json' });
    expect(json.filename).toMatch(/\.json$/);
    const exported = JSON.parse(json.content) as SessionEvent[];
    expect(exported.length).toBeGreaterThan(10);
    expect(exported[0]).toHaveProperty('seq');

    // Reset: stops what still runs, removes the killed member from the group, deletes offsets and state.
    await session.command('load.stop', {});
    await session.command('apps.reset', { applicationId: 'bank-ledger' });
    expect(latest('bank-ledger-2')?.state).toBe('stopped');
    const { topics: remaining } = await session.command('topics.list', {});
    expect(remaining.map((t) => t.name)).not.toContain('bank-ledger-balances-changelog');
    expect(remaining.map((t) => t.name)).toContain('ledger');
    expect(events.some((e) => e.type === 'progress' && e.task === 'reset bank-ledger' && e.done)).toBe(true);

    await session.command('cluster.disconnect', {});
    // (The monitor may say once that a topic apps.reset deleted under its poll is gone.)
    expect(events.filter((e) => (e.type === 'error' && e.source !== 'monitor') || e.type === 'instance.error')).toEqual([]);
    expect(events.some((e) => e.type === 'txn.snapshot' && e.supported)).toBe(true);
    expect(monitorStops).toBe(1);
    expect(events.findLast((e) => e.type === 'cluster.status')).toMatchObject({ connected: false });
    expect((await failure(session.handle('instances.restart', { id: 'bank-ledger-1' }))).code).toBe('not_connected');
  });
});
