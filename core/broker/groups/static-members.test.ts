// Static membership (KIP-345) on the wire, at the versions that carry group.instance.id: an old
// incarnation of a replaced static member is fenced by every group API, the new one keeps its
// place, and a restart during PreparingRebalance joins that rebalance (as Kafka 4.x).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../protocol/apis.js';
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AddOffsetsToTxnResponse,
  HeartbeatResponse,
  InitProducerIdResponse,
  JoinGroupResponse,
  LeaveGroupResponse,
  OffsetCommitResponse,
  SyncGroupResponse,
  TxnOffsetCommitResponse,
} from '../../protocol/schema/generated/index.js';
import { startBroker, type RunningBroker } from '../broker.js';
import type { BrokerEvent } from '../events.js';
import { rawRequest } from '../testing/raw-client.js';
import { waitFor } from '../testing/wait.js';

interface Incarnation {
  memberId: string;
  instanceId: string;
}

describe('static members (group.instance.id) on the wire', () => {
  let b: RunningBroker;
  const events: BrokerEvent[] = [];

  beforeAll(async () => {
    b = await startBroker({ port: 0, dataDir: null, initialRebalanceDelayMs: 0 });
    b.broker.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await b?.close();
  });

  const join = (groupId: string, topic: string, who: { memberId: string; instanceId: string }, userData = 'u') =>
    rawRequest<JoinGroupResponse>(b.address, ApiKey.JoinGroup, 5, {
      groupId,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 10_000,
      memberId: who.memberId,
      groupInstanceId: who.instanceId,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription({ topics: [topic], userData: Buffer.from(userData) }) }],
    });
  const sync = (groupId: string, m: Incarnation, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = []) =>
    rawRequest<SyncGroupResponse>(b.address, ApiKey.SyncGroup, 3, {
      groupId,
      generationId,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      assignments,
    });
  const heartbeat = (groupId: string, m: Incarnation, generationId: number, version = 3) =>
    rawRequest<HeartbeatResponse>(b.address, ApiKey.Heartbeat, version, {
      groupId,
      generationId,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
    });
  const commit = (groupId: string, topic: string, m: Incarnation, generationId: number) =>
    rawRequest<OffsetCommitResponse>(b.address, ApiKey.OffsetCommit, 7, {
      groupId,
      generationIdOrMemberEpoch: generationId,
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
  const leave = (groupId: string, m: Incarnation) =>
    rawRequest<LeaveGroupResponse>(b.address, ApiKey.LeaveGroup, 3, {
      groupId,
      members: [{ memberId: m.memberId, groupInstanceId: m.instanceId }],
    });
  const partitions = (a: Buffer) => decodeAssignment(a)!.partitions.map((p) => p.partition);
  const assignmentOf = (topic: string, ps: number[]) => encodeAssignment({ partitions: ps.map((partition) => ({ topic, partition })) });

  it('fences the replaced incarnation in JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and TxnOffsetCommit; the new one keeps working', async () => {
    const groupId = 'static-fenced';
    const topic = 'static-fenced-in';
    b.broker.topics.create(topic, 2);

    const j1 = await join(groupId, topic, { memberId: '', instanceId: 'i-1' }); // static: no MEMBER_ID_REQUIRED
    expect(j1).toMatchObject({ errorCode: 0, generationId: 1, leader: j1.memberId });
    const old: Incarnation = { memberId: j1.memberId, instanceId: 'i-1' };
    const s1 = await sync(groupId, old, 1, [{ memberId: old.memberId, assignment: assignmentOf(topic, [0, 1]) }]);
    expect(s1.errorCode).toBe(0);

    // The instance restarts: same group.instance.id, no member id. It takes over with no rebalance.
    const j2 = await join(groupId, topic, { memberId: '', instanceId: 'i-1' });
    expect(j2).toMatchObject({ errorCode: 0, generationId: 1 });
    const current: Incarnation = { memberId: j2.memberId, instanceId: 'i-1' };
    expect(current.memberId).not.toBe(old.memberId);

    // The old incarnation, still running, hears FENCED_INSTANCE_ID from every group API.
    expect((await heartbeat(groupId, old, 1)).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await sync(groupId, old, 1)).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await commit(groupId, topic, old, 1)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const oldLeave = await leave(groupId, old);
    expect(oldLeave.members).toEqual([expect.objectContaining({ memberId: old.memberId, errorCode: ErrorCode.FENCED_INSTANCE_ID })]);
    expect((await join(groupId, topic, old)).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    // Heartbeat v2 cannot name the instance: an unknown member id is all the coordinator sees.
    expect((await heartbeat(groupId, old, 1, 2)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // An instance id the group does not know is an unknown member, not a fenced one.
    expect((await heartbeat(groupId, { memberId: current.memberId, instanceId: 'i-other' }, 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // TxnOffsetCommit v3 carries the member too (a transactional producer consuming in this group).
    const init = await rawRequest<InitProducerIdResponse>(b.address, ApiKey.InitProducerId, 1, {
      transactionalId: 'static-fenced-tx',
      transactionTimeoutMs: 60_000,
    });
    expect(init.errorCode).toBe(0);
    const txn = { transactionalId: 'static-fenced-tx', producerId: init.producerId, producerEpoch: init.producerEpoch };
    const added = await rawRequest<AddOffsetsToTxnResponse>(b.address, ApiKey.AddOffsetsToTxn, 1, { ...txn, groupId });
    expect(added.errorCode).toBe(0);
    const txnCommit = (m: Incarnation) =>
      rawRequest<TxnOffsetCommitResponse>(b.address, ApiKey.TxnOffsetCommit, 3, {
        ...txn,
        groupId,
        generationId: 1,
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        topics: [{ name: topic, partitions: [{ partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: '' }] }],
      });
    expect((await txnCommit(old)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await txnCommit(current)).topics[0]!.partitions[0]!.errorCode).toBe(0);

    // The current incarnation was never disturbed: same generation, its partitions, commits, heartbeats.
    const s2 = await sync(groupId, current, 1);
    expect(s2.errorCode).toBe(0);
    expect(partitions(s2.assignment)).toEqual([0, 1]);
    expect((await heartbeat(groupId, current, 1)).errorCode).toBe(0);
    expect((await commit(groupId, topic, current, 1)).topics[0]!.partitions[0]!.errorCode).toBe(0);
    expect(b.broker.offsets.get(groupId, topic, 0)?.offset).toBe(5);
    const g = b.broker.groups.describe(groupId);
    expect(g).toMatchObject({ state: 'Stable', generationId: 1 });
    expect(g.members.map((m) => [m.memberId, m.groupInstanceId])).toEqual([[current.memberId, 'i-1']]);

    // And it leaves by its own id; then the group is empty.
    const left = await leave(groupId, current);
    expect(left.members).toEqual([expect.objectContaining({ memberId: current.memberId, errorCode: 0 })]);
    expect(b.broker.groups.describe(groupId).state).toBe('Empty');
  });

  it("LeaveGroup v3+ answers as Kafka: a member's error beside it with NONE at the top; an unknown group's alone at the top", async () => {
    const groupId = 'static-leave-errors';
    const topic = 'static-leave-errors-in';
    b.broker.topics.create(topic, 1);
    const j = await join(groupId, topic, { memberId: '', instanceId: 'i-1' });
    expect(j.errorCode).toBe(0);
    // An administrative removal (empty member id) of an instance id the group does not hold.
    const unknown = await leave(groupId, { memberId: '', instanceId: 'i-other' });
    expect(unknown.errorCode).toBe(0);
    expect(unknown.members).toEqual([expect.objectContaining({ memberId: '', groupInstanceId: 'i-other', errorCode: ErrorCode.UNKNOWN_MEMBER_ID })]);
    const noGroup = await leave('static-leave-no-such-group', { memberId: '', instanceId: 'i-1' });
    expect(noGroup.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(noGroup.members).toEqual([]);
    // And the one it holds goes by its instance id alone.
    const removed = await leave(groupId, { memberId: '', instanceId: 'i-1' });
    expect(removed.errorCode).toBe(0);
    expect(removed.members).toEqual([expect.objectContaining({ groupInstanceId: 'i-1', errorCode: 0 })]);
    expect(b.broker.groups.describe(groupId).members).toEqual([]);
  });

  it('a static member restarting during PreparingRebalance joins that rebalance and gets its partitions back', async () => {
    const groupId = 'static-preparing';
    const topic = 'static-preparing-in';
    b.broker.topics.create(topic, 6);
    // The leader's assignor, as Kafka's range assignor orders static members: by group.instance.id.
    const assign = (members: JoinGroupResponse['members']) => {
      const sorted = [...members].sort((x, y) => (x.groupInstanceId ?? '').localeCompare(y.groupInstanceId ?? ''));
      const per = 6 / sorted.length;
      return sorted.map((m, i) => ({ memberId: m.memberId, assignment: assignmentOf(topic, [...Array(per).keys()].map((k) => i * per + k)) }));
    };

    // Two static members, Stable at generation 2: i-1 (leader) owns 0-2, i-2 owns 3-5.
    const a1 = await join(groupId, topic, { memberId: '', instanceId: 'i-1' });
    const s1: Incarnation = { memberId: a1.memberId, instanceId: 'i-1' };
    await sync(groupId, s1, 1, assign(a1.members));
    const joining2 = join(groupId, topic, { memberId: '', instanceId: 'i-2' });
    await waitFor('the rebalance for i-2', () => b.broker.groups.get(groupId)!.state === 'PreparingRebalance');
    expect((await heartbeat(groupId, s1, 1)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [r1, a2] = await Promise.all([join(groupId, topic, s1), joining2]);
    expect([r1.generationId, a2.generationId]).toEqual([2, 2]);
    const s2: Incarnation = { memberId: a2.memberId, instanceId: 'i-2' };
    const [y1, y2] = await Promise.all([sync(groupId, s1, 2, assign(r1.members)), sync(groupId, s2, 2)]);
    expect(partitions(y1.assignment)).toEqual([0, 1, 2]);
    expect(partitions(y2.assignment)).toEqual([3, 4, 5]);

    // i-1 stops without leaving; i-2 rejoins with new metadata: the group waits for i-1.
    const rejoin2 = join(groupId, topic, s2, 'changed');
    await waitFor('PreparingRebalance', () => b.broker.groups.get(groupId)!.state === 'PreparingRebalance');
    const completedBefore = events.filter((e) => e.type === 'group.rebalance.completed' && e.groupId === groupId).length;

    // i-1 restarts into that rebalance: it takes over its member and the join completes at once,
    // one generation with both members (not one with i-2 alone, then another).
    const restarted = await join(groupId, topic, { memberId: '', instanceId: 'i-1' });
    const r2 = await rejoin2;
    expect(restarted).toMatchObject({ errorCode: 0, generationId: 3 });
    expect(r2).toMatchObject({ errorCode: 0, generationId: 3 });
    const s1b: Incarnation = { memberId: restarted.memberId, instanceId: 'i-1' };
    expect(s1b.memberId).not.toBe(s1.memberId);
    expect(restarted.leader).toBe(s1b.memberId); // it was the leader; its replacement still is
    expect(restarted.members.map((m) => m.groupInstanceId).sort()).toEqual(['i-1', 'i-2']);
    const [z1, z2] = await Promise.all([sync(groupId, s1b, 3, assign(restarted.members)), sync(groupId, s2, 3)]);
    expect(partitions(z1.assignment)).toEqual([0, 1, 2]);
    expect(partitions(z2.assignment)).toEqual([3, 4, 5]);
    const completed = events.filter((e) => e.type === 'group.rebalance.completed' && e.groupId === groupId).slice(completedBefore);
    expect(completed.map((e) => e.type === 'group.rebalance.completed' && e.generationId)).toEqual([3]);
    expect((await heartbeat(groupId, s1, 3)).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(b.broker.groups.describe(groupId)).toMatchObject({ state: 'Stable', generationId: 3 });
  });
});
