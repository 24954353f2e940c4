// The console's group controls against the embedded broker, with session timeouts long enough
// (60 s) that anything healing faster was done by the control, not by the coordinator's timer:
// - a frozen static instance removed with groups.removeMember: the group rebalances without it;
// - a dead dynamic member removed by its member id (LeaveGroup on its behalf);
// - Stop "remain in group" then Restart: the same static identity, no new generation, the same
//   tasks, state from the instance's own state directory; Stop "leave group": at once;
// - apps.reset with a killed instance: its member removed, no wait for its session timeout.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../broker/testing/wait.js';
import { KafkaClient } from '../client/client.js';
import { GroupMember } from '../client/group/group-member.js';
import { stickyAssignor } from '../client/group/sticky-assignor.js';
import { StreamsEvent } from '../streams/index.js';
import type { InstanceInfo, SessionEvent } from './api.js';
import { Session } from './session.js';
import { commandFailure as failure } from './testing/command-failure.js';

const SESSION_TIMEOUT_MS = 60_000;
/** Generous, and still far below the session timeout. */
const HEALED_WITHIN_MS = 20_000;


type Rebalance = Extract<StreamsEvent, { type: 'rebalance' }>;
type TaskEvent = Extract<StreamsEvent, { type: 'task' }>;

describe('group controls', () => {
  let stateDir: string;
  let session: Session;
  let bootstrap: string;
  const events: SessionEvent[] = [];

  const latest = (id: string): InstanceInfo | undefined =>
    events.findLast((e): e is Extract<SessionEvent, { type: 'instance.state' }> => e.type === 'instance.state' && e.instance.id === id)?.instance;
  const telemetry = (id: string, since = 0): StreamsEvent[] =>
    events.filter((e) => e.type === 'instance.telemetry' && e.id === id && e.seq > since).flatMap((e) => {
      const parsed = StreamsEvent.safeParse((e as Extract<SessionEvent, { type: 'instance.telemetry' }>).event);
      return parsed.success ? [parsed.data] : [];
    });
  const rebalances = (id: string, since = 0) => telemetry(id, since).filter((e): e is Rebalance => e.type === 'rebalance');
  const lastSeq = () => events.at(-1)?.seq ?? 0;
  const allRunning = (ids: string[], tasks: number) =>
    ids.every((id) => latest(id)?.state === 'running' && latest(id)?.streamsState === 'RUNNING') && ids.flatMap((id) => latest(id)?.tasks ?? []).length === tasks;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'streamwatch-group-controls-'));
    session = new Session({
      stateDir,
      embeddedInMemory: true,
      embeddedOptions: { initialRebalanceDelayMs: 0 },
      resourceIntervalMs: 0,
      monitorIntervalMs: 500,
    });
    session.onEvent((e) => events.push(e));
    ({ bootstrap } = await session.command('cluster.useEmbedded', {}));
  });

  afterAll(async () => {
    await session?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('a frozen static instance removed with groups.removeMember: the group rebalances without it long before its session times out', async () => {
    const { ids } = await session.command('instances.start', {
      app: 'passthrough',
      applicationId: 'frozen-app',
      count: 2,
      guarantee: 'at_least_once',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    const [frozen, healthy] = ids as [string, string];
    await waitFor('both instances running three tasks each', () => allRunning(ids, 6), 60_000);
    // The member the monitor shows for the frozen instance: what the Group view's button has.
    await waitFor('the monitor sees both members', () => memberOf(events, 'frozen-app', frozen) !== undefined && memberOf(events, 'frozen-app', healthy) !== undefined, 15_000);
    const member = memberOf(events, 'frozen-app', frozen)!;
    const generation = rebalances(healthy).at(-1)!.generation!;

    await session.command('instances.freeze', { id: frozen, seconds: 120 });
    await waitFor('frozen', () => latest(frozen)?.state === 'frozen', 5000);
    const since = lastSeq();
    const t0 = Date.now();
    const removed = await session.command('groups.removeMember', { groupId: 'frozen-app', memberId: member.memberId, groupInstanceId: frozen });
    expect(removed).toEqual({ groupId: 'frozen-app', memberId: member.memberId, groupInstanceId: frozen });
    await waitFor('the healthy instance holds every task', () => (latest(healthy)?.tasks.length ?? 0) === 6, HEALED_WITHIN_MS);
    const healedMs = Date.now() - t0;
    console.log(`static member removed: the healthy instance held all 6 tasks ${healedMs} ms later (session timeout ${SESSION_TIMEOUT_MS} ms)`);
    const after = rebalances(healthy, since);
    expect(after.length).toBeGreaterThan(0);
    expect(after.at(-1)!.generation!).toBeGreaterThan(generation);
    await waitFor('the monitor no longer lists the frozen member', () => latestGroup(events, 'frozen-app')?.members.every((m) => m.instanceId !== frozen) === true, 10_000);

    // Removing it again, and from a group nobody has: what went wrong, in words.
    const again = await failure(session.command('groups.removeMember', { groupId: 'frozen-app', memberId: '', groupInstanceId: frozen }));
    expect(again.code).toBe('not_found');
    expect(again.message).toBe(`static member ${frozen} is not a member of group frozen-app (any more): it has left, timed out or been removed already`);
    const noGroup = await failure(session.command('groups.removeMember', { groupId: 'no-such-group', memberId: 'm-1', groupInstanceId: null }));
    expect(noGroup.code).toBe('not_found');
    expect(noGroup.message).toBe('group no-such-group not found on the cluster');
    const noId = await failure(session.handle('groups.removeMember', { groupId: 'frozen-app', memberId: '', groupInstanceId: null }));
    expect(noId.code).toBe('invalid_args');

    await session.command('instances.kill', { id: frozen });
    await session.command('instances.stop', { id: healthy, leaveGroup: true });
  }, 120_000);

  it('a dead dynamic member removed by its member id: the other member takes its partitions at once', async () => {
    await session.command('topics.create', { topic: 'dyn-in', partitions: 4 });
    const clients: KafkaClient[] = [];
    const join = () => {
      const client = new KafkaClient({ bootstrapServers: [bootstrap], clientId: `dyn-${clients.length}` });
      clients.push(client);
      return new GroupMember(client, {
        groupId: 'dyn-group',
        topics: ['dyn-in'],
        assignor: stickyAssignor('cooperative'),
        rebalanceProtocol: 'cooperative',
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: 500,
        rebalanceTimeoutMs: 20_000,
      });
    };
    const dead = join();
    const alive = join();
    try {
      await dead.start();
      await alive.start();
      await waitFor('two members share four partitions', () => dead.state === 'STABLE' && alive.state === 'STABLE' && alive.generationId === dead.generationId && alive.assignment.length === 2 && !alive.membership.rejoinNeeded, 30_000);
      const generation = alive.generationId;
      const memberId = dead.memberId;
      // Dies without a word: no LeaveGroup, no more heartbeats; the coordinator still holds it.
      await dead.close({ leaveGroup: false });
      clients[0]!.close();
      const t0 = Date.now();
      await session.command('groups.removeMember', { groupId: 'dyn-group', memberId, groupInstanceId: null });
      await waitFor('the other member owns all four partitions', () => alive.state === 'STABLE' && alive.assignment.length === 4, HEALED_WITHIN_MS);
      console.log(`dynamic member removed: the other member owned all 4 partitions ${Date.now() - t0} ms later`);
      expect(alive.generationId).toBeGreaterThan(generation);
      const described = await describeGroup('dyn-group');
      expect(described.members.map((m) => m.memberId)).toEqual([alive.memberId]);
    } finally {
      await alive.close({ leaveGroup: true });
      for (const c of clients) c.close();
    }
  }, 60_000);

  it('Stop remaining in the group, then Restart: same static identity and tasks, no new generation, state from its checkpoints; Stop leaving: at once', async () => {
    const { ids } = await session.command('instances.start', {
      app: 'bank-ledger',
      applicationId: 'restart-app',
      count: 2,
      partitions: 4,
      guarantee: 'at_least_once',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    const [restarted, other] = ids as [string, string];
    await waitFor('both instances running two tasks each', () => allRunning(ids, 4), 60_000);
    // Load throughout, as an operator would restart under it.
    await session.command('load.start', { app: 'bank-ledger', ratePerSecond: 100, keys: 20 });
    await new Promise((r) => setTimeout(r, 2000));
    const tasksBefore = latest(restarted)!.tasks;
    const otherTasks = latest(other)!.tasks;
    const generation = rebalances(other).at(-1)!.generation!;
    const memberBefore = memberOf(events, 'restart-app', restarted)!;

    const { state } = await session.command('instances.stop', { id: restarted });
    expect(state).toBe('stopped');
    const since = lastSeq();
    await session.command('instances.restart', { id: restarted });
    await waitFor('running again with its tasks', () => latest(restarted)?.streamsState === 'RUNNING' && latest(restarted)!.tasks.length === tasksBefore.length, 30_000);
    const back = rebalances(restarted, since);
    expect(back.map((r) => r.generation)).toEqual([generation]);
    expect(latest(restarted)!.tasks).toEqual(tasksBefore);
    expect(rebalances(other, since)).toEqual([]);
    expect(latest(other)!.tasks).toEqual(otherTasks);
    // Its tasks restored from the checkpoints in the state directory it kept.
    const created = telemetry(restarted, since).filter((e): e is TaskEvent => e.type === 'task' && e.phase === 'created' && (e.role ?? 'active') === 'active');
    expect(created.map((e) => e.taskId).sort()).toEqual([...tasksBefore].sort());
    const restores = telemetry(restarted, since).filter((e): e is TaskEvent => e.type === 'task' && e.restoreSource !== undefined);
    expect(restores.length).toBeGreaterThan(0);
    expect(restores.every((e) => e.restoreSource === 'checkpoint')).toBe(true);
    await waitFor('every task of the restarted instance running', () => {
      const running = new Set(telemetry(restarted, since).filter((e): e is TaskEvent => e.type === 'task' && e.phase === 'running' && (e.role ?? 'active') === 'active').map((e) => e.taskId));
      return tasksBefore.every((t) => running.has(t));
    }, 20_000);
    await session.command('load.stop', {});
    // The same static identity: the coordinator's member for it answers to the instance id.
    await waitFor('the monitor sees the restarted member', () => {
      const m = memberOf(events, 'restart-app', restarted);
      return m !== undefined && m.memberId !== memberBefore.memberId;
    }, 10_000);
    expect((await describeGroup('restart-app')).members.map((m) => m.clientId).sort()).toEqual([other, restarted].sort());

    // Leave group: the static member is removed as Kafka Streams' close(leaveGroup) does, and the other takes over at once.
    const sinceLeave = lastSeq();
    const t0 = Date.now();
    await session.command('instances.stop', { id: restarted, leaveGroup: true });
    await waitFor('the other instance holds all four tasks', () => latest(other)?.tasks.length === 4, HEALED_WITHIN_MS);
    console.log(`stop (leave group): the other instance held all 4 tasks ${Date.now() - t0} ms after the stop began`);
    expect(rebalances(other, sinceLeave).at(-1)!.generation!).toBeGreaterThan(generation);
    await session.command('instances.stop', { id: other, leaveGroup: true });
  }, 150_000);

  it("apps.reset removes its killed instance's member instead of waiting out its session", async () => {
    const { ids } = await session.command('instances.start', { app: 'passthrough', applicationId: 'reset-app', count: 2, guarantee: 'at_least_once', sessionTimeoutMs: SESSION_TIMEOUT_MS });
    await waitFor('both instances running three tasks each', () => allRunning(ids, 6), 60_000);
    await session.command('instances.kill', { id: ids[0]! });
    expect((await describeGroup('reset-app')).members).toHaveLength(2);
    const t0 = Date.now();
    await session.command('apps.reset', { applicationId: 'reset-app' });
    const tookMs = Date.now() - t0;
    console.log(`apps.reset with a killed member: ${tookMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`);
    expect(tookMs).toBeLessThan(HEALED_WITHIN_MS);
    expect((await describeGroup('reset-app')).state).toBe('Dead');
    expect(latest(ids[1]!)?.state).toBe('stopped');
  }, 90_000);

  async function describeGroup(groupId: string) {
    const kafka = new Kafka({ clientId: 'group-controls-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([groupId]);
      return groups[0]!;
    } finally {
      await admin.disconnect();
    }
  }
});

type GroupSnapshotEvent = Extract<SessionEvent, { type: 'group.snapshot' }>;

function latestGroup(events: SessionEvent[], groupId: string) {
  return events.findLast((e): e is GroupSnapshotEvent => e.type === 'group.snapshot' && e.group.groupId === groupId)?.group;
}

function memberOf(events: SessionEvent[], groupId: string, instanceId: string) {
  return latestGroup(events, groupId)?.members.find((m) => m.instanceId === instanceId);
}
