import { describe, expect, it } from 'vitest';
import { decodeSubscription, encodeAssignment, type TopicPartition } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { JoinGroupResponse, SyncGroupResponse } from '../../protocol/schema/generated/index.js';
import { KafkaResponseError } from '../errors.js';
import { MEMBER_TRANSITIONS, Membership, type MemberState, type MembershipConfig, type RebalanceProtocol } from './membership.js';

const tp = (partition: number, topic = 'in'): TopicPartition => ({ topic, partition });

function membership(protocol: RebalanceProtocol = 'cooperative', extra: Partial<MembershipConfig> = {}): Membership {
  return new Membership({
    groupId: 'g',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'stream',
    rebalanceProtocol: protocol,
    topics: ['in'],
    sessionTimeoutMs: 45_000,
    rebalanceTimeoutMs: 300_000,
    rackId: null,
    ...extra,
  });
}

function joinResponse(over: Partial<JoinGroupResponse> = {}): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId: 1,
    protocolType: 'consumer',
    protocolName: 'stream',
    leader: 'm1',
    skipAssignment: false,
    memberId: 'm1',
    members: [],
    ...over,
  };
}

function syncResponse(partitions: TopicPartition[], errorCode = 0): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: 'consumer', protocolName: 'stream', assignment: encodeAssignment({ partitions }) };
}

/** A member in STABLE at `generationId` owning `partitions`. */
function stable(protocol: RebalanceProtocol, partitions: TopicPartition[], generationId = 1, extra: Partial<MembershipConfig> = {}): Membership {
  const m = membership(protocol, extra);
  m.prepareJoin();
  m.joinRequest(null);
  m.onJoinResponse(joinResponse({ generationId }));
  const out = m.onSyncResponse(syncResponse(partitions));
  expect(out.kind).toBe('assigned');
  expect(m.state).toBe('STABLE');
  return m;
}

const fenced = new KafkaResponseError(ErrorCode.FENCED_INSTANCE_ID, 'test');

