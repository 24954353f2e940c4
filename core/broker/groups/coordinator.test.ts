import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../protocol/errors.js';
import type { BrokerEvent } from '../events.js';
import { GroupCoordinator, type JoinRequest } from './coordinator.js';

const protocols = [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0]) }];
const client = { clientId: 'c', host: '/127.0.0.1' };

function setup() {
  const events: BrokerEvent[] = [];
  const gc = new GroupCoordinator({ initialRebalanceDelayMs: 0, minSessionTimeoutMs: 100, maxSessionTimeoutMs: 60_000 }, Date.now, (e) =>
    events.push(e),
  );
  return { gc, events };
}

const req = (over: Partial<JoinRequest> = {}): JoinRequest => ({
  groupId: 'g',
  memberId: '',
  groupInstanceId: null,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: 'consumer',
  protocols,
  reason: null,
  ...over,
});

/** A dynamic member's identity in SyncGroup and Heartbeat. */
const dyn = (memberId: string) => ({ memberId, groupInstanceId: null });

/** Joins a new dynamic member through the MEMBER_ID_REQUIRED round trip. */
async function joinNew(gc: GroupCoordinator, over: Partial<JoinRequest> = {}) {
  const first = await gc.join(req(over), client, 5);
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  return gc.join(req({ ...over, memberId: first.memberId }), client, 5);
}

