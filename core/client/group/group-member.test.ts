// GroupMember against the embedded broker over TCP, with real KafkaClients: eager and
// cooperative sharing, the follow-up rebalance, static membership across a restart, stale
// commits, the session timeout, a leader's rejoin when partitions are added, and a third-party
// client's DescribeGroups.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../broker/broker.js';
import type { BrokerEvent } from '../../broker/events.js';
import { waitFor } from '../../broker/testing/wait.js';
import { ApiKey } from '../../protocol/apis.js';
import type { TopicPartition } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitResponse } from '../../protocol/schema/generated/index.js';
import { describeGroupWithKafkaPython, pythonCanImport } from '../../testing/python-clients.js';
import { KafkaClient } from '../client.js';
import type { GroupMemberEvent } from './group-events.js';
import { GroupMember, type GroupMemberConfig } from './group-member.js';
import type { RebalanceProtocol } from './membership.js';
import { stickyAssignor } from './sticky-assignor.js';

const PARTITIONS = 6;
const names = (tps: readonly TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);

interface Probe {
  member: GroupMember;
  client: KafkaClient;
  revoked: number[][];
  assigned: { added: number[]; kept: number[] }[];
  lost: number[][];
  events: GroupMemberEvent[];
}

describe('GroupMember against the embedded broker', () => {
  let b: RunningBroker;
  const brokerEvents: BrokerEvent[] = [];
  const open: Probe[] = [];
  let topicSeq = 0;

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
    b.broker.onEvent((e) => brokerEvents.push(e));
  });
  afterEach(async () => {
    for (const p of open.splice(0)) {
      await p.member.close({ leaveGroup: false }).catch(() => {});
      p.client.close();
    }
  });
  afterAll(async () => {
    await b.close();
  });

  function topic(): string {
    const name = `in-${++topicSeq}`;
    b.broker.topics.create(name, PARTITIONS);
    return name;
  }

  function join(groupId: string, topicName: string, protocol: RebalanceProtocol, extra: Partial<GroupMemberConfig> = {}): Probe {
    const client = new KafkaClient({ bootstrapServers: [b.bootstrap], clientId: `member-${open.length}` });
    const probe: Probe = { member: null as unknown as GroupMember, client, revoked: [], assigned: [], lost: [], events: [] };
    probe.member = new GroupMember(client, {
      groupId,
      topics: [topicName],
      assignor: stickyAssignor(protocol),
      protocolName: 'stream',
      rebalanceProtocol: protocol,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 300,
      rebalanceTimeoutMs: 20_000,
      listener: {
        onPartitionsRevoked: (tps) => void probe.revoked.push(names(tps)),
        onPartitionsAssigned: (added, kept) => void probe.assigned.push({ added: names(added), kept: names(kept) }),
        onPartitionsLost: (tps) => void probe.lost.push(names(tps)),
      },
      onEvent: (e) => probe.events.push(e),
      ...extra,
    });
    open.push(probe);
    return probe;
  }

  /** Every member STABLE in one generation, the partitions split without overlap. */
  async function settled(groupId: string, probes: Probe[]): Promise<void> {
    await waitFor(
      `${probes.length} members settled`,
      () => {
        const g = b.broker.groups.get(groupId);
        if (!g?.is('Stable') || g.members.size !== probes.length) return false;
        if (!probes.every((p) => p.member.state === 'STABLE' && p.member.generationId === g.generationId && !p.member.membership.rejoinNeeded)) return false;
        const all = probes.flatMap((p) => names(p.member.assignment));
        return all.length === PARTITIONS && new Set(all).size === PARTITIONS;
      },
      30_000,
    );
  }

  it('eager: two then three members share the partitions; every rebalance revokes everything first', async () => {
    const t = topic();
    const a = join('eager', t, 'eager');
    await a.member.start();
    expect(names(a.member.assignment)).toEqual([0, 1, 2, 3, 4, 5]);
    const bb = join('eager', t, 'eager');
    await bb.member.start();
    await settled('eager', [a, bb]);
    expect(a.revoked[0]).toEqual([0, 1, 2, 3, 4, 5]);
    const c = join('eager', t, 'eager');
    await c.member.start();
    await settled('eager', [a, bb, c]);
    for (const p of [a, bb, c]) expect(p.member.assignment).toHaveLength(2);
    // Eager: the round that took the third member began with each old member giving up all it had.
    expect(a.revoked.at(-1)).toHaveLength(3);
    expect(bb.revoked.at(-1)).toHaveLength(3);
    expect(a.assigned.every((x) => x.kept.length === 0)).toBe(true);
  });

  it('cooperative: a partition that stays is never revoked when a third member joins; a follow-up round moves the rest', async () => {
    const t = topic();
    const a = join('coop', t, 'cooperative');
    const bb = join('coop', t, 'cooperative');
    await Promise.all([a.member.start(), bb.member.start()]);
    await settled('coop', [a, bb]);
    const before = new Map([a, bb].map((p) => [p, names(p.member.assignment)]));
    const generationBefore = a.member.generationId;
    const aRevokedBefore = a.revoked.length;
    const bRevokedBefore = bb.revoked.length;

    const c = join('coop', t, 'cooperative');
    await c.member.start();
    await settled('coop', [a, bb, c]);
    for (const p of [a, bb, c]) expect(p.member.assignment).toHaveLength(2);
    for (const p of [a, bb]) {
      const stayed = names(p.member.assignment).filter((x) => before.get(p)!.includes(x));
      expect(stayed).toHaveLength(2);
      const revokedSince = p.revoked.slice(p === a ? aRevokedBefore : bRevokedBefore).flat();
      expect(revokedSince).toHaveLength(1); // one partition each moves to the newcomer
      for (const x of stayed) expect(revokedSince).not.toContain(x);
    }
    // Two generations: the round that revoked, and the follow-up that assigned.
    expect(c.member.generationId).toBe(generationBefore + 2);
    const followUps = [...a.events, ...bb.events].filter((e) => e.type === 'group.rebalance.completed' && e.followUp);
    expect(followUps.length).toBeGreaterThanOrEqual(1);
    expect(a.lost).toEqual([]);
  });

  it('static member: closes without leaving and restarts within the session timeout, gets the same partitions, no new generation', async () => {
    const t = topic();
    const s = join('static', t, 'cooperative', { groupInstanceId: 'instance-s' });
    const d = join('static', t, 'cooperative');
    await Promise.all([s.member.start(), d.member.start()]);
    await settled('static', [s, d]);
    // Rejoin once, so the coordinator holds a subscription that lists owned partitions: the
    // restarted member owns nothing yet, and its different metadata must not cause a rebalance.
    const first = s.member.generationId;
    s.member.requestRejoin('probing rebalance');
    await waitFor('probing round done', () => s.member.generationId > first && s.member.state === 'STABLE' && !s.member.membership.rejoinNeeded, 10_000);
    await settled('static', [s, d]);
    const generation = s.member.generationId;
    const partitions = names(s.member.assignment);
    const dRounds = d.events.filter((e) => e.type === 'group.rebalance.completed').length;
    const leavesBefore = brokerEvents.filter((e) => e.type === 'group.member.left' && e.groupId === 'static' && e.reason === 'leave-group').length;

    await s.member.close(); // a static member sends no LeaveGroup, even when asked to leave
    s.client.close();
    expect(s.revoked.at(-1)).toEqual(partitions);
    const states: string[] = [];
    const watch = setInterval(() => states.push(b.broker.groups.get('static')!.state), 20);
    try {
      const restarted = join('static', t, 'cooperative', { groupInstanceId: 'instance-s' });
      await restarted.member.start();
      expect(restarted.member.generationId).toBe(generation);
      expect(names(restarted.member.assignment)).toEqual(partitions);
      expect(restarted.member.memberId).not.toBe(s.member.memberId);
      expect(restarted.assigned).toEqual([{ added: partitions, kept: [] }]);
      await new Promise((r) => setTimeout(r, 1000)); // a few heartbeats: nobody is told to rebalance
    } finally {
      clearInterval(watch);
    }
    expect(new Set(states)).toEqual(new Set(['Stable']));
    expect(d.events.filter((e) => e.type === 'group.rebalance.completed').length).toBe(dRounds);
    expect(brokerEvents.filter((e) => e.type === 'group.member.left' && e.groupId === 'static' && e.reason === 'leave-group').length).toBe(leavesBefore);
  });

  it('a dynamic member leaves on close; "remain in group" sends no LeaveGroup', async () => {
    const t = topic();
    const a = join('leave', t, 'cooperative');
    await a.member.start();
    await a.member.close();
    await waitFor('member gone', () => b.broker.groups.get('leave')!.members.size === 0, 5000);
    expect(a.revoked.at(-1)).toEqual([0, 1, 2, 3, 4, 5]);

    const r = join('remain', t, 'cooperative');
    await r.member.start();
    await r.member.close({ leaveGroup: false });
    await new Promise((res) => setTimeout(res, 500));
    expect(b.broker.groups.get('remain')!.members.size).toBe(1);
    expect(r.revoked).toEqual([]);
  });

  it('commits with the current generation; a commit carrying a stale generation is rejected as ILLEGAL_GENERATION', async () => {
    const t = topic();
    const a = join('commit', t, 'eager');
    await a.member.start();
    await a.member.commitOffsets([{ topic: t, partition: 0, offset: 17, metadata: 'm' }]);
    const fetched = await a.member.fetchOffsets([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
    expect([...fetched.values()]).toEqual([{ offset: 17, leaderEpoch: -1, metadata: 'm' }, null]);

    const stale = a.member.membership.commitRequest([{ topic: t, partition: 0, offset: 20 }]);
    const bb = join('commit', t, 'eager');
    await bb.member.start();
    await settled('commit', [a, bb]);
    expect(a.member.generationId).toBeGreaterThan(stale.generationIdOrMemberEpoch!);
    const res = await a.client.coordinatorRequest<OffsetCommitResponse>('group', 'commit', ApiKey.OffsetCommit, stale, { range: { min: 7 } });
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const after = await a.member.fetchOffsets([{ topic: t, partition: 0 }]);
    expect([...after.values()][0]?.offset).toBe(17);
  });

  it('a member that stops heartbeating is removed after the session timeout, and the other takes its partitions', async () => {
    const t = topic();
    const a = join('session', t, 'cooperative', { sessionTimeoutMs: 6000 });
    const gone = join('session', t, 'cooperative', { sessionTimeoutMs: 6000 });
    await Promise.all([a.member.start(), gone.member.start()]);
    await settled('session', [a, gone]);
    const goneId = gone.member.memberId;
    const stoppedAt = Date.now();
    await gone.member.close({ leaveGroup: false }); // no LeaveGroup, no more heartbeats
    gone.client.close();
    open.splice(open.indexOf(gone), 1);
    await waitFor('the survivor owns every partition', () => a.member.state === 'STABLE' && a.member.assignment.length === PARTITIONS, 30_000);
    const left = brokerEvents.find((e) => e.type === 'group.member.left' && e.memberId === goneId);
    expect(left).toMatchObject({ reason: 'session-timeout' });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(5000);
  }, 40_000);

  it('requestRejoin starts a new generation that moves nothing (a probing rebalance)', async () => {
    const t = topic();
    const a = join('probe', t, 'cooperative');
    const bb = join('probe', t, 'cooperative');
    await Promise.all([a.member.start(), bb.member.start()]);
    await settled('probe', [a, bb]);
    const generation = a.member.generationId;
    const owned = names(a.member.assignment);
    a.member.requestRejoin('probing rebalance');
    await waitFor('new generation', () => a.member.generationId > generation && a.member.state === 'STABLE' && bb.member.generationId === a.member.generationId, 15_000);
    expect(names(a.member.assignment)).toEqual(owned);
    const started = a.events.filter((e) => e.type === 'group.join.started').at(-1);
    expect(started).toMatchObject({ reason: 'probing rebalance', revoked: [], lost: [] });
  });

  it('the leader rejoins within metadata.max.age.ms when partitions are added, and the new generation assigns them', async () => {
    const maxAgeMs = 1000;
    const name = `grow-${++topicSeq}`;
    b.broker.topics.create(name, 2);
    const a = join('grow', name, 'cooperative', { metadataMaxAgeMs: maxAgeMs });
    await a.member.start();
    expect(a.member.isLeader).toBe(true);
    expect(names(a.member.assignment)).toEqual([0, 1]);
    const generation = a.member.generationId;
    // Unchanged metadata over several refreshes is no reason to rebalance.
    await new Promise((r) => setTimeout(r, 2.5 * maxAgeMs));
    expect(a.member.generationId).toBe(generation);
    expect(a.events.filter((e) => e.type === 'group.join.started')).toHaveLength(1);

    const admin = new Kafka({ brokers: [b.bootstrap], clientId: 'grow-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic: name, count: 3 }] });
    } finally {
      await admin.disconnect();
    }
    const grownAt = Date.now();
    await waitFor('a generation with 3 partitions', () => a.member.generationId > generation && a.member.state === 'STABLE' && a.member.assignment.length === 3, 10_000);
    const started = a.events.filter((e) => e.type === 'group.join.started').at(-1)!;
    // The next refresh is due at most one max age after the last; allow for a loaded machine.
    expect(started.at - grownAt).toBeLessThan(maxAgeMs + 1500);
    expect(started).toMatchObject({
      reason: `cached metadata has changed from {${name}=2} at the beginning of the rebalance to {${name}=3}`,
      previousGenerationId: generation,
      revoked: [],
      lost: [],
    });
    expect(a.member.generationId).toBe(generation + 1);
    expect(names(a.member.assignment)).toEqual([0, 1, 2]);
    expect(a.assigned.at(-1)).toEqual({ added: [2], kept: [0, 1] });
    const completed = a.events.filter((e) => e.type === 'group.rebalance.completed').at(-1);
    expect(completed).toMatchObject({ reason: started.reason, generationId: generation + 1 });
  });

  it.runIf(pythonCanImport('kafka'))("kafka-python's DescribeGroups shows the members and their assignment", async () => {
    const t = topic();
    const a = join('described', t, 'cooperative', { groupInstanceId: 'inst-a' });
    const bb = join('described', t, 'cooperative');
    await Promise.all([a.member.start(), bb.member.start()]);
    await settled('described', [a, bb]);
    const described = await describeGroupWithKafkaPython(b.bootstrap, 'described');
    expect(described).toMatchObject({ state: 'Stable', protocol: 'stream', protocol_type: 'consumer' });
    const byId = new Map(described.members.map((m) => [m.member_id, m.assignment[t]]));
    expect(byId.get(a.member.memberId)).toEqual(names(a.member.assignment));
    expect(byId.get(bb.member.memberId)).toEqual(names(bb.member.assignment));
  });
});