describe('Membership transitions', () => {
  // One way to make each legal transition happen; the test checks this covers the table exactly.
  const routes: Record<string, { from: () => Membership; act: (m: Membership) => void }> = {
    'UNJOINED>PREPARING_REBALANCE': { from: () => membership(), act: (m) => m.joinRequest(null) },
    'UNJOINED>FAILED': { from: () => membership(), act: (m) => m.fail(fenced) },
    'UNJOINED>CLOSED': { from: () => membership(), act: (m) => m.close() },
    'PREPARING_REBALANCE>COMPLETING_REBALANCE': { from: preparing, act: (m) => m.onJoinResponse(joinResponse()) },
    'PREPARING_REBALANCE>UNJOINED': { from: preparing, act: (m) => m.onJoinResponse(joinResponse({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) },
    'PREPARING_REBALANCE>FAILED': { from: preparing, act: (m) => m.onJoinResponse(joinResponse({ errorCode: ErrorCode.FENCED_INSTANCE_ID })) },
    'PREPARING_REBALANCE>CLOSED': { from: preparing, act: (m) => m.close() },
    'COMPLETING_REBALANCE>STABLE': { from: completing, act: (m) => m.onSyncResponse(syncResponse([tp(0)])) },
    'COMPLETING_REBALANCE>PREPARING_REBALANCE': {
      from: completing,
      act: (m) => {
        expect(m.onSyncResponse(syncResponse([], ErrorCode.REBALANCE_IN_PROGRESS)).kind).toBe('rejoin');
        m.joinRequest(null);
      },
    },
    'COMPLETING_REBALANCE>UNJOINED': { from: completing, act: (m) => m.onSyncResponse(syncResponse([], ErrorCode.ILLEGAL_GENERATION)) },
    'COMPLETING_REBALANCE>FAILED': { from: completing, act: (m) => m.onSyncResponse(syncResponse([], ErrorCode.FENCED_INSTANCE_ID)) },
    'COMPLETING_REBALANCE>CLOSED': { from: completing, act: (m) => m.close() },
    'STABLE>PREPARING_REBALANCE': {
      from: () => stable('cooperative', [tp(0)]),
      act: (m) => {
        m.requestRejoin('probing rebalance');
        m.joinRequest(null);
      },
    },
    'STABLE>UNJOINED': { from: () => stable('cooperative', [tp(0)]), act: (m) => m.onHeartbeatResponse(ErrorCode.UNKNOWN_MEMBER_ID, m.generation) },
    'STABLE>FAILED': { from: () => stable('cooperative', [tp(0)]), act: (m) => m.onHeartbeatResponse(ErrorCode.FENCED_INSTANCE_ID, m.generation) },
    'STABLE>CLOSED': { from: () => stable('cooperative', [tp(0)]), act: (m) => m.close() },
    'FAILED>CLOSED': {
      from: () => {
        const m = membership();
        m.fail(fenced);
        return m;
      },
      act: (m) => m.close(),
    },
  };

  function preparing(): Membership {
    const m = membership();
    m.joinRequest(null);
    return m;
  }
  function completing(): Membership {
    const m = preparing();
    m.onJoinResponse(joinResponse());
    return m;
  }

  it('the routes cover every legal transition in the table, and nothing else', () => {
    const table = Object.entries(MEMBER_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    expect(Object.keys(routes).sort()).toEqual(table.sort());
  });

  for (const [edge, route] of Object.entries(routes)) {
    it(`goes ${edge.replace('>', ' → ')}`, () => {
      const [from, to] = edge.split('>') as [MemberState, MemberState];
      const m = route.from();
      expect(m.state).toBe(from);
      route.act(m);
      expect(m.state).toBe(to);
    });
  }

  it('refuses an illegal transition: a failed member cannot join again', () => {
    const m = membership();
    m.fail(fenced);
    expect(() => m.joinRequest(null)).toThrow(/FAILED to PREPARING_REBALANCE/);
  });
});

describe('Membership: joining', () => {
  it('joins with the member id the coordinator hands out (KIP-394) and the subscription as metadata', () => {
    const m = membership('cooperative', { groupInstanceId: null });
    const first = m.joinRequest(Buffer.from('task-offsets'));
    expect(first.memberId).toBe('');
    expect(first.rebalanceTimeoutMs).toBe(300_000);
    const out = m.onJoinResponse(joinResponse({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'consumer-1-abc', generationId: -1 }));
    expect(out.kind).toBe('rejoin');
    expect(m.state).toBe('PREPARING_REBALANCE');
    const second = m.joinRequest(Buffer.from('task-offsets'));
    expect(second.memberId).toBe('consumer-1-abc');
    const sub = decodeSubscription(second.protocols![0]!.metadata)!;
    expect(sub.topics).toEqual(['in']);
    expect(sub.userData?.toString()).toBe('task-offsets');
  });

  it('the leader gets every member subscription decoded', () => {
    const m = membership();
    const other = membership();
    other.joinRequest(null);
    const metadata = other.subscription(Buffer.from('x'));
    m.joinRequest(null);
    const out = m.onJoinResponse(joinResponse({ members: [{ memberId: 'm2', groupInstanceId: 'i2', metadata }] }));
    if (out.kind !== 'joined') throw new Error(out.kind);
    expect(out.isLeader).toBe(true);
    expect(out.members[0]!.groupInstanceId).toBe('i2');
    expect(out.members[0]!.subscription?.userData?.toString()).toBe('x');
  });

  it('JoinGroup REBALANCE_IN_PROGRESS is retried; INCONSISTENT_GROUP_PROTOCOL stops the member', () => {
    const m = membership();
    m.joinRequest(null);
    expect(m.onJoinResponse(joinResponse({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS })).kind).toBe('retry');
    expect(m.state).toBe('PREPARING_REBALANCE');
    expect(m.onJoinResponse(joinResponse({ errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL })).kind).toBe('fatal');
    expect(m.state).toBe('FAILED');
  });
});

describe('Membership: eager and cooperative', () => {
  it('eager revokes everything before joining and owns nothing in its subscription', () => {
    const m = stable('eager', [tp(0), tp(1)]);
    m.requestRejoin('a member joined');
    expect(m.prepareJoin()).toEqual({ lost: [], revoked: [tp(0), tp(1)] });
    const sub = decodeSubscription(m.joinRequest(null).protocols![0]!.metadata)!;
    expect(sub.ownedPartitions).toEqual([]);
    m.onJoinResponse(joinResponse({ generationId: 2 }));
    const out = m.onSyncResponse(syncResponse([tp(1)]));
    if (out.kind !== 'assigned') throw new Error(out.kind);
    expect(out.added).toEqual([tp(1)]);
    expect(out.kept).toEqual([]);
    expect(out.followUp).toBe(false);
  });

  it('cooperative keeps its partitions while joining and sends them as owned, with their generation', () => {
    const m = stable('cooperative', [tp(0), tp(1), tp(2)], 4);
    m.requestRejoin('a member joined');
    expect(m.prepareJoin()).toEqual({ lost: [], revoked: [] });
    const sub = decodeSubscription(m.joinRequest(null).protocols![0]!.metadata)!;
    expect(sub.ownedPartitions).toEqual([tp(0), tp(1), tp(2)]);
    expect(sub.generationId).toBe(4);
  });

  it('cooperative revokes only what is no longer assigned, then asks for the follow-up rebalance', () => {
    const m = stable('cooperative', [tp(0), tp(1), tp(2)]);
    m.requestRejoin('a member joined');
    m.prepareJoin();
    m.joinRequest(null);
    m.onJoinResponse(joinResponse({ generationId: 2 }));
    const out = m.onSyncResponse(syncResponse([tp(0), tp(1)]));
    if (out.kind !== 'assigned') throw new Error(out.kind);
    expect(out.revoked).toEqual([tp(2)]);
    expect(out.kept).toEqual([tp(0), tp(1)]);
    expect(out.added).toEqual([]);
    expect(out.followUp).toBe(true);
    expect(m.rejoinReason).toBe('need to revoke partitions and re-join');
    // The follow-up round revokes nothing more: the kept partitions stay owned throughout.
    expect(m.prepareJoin()).toEqual({ lost: [], revoked: [] });
    m.joinRequest(null);
    m.onJoinResponse(joinResponse({ generationId: 3 }));
    const second = m.onSyncResponse(syncResponse([tp(0), tp(1)]));
    if (second.kind !== 'assigned') throw new Error(second.kind);
    expect(second).toMatchObject({ revoked: [], added: [], kept: [tp(0), tp(1)], followUp: false });
    expect(m.rejoinNeeded).toBe(false);
  });

  it('cooperative with nothing revoked needs no follow-up', () => {
    const m = stable('cooperative', [tp(0)]);
    m.requestRejoin('probe');
    m.prepareJoin();
    m.joinRequest(null);
    m.onJoinResponse(joinResponse({ generationId: 2 }));
    const out = m.onSyncResponse(syncResponse([tp(0), tp(1)]));
    expect(out).toMatchObject({ kind: 'assigned', added: [tp(1)], kept: [tp(0)], revoked: [], followUp: false });
  });
});

describe('Membership: lost, not revoked', () => {
  it('UNKNOWN_MEMBER_ID on a heartbeat resets the member id; the partitions are lost at the next join', () => {
    const m = stable('cooperative', [tp(0), tp(1)]);
    expect(m.onHeartbeatResponse(ErrorCode.UNKNOWN_MEMBER_ID, m.generation).kind).toBe('rejoin');
    expect(m.generation).toEqual({ generationId: -1, memberId: '', protocolName: null });
    expect(m.prepareJoin()).toEqual({ lost: [tp(0), tp(1)], revoked: [] });
    expect(m.joinRequest(null).memberId).toBe('');
  });

  it('ILLEGAL_GENERATION keeps the member id but loses the partitions, eager or not', () => {
    for (const protocol of ['eager', 'cooperative'] as const) {
      const m = stable(protocol, [tp(0)]);
      m.onHeartbeatResponse(ErrorCode.ILLEGAL_GENERATION, m.generation);
      expect(m.generation.memberId).toBe('m1');
      expect(m.prepareJoin()).toEqual({ lost: [tp(0)], revoked: [] });
    }
  });

  it('a heartbeat answer about an older generation is ignored', () => {
    const m = stable('cooperative', [tp(0)], 3);
    const old = { ...m.generation, generationId: 2 };
    expect(m.onHeartbeatResponse(ErrorCode.ILLEGAL_GENERATION, old).kind).toBe('ok');
    expect(m.state).toBe('STABLE');
  });

  it('REBALANCE_IN_PROGRESS on a heartbeat asks for a rejoin and loses nothing', () => {
    const m = stable('cooperative', [tp(0)]);
    expect(m.onHeartbeatResponse(ErrorCode.REBALANCE_IN_PROGRESS, m.generation).kind).toBe('rejoin');
    expect(m.rejoinReason).toBe('group is already rebalancing');
    expect(m.prepareJoin()).toEqual({ lost: [], revoked: [] });
  });

  it('closing during a rebalance loses the partitions; when stable it revokes them', () => {
    const a = stable('cooperative', [tp(0)]);
    expect(a.prepareLeave()).toEqual({ lost: [], revoked: [tp(0)], sendLeaveGroup: true });
    const b = stable('cooperative', [tp(0)]);
    b.requestRejoin('x');
    b.prepareJoin();
    b.joinRequest(null);
    expect(b.prepareLeave()).toEqual({ lost: [tp(0)], revoked: [], sendLeaveGroup: true });
  });
});

describe('Membership: static members', () => {
  const staticConfig = { groupInstanceId: 'instance-a' };

  it('joins with its group.instance.id and no member id, and takes the member id the coordinator gives', () => {
    const m = membership('cooperative', staticConfig);
    const req = m.joinRequest(null);
    expect(req).toMatchObject({ memberId: '', groupInstanceId: 'instance-a' });
    // The broker replaced the old member without a rebalance: same generation, the old leader id named.
    const out = m.onJoinResponse(joinResponse({ generationId: 7, memberId: 'instance-a-new', leader: 'instance-b-id' }));
    expect(out).toMatchObject({ kind: 'joined', isLeader: false, generation: { generationId: 7, memberId: 'instance-a-new' } });
    const sync = m.syncRequest(new Map());
    expect(sync).toMatchObject({ generationId: 7, memberId: 'instance-a-new', groupInstanceId: 'instance-a', assignments: [] });
    const assigned = m.onSyncResponse(syncResponse([tp(0), tp(1)]));
    expect(assigned).toMatchObject({ kind: 'assigned', added: [tp(0), tp(1)], followUp: false });
    expect(m.heartbeatRequest()).toEqual({ groupId: 'g', generationId: 7, memberId: 'instance-a-new', groupInstanceId: 'instance-a' });
  });

  it('does not send LeaveGroup when closing', () => {
    const m = stable('cooperative', [tp(0)], 1, staticConfig);
    expect(m.prepareLeave().sendLeaveGroup).toBe(false);
  });

  it('FENCED_INSTANCE_ID stops it, from JoinGroup, Heartbeat or OffsetCommit; commits then fail with it', () => {
    const join = membership('cooperative', staticConfig);
    join.joinRequest(null);
    const out = join.onJoinResponse(joinResponse({ errorCode: ErrorCode.FENCED_INSTANCE_ID }));
    expect(out.kind).toBe('fatal');
    expect(join.failure?.errorName).toBe('FENCED_INSTANCE_ID');
    expect(() => join.commitRequest([{ topic: 'in', partition: 0, offset: 1 }])).toThrow(/FENCED_INSTANCE_ID/);

    const hb = stable('cooperative', [tp(0)], 1, staticConfig);
    expect(hb.onHeartbeatResponse(ErrorCode.FENCED_INSTANCE_ID, hb.generation).kind).toBe('fatal');
    expect(hb.state).toBe('FAILED');
    expect(hb.rejoinNeeded).toBe(false);

    const commit = stable('cooperative', [tp(0)], 1, staticConfig);
    expect(commit.onCommitError(ErrorCode.FENCED_INSTANCE_ID, commit.generation).kind).toBe('fatal');
    expect(commit.state).toBe('FAILED');
  });
});

describe('Membership: offset commits', () => {
  it('carry the generation, member id and group instance id', () => {
    const m = stable('cooperative', [tp(0)], 5, { groupInstanceId: 'i' });
    expect(m.commitRequest([{ topic: 'in', partition: 0, offset: 42, metadata: 'm' }])).toEqual({
      groupId: 'g',
      generationIdOrMemberEpoch: 5,
      memberId: 'm1',
      groupInstanceId: 'i',
      topics: [{ name: 'in', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    });
  });

  it('are refused during a rebalance (REBALANCE_IN_PROGRESS) and outside the group (ILLEGAL_GENERATION)', () => {
    const m = membership();
    expect(() => m.commitRequest([])).toThrow(/ILLEGAL_GENERATION/);
    m.joinRequest(null);
    expect(() => m.commitRequest([])).toThrow(/REBALANCE_IN_PROGRESS/);
  });

  it('ILLEGAL_GENERATION from the coordinator resets the generation; REBALANCE_IN_PROGRESS asks for a rejoin', () => {
    const a = stable('cooperative', [tp(0)]);
    expect(a.onCommitError(ErrorCode.ILLEGAL_GENERATION, a.generation).kind).toBe('rejoin');
    expect(a.state).toBe('UNJOINED');
    const b = stable('cooperative', [tp(0)]);
    expect(b.onCommitError(ErrorCode.REBALANCE_IN_PROGRESS, b.generation).kind).toBe('rejoin');
    expect(b.state).toBe('STABLE');
    expect(b.rejoinNeeded).toBe(true);
  });
});

describe('Membership: metadata changes (the leader assigned with a snapshot)', () => {
  /** A leader (m1) that assigned `counts` in generation `generationId`; `leader` picks who leads. */
  function assigned(counts: Record<string, number>, leader = 'm1', generationId = 1): Membership {
    const m = membership('cooperative');
    m.prepareJoin();
    m.joinRequest(null);
    m.onJoinResponse(joinResponse({ generationId, leader }));
    if (m.isLeader) m.assignedWith(Object.keys(counts), new Map(Object.entries(counts)));
    m.onSyncResponse(syncResponse([tp(0), tp(1)]));
    return m;
  }

  it('the leader rejoins when a subscribed topic gains partitions, with Kafka\'s reason', () => {
    const m = assigned({ in: 2 });
    expect(m.onMetadata(new Map([['in', 2]]))).toBe(false);
    expect(m.rejoinNeeded).toBe(false);
    expect(m.onMetadata(new Map([['in', 3]]))).toBe(true);
    expect(m.rejoinReason).toBe('cached metadata has changed');
    expect(m.rejoinDetail).toBe('cached metadata has changed from {in=2} at the beginning of the rebalance to {in=3}');
    expect(m.joinRequest(null).reason).toBe('cached metadata has changed');
  });

  it('a subscribed topic created or deleted is a change too', () => {
    expect(assigned({ in: 2 }).onMetadata(new Map([['in', 2], ['other', 1]]))).toBe(true);
    const deleted = assigned({ in: 2, other: 1 });
    expect(deleted.onMetadata(new Map([['in', 2]]))).toBe(true);
    expect(deleted.rejoinDetail).toBe('cached metadata has changed from {in=2, other=1} at the beginning of the rebalance to {in=2}');
  });

  it('a member that is not the leader keeps no snapshot and never rejoins for metadata', () => {
    const leader = assigned({ in: 2 });
    expect(leader.assignmentSnapshot).not.toBeNull();
    // The next generation is led by someone else: the old snapshot is dropped (onJoinComplete).
    leader.requestRejoin('a member joined');
    leader.prepareJoin();
    leader.joinRequest(null);
    leader.onJoinResponse(joinResponse({ generationId: 2, leader: 'm2' }));
    leader.onSyncResponse(syncResponse([tp(0), tp(1)]));
    expect(leader.assignmentSnapshot).toBeNull();
    expect(leader.groupSubscription).toEqual([]);
    expect(leader.onMetadata(new Map([['in', 3]]))).toBe(false);
    expect(leader.rejoinNeeded).toBe(false);
  });

  it('a rejoin already wanted keeps its reason (requestRejoinIfNecessary)', () => {
    const m = assigned({ in: 2 });
    m.requestRejoin('probing rebalance');
    m.onMetadata(new Map([['in', 3]]));
    expect(m.rejoinReason).toBe('probing rebalance');
    expect(m.rejoinDetail).toBe('probing rebalance');
  });
});