describe('group coordinator state machine', () => {
  let gc: GroupCoordinator;
  afterEach(() => gc?.close());

  it('elects a leader, answers a late follower SyncGroup with its assignment, and reports state errors', async () => {
    ({ gc } = setup());
    const [j1, j2] = await Promise.all([joinNew(gc), joinNew(gc)]);
    expect(j1.generationId).toBe(1);
    const leader = j1.members.length > 0 ? j1 : j2;
    const follower = leader === j1 ? j2 : j1;
    expect(leader.members).toHaveLength(2);
    expect(follower.members).toHaveLength(0);
    expect(gc.heartbeat('g', dyn(follower.memberId), 1)).toBe(0); // CompletingRebalance: heartbeats are fine
    const assignment = { [leader.memberId]: Buffer.from('L'), [follower.memberId]: Buffer.from('F') };
    const leaderSync = await gc.sync('g', dyn(leader.memberId), 1, Object.entries(assignment).map(([memberId, a]) => ({ memberId, assignment: a })), {
      type: 'consumer',
      name: 'range',
    });
    expect(leaderSync.assignment.toString()).toBe('L');
    const late = await gc.sync('g', dyn(follower.memberId), 1, [], { type: null, name: null });
    expect(late).toEqual({ errorCode: 0, assignment: Buffer.from('F') });
    expect(gc.describe('g').state).toBe('Stable');
    expect(gc.heartbeat('g', dyn(follower.memberId), 0)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(gc.heartbeat('g', dyn('nobody'), 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // A leave starts a rebalance: the remaining member hears REBALANCE_IN_PROGRESS, rejoins, and it completes at once.
    expect(gc.leave('g', [{ memberId: follower.memberId, groupInstanceId: null }]).errorCode).toBe(0);
    expect(gc.heartbeat('g', dyn(leader.memberId), 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = await gc.join(req({ memberId: leader.memberId }), client, 5);
    expect(rejoin).toMatchObject({ errorCode: 0, generationId: 2, leader: leader.memberId });
  });

  it('rejects bad session timeouts and mismatched protocols', async () => {
    ({ gc } = setup());
    expect((await gc.join(req({ sessionTimeoutMs: 50 }), client, 5)).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    await joinNew(gc);
    expect((await gc.join(req({ memberId: '', protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] }), client, 5)).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
  });

  it('lets a restarted static member take over its identity without a rebalance', async () => {
    let events: BrokerEvent[];
    ({ gc, events } = setup());
    const first = await gc.join(req({ groupInstanceId: 'instance-1' }), client, 5); // static members skip MEMBER_ID_REQUIRED
    expect(first).toMatchObject({ errorCode: 0, generationId: 1 });
    await gc.sync('g', dyn(first.memberId), 1, [{ memberId: first.memberId, assignment: Buffer.from('A') }], { type: 'consumer', name: 'range' });
    const rebalancesBefore = events.filter((e) => e.type === 'group.rebalance.started').length;

    const restarted = await gc.join(req({ groupInstanceId: 'instance-1' }), client, 5);
    expect(restarted.errorCode).toBe(0);
    expect(restarted.generationId).toBe(1); // same generation: no rebalance
    expect(restarted.memberId).not.toBe(first.memberId);
    expect(events.filter((e) => e.type === 'group.rebalance.started').length).toBe(rebalancesBefore);
    expect(await gc.sync('g', dyn(restarted.memberId), 1, [], { type: null, name: null })).toEqual({ errorCode: 0, assignment: Buffer.from('A') });
    expect(gc.heartbeat('g', dyn(first.memberId), 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID); // the old incarnation is gone
    expect(gc.heartbeat('g', { memberId: first.memberId, groupInstanceId: 'instance-1' }, 1)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(gc.heartbeat('g', { memberId: restarted.memberId, groupInstanceId: 'instance-1' }, 1)).toBe(0);
  });

  it('a static member restarting while its old incarnation waits in JoinGroup: the old one is fenced, the new one joins', async () => {
    ({ gc } = setup());
    const as = (m: { memberId: string }, instance: string) => req({ memberId: m.memberId, groupInstanceId: instance });
    const a = await gc.join(req({ groupInstanceId: 'a' }), client, 5);
    await gc.sync('g', dyn(a.memberId), 1, [], { type: 'consumer', name: 'range' });
    const cJoin = gc.join(req({ groupInstanceId: 'c' }), client, 5);
    const [, c] = await Promise.all([gc.join(as(a, 'a'), client, 5), cJoin]);
    await Promise.all([gc.sync('g', dyn(a.memberId), 2, [], { type: null, name: null }), gc.sync('g', dyn(c.memberId), 2, [], { type: null, name: null })]);
    expect(gc.describe('g')).toMatchObject({ state: 'Stable', generationId: 2 });

    const bJoin = gc.join(req({ groupInstanceId: 'b' }), client, 5); // a rebalance that waits for a and c
    const oldJoin = gc.join(as(a, 'a'), client, 5);
    const restarted = gc.join(req({ groupInstanceId: 'a' }), client, 5); // a restarts before its join was answered
    expect((await oldJoin).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(gc.describe('g').state).toBe('PreparingRebalance');
    const cAgain = await gc.join(as(c, 'c'), client, 5);
    const aNew = await restarted;
    expect([aNew.generationId, cAgain.generationId, (await bJoin).generationId]).toEqual([3, 3, 3]);
    expect(aNew.leader).toBe(aNew.memberId); // a led; its replacement leads
    expect(aNew.members.map((m) => m.groupInstanceId).sort()).toEqual(['a', 'b', 'c']);
  });

  it("a static member restarting during CompletingRebalance starts a new rebalance; the old incarnation's SyncGroup is fenced", async () => {
    ({ gc } = setup());
    const a = await gc.join(req({ groupInstanceId: 'a' }), client, 5);
    await gc.sync('g', dyn(a.memberId), 1, [], { type: 'consumer', name: 'range' });
    const bJoin = gc.join(req({ groupInstanceId: 'b' }), client, 5);
    const [, b] = await Promise.all([gc.join(req({ memberId: a.memberId, groupInstanceId: 'a' }), client, 5), bJoin]);
    expect(gc.describe('g')).toMatchObject({ state: 'CompletingRebalance', generationId: 2, leaderId: a.memberId });
    const bWaits = gc.sync('g', { memberId: b.memberId, groupInstanceId: 'b' }, 2, [], { type: null, name: null });
    const restarted = gc.join(req({ groupInstanceId: 'b' }), client, 5); // the leader would assign to b's old id
    expect((await bWaits).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(gc.describe('g').state).toBe('PreparingRebalance');
    const [aAgain, bNew] = await Promise.all([gc.join(req({ memberId: a.memberId, groupInstanceId: 'a' }), client, 5), restarted]);
    expect([aAgain.generationId, bNew.generationId]).toEqual([3, 3]);
    expect(bNew.memberId).not.toBe(b.memberId);
    expect(await gc.sync('g', { memberId: b.memberId, groupInstanceId: 'b' }, 3, [], { type: null, name: null })).toEqual({
      errorCode: ErrorCode.FENCED_INSTANCE_ID,
      assignment: Buffer.alloc(0),
    });
  });
});
