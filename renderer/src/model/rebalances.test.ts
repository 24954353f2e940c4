import { beforeEach, describe, expect, it } from 'vitest';
import { ev, info, resetSeq, telemetry } from '../testing/fixtures';
import { pauseSummary, protocolOf, rebalanceCause } from './rebalance-causes';
import { applyRebalances, initialRebalances, timeline } from './rebalances';

const appOf = (id: string) => (id.startsWith('wc') ? 'word-count' : null);
const rebalance = (generation: number | null, memberId: string, assigned: string[], revoked: string[], durationMs = 50) => ({
  type: 'rebalance',
  generation,
  memberId,
  leaderId: 'm1',
  isLeader: memberId === 'm1',
  assigned,
  revoked,
  kept: [],
  durationMs,
});

describe('rebalances reducer', () => {
  beforeEach(() => resetSeq());

  it('joins the monitor\'s started/completed with the instances\' telemetry per generation', () => {
    const s = initialRebalances();
    const groupRebalance = (phase: 'started' | 'completed', generation: number | null, ts: number) =>
      ev('group.rebalance', {
        groupId: 'word-count',
        generation,
        phase,
        cause: phase === 'started' ? 'member joined' : '',
        durationMs: phase === 'completed' ? 120 : null,
        membersBefore: ['m1'],
        membersAfter: phase === 'completed' ? ['m1', 'm2'] : [],
        moved: phase === 'completed' ? [{ topic: 'in', partition: 1, from: 'm1', to: 'm2' }] : [],
        ts,
      });
    applyRebalances(s, groupRebalance('started', null, 1000), appOf);
    applyRebalances(s, telemetry('wc-1', rebalance(2, 'm1', [], ['0_1']), 1090), appOf);
    applyRebalances(s, telemetry('wc-2', rebalance(2, 'm2', ['0_1'], []), 1100), appOf);
    applyRebalances(s, groupRebalance('completed', 2, 1120), appOf);
    expect(s.entries).toHaveLength(1);
    const e = s.entries[0]!;
    expect(e).toMatchObject({ groupId: 'word-count', generation: 2, cause: 'member joined', durationMs: 120, startedTs: 1000, completedTs: 1120 });
    expect(e.members.map((m) => [m.instanceId, m.assigned, m.revoked])).toEqual([
      ['wc-1', [], ['0_1']],
      ['wc-2', ['0_1'], []],
    ]);
    expect(e.moved).toHaveLength(1);
  });

  it('merges an entry the instances created with the monitor\'s open one when the generation completes', () => {
    const s = initialRebalances();
    applyRebalances(s, telemetry('wc-1', rebalance(5, 'm1', ['0_0'], []), 2000), appOf);
    expect(s.entries[0]).toMatchObject({ generation: 5, durationMs: 50, completedTs: 2000 });
    applyRebalances(
      s,
      ev('group.rebalance', { groupId: 'word-count', generation: null, phase: 'started', cause: 'member left', durationMs: null, membersBefore: [], membersAfter: [], moved: [], ts: 1900 }),
      appOf,
    );
    applyRebalances(
      s,
      ev('group.rebalance', { groupId: 'word-count', generation: 5, phase: 'completed', cause: '', durationMs: 300, membersBefore: [], membersAfter: ['m1'], moved: [], ts: 2200 }),
      appOf,
    );
    expect(s.entries).toHaveLength(1);
    expect(s.entries[0]).toMatchObject({ generation: 5, cause: 'member left', startedTs: 1900, durationMs: 300, monitorCompleted: true });
    expect(s.entries[0]!.members).toHaveLength(1);
  });

  it('files telemetry without an app nowhere, and lists newest first', () => {
    const s = initialRebalances();
    applyRebalances(s, telemetry('other', rebalance(1, 'x', [], [])), appOf);
    expect(s.entries).toHaveLength(0);
    applyRebalances(s, telemetry('wc-1', rebalance(1, 'm1', [], []), 1000), appOf);
    applyRebalances(s, telemetry('wc-1', rebalance(2, 'm1', [], []), 5000), appOf);
    expect(timeline(s, 'word-count').map((e) => e.generation)).toEqual([2, 1]);
    expect(timeline(s, 'nope')).toEqual([]);
  });
});

describe('rebalance rounds, causes and pauses', () => {
  beforeEach(() => resetSeq());
  const stateEv = (id: string, to: string, from: string | null, ts: number) =>
    ev('instance.state', { instance: { ...info(id), applicationId: 'word-count', state: to as 'running' }, from: from as 'running' | null, reason: '', ts });
  const completed = (generation: number, before: string[], after: string[], ts: number, durationMs = 100) =>
    ev('group.rebalance', { groupId: 'word-count', generation, phase: 'completed', cause: '', durationMs, membersBefore: before, membersAfter: after, moved: [], ts });
  const round = (generation: number, memberId: string, over: Record<string, unknown>) => ({ ...rebalance(generation, memberId, [], []), ...over });

  it('names a kill followed by the coordinator removing the member a session timeout, with the delay', () => {
    const s = initialRebalances();
    applyRebalances(s, stateEv('wc-1', 'running', 'starting', 500), appOf);
    applyRebalances(s, stateEv('wc-1', 'killed', 'running', 1_000), appOf);
    applyRebalances(s, ev('group.rebalance', { groupId: 'word-count', generation: null, phase: 'started', cause: 'member left', durationMs: null, membersBefore: ['wc-1-aaaa', 'wc-2-bbbb'], membersAfter: [], moved: [], ts: 11_000 }), appOf);
    applyRebalances(s, completed(3, ['wc-1-aaaa', 'wc-2-bbbb'], ['wc-2-bbbb'], 11_200), appOf);
    const cause = rebalanceCause(s.entries[0]!, s.faults);
    expect(cause.kind).toBe('session-timeout');
    expect(cause.text).toBe('session timeout: wc-1 was killed; the coordinator removed it 10.0 s later');
  });

  it('a stop that leaves the group is "left"; probing and follow-up rounds are named from the members', () => {
    const s = initialRebalances();
    applyRebalances(s, stateEv('wc-1', 'stopping', 'running', 1_000), appOf);
    applyRebalances(s, completed(3, ['wc-1-aaaa', 'wc-2-bbbb'], ['wc-2-bbbb'], 1_300, 200), appOf);
    expect(rebalanceCause(s.entries[0]!, s.faults)).toEqual({ kind: 'left', text: 'wc-1 left the group (stopped)' });
    applyRebalances(s, telemetry('wc-2', round(4, 'wc-2-bbbb', { round: 'probing', reason: 'probing rebalance' }), 5_000), appOf);
    expect(rebalanceCause(timeline(s, 'word-count')[0]!, s.faults).kind).toBe('probing');
    applyRebalances(s, telemetry('wc-2', round(6, 'wc-2-bbbb', { round: 'assign', reason: 'need to revoke partitions and re-join' }), 9_000), appOf);
    expect(rebalanceCause(timeline(s, 'word-count')[0]!, s.faults).kind).toBe('follow-up');
  });

  it('collects the pause of kept tasks and of moved tasks (from the old owner\'s last record)', () => {
    const s = initialRebalances();
    applyRebalances(s, telemetry('wc-1', { type: 'task', taskId: '0_1', role: 'active', phase: 'closed', lastProcessedAt: 9_800 }, 9_900), appOf);
    applyRebalances(s, telemetry('wc-1', round(2, 'm1', { kept: ['0_0'], revoked: ['0_1'], protocol: 'cooperative' }), 10_000), appOf);
    applyRebalances(s, telemetry('wc-2', round(2, 'm2', { assigned: ['0_1'], protocol: 'cooperative' }), 10_000), appOf);
    applyRebalances(s, telemetry('wc-1', { type: 'pause', taskId: '0_0', kind: 'kept', firstProcessedAt: 10_010, pauseMs: 12 }, 10_010), appOf);
    applyRebalances(s, telemetry('wc-2', { type: 'pause', taskId: '0_1', kind: 'assigned', firstProcessedAt: 10_300, pauseMs: 250 }, 10_300), appOf);
    const entry = s.entries[0]!;
    expect(entry.pauses).toEqual([
      { taskId: '0_0', instanceId: 'wc-1', kind: 'kept', pauseMs: 12, from: null },
      { taskId: '0_1', instanceId: 'wc-2', kind: 'moved', pauseMs: 500, from: 'wc-1' },
    ]);
    expect(pauseSummary([entry])).toEqual({ kept: { count: 1, medianMs: 12, maxMs: 12 }, moved: { count: 1, medianMs: 500, maxMs: 500 } });
    expect(protocolOf([entry])).toBe('cooperative');
    expect(entry.members[0]).toMatchObject({ protocol: 'cooperative', round: null });
  });

  it('marks a restarted static member that got the same generation back as a rejoin without rebalance', () => {
    const s = initialRebalances();
    applyRebalances(s, telemetry('wc-1', round(7, 'm1', { assigned: ['0_0'] }), 1_000), appOf);
    applyRebalances(s, completed(7, [], ['m1'], 1_050), appOf);
    applyRebalances(s, stateEv('wc-1', 'stopping', 'running', 2_000), appOf);
    applyRebalances(s, stateEv('wc-1', 'starting', 'stopped', 3_000), appOf);
    applyRebalances(s, telemetry('wc-1', round(7, 'm1-new', { assigned: ['0_0'] }), 4_000), appOf);
    expect(s.entries).toHaveLength(1);
    expect(s.entries[0]!.staticRejoins).toEqual([{ instanceId: 'wc-1', ts: 4_000 }]);
  });
});

describe('rebalance causes when the monitor missed a generation', () => {
  beforeEach(() => resetSeq());
  it('names the instance that is gone since the previous generation, and keeps the round after it', () => {
    const s = initialRebalances();
    const r = (generation: number, memberId: string, over: Record<string, unknown> = {}) => ({ ...rebalance(generation, memberId, [], []), ...over });
    applyRebalances(s, telemetry('wc-1', r(1, 'wc-1-a'), 1_000), appOf);
    applyRebalances(s, telemetry('wc-2', r(1, 'wc-2-b'), 1_000), appOf);
    applyRebalances(s, ev('instance.state', { instance: { ...info('wc-2'), applicationId: 'word-count', state: 'frozen' }, from: 'running', reason: '', ts: 2_000 }), appOf);
    applyRebalances(s, telemetry('wc-1', r(2, 'wc-1-a', { round: 'revoke', reason: 'group is already rebalancing' }), 12_500), appOf);
    applyRebalances(s, telemetry('wc-1', r(3, 'wc-1-a', { reason: 'need to revoke partitions and re-join' }), 13_000), appOf);
    const [g3, g2, g1] = timeline(s, 'word-count');
    expect(rebalanceCause(g2!, s.faults, g1!)).toEqual({ kind: 'session-timeout', text: 'session timeout: wc-2 was frozen; the coordinator removed it 10.4 s later' });
    // The monitor's view spans both generations: member left, and this one is the follow-up.
    g3!.membersBefore = ['wc-1-a', 'wc-2-b'];
    g3!.membersAfter = ['wc-1-a'];
    expect(rebalanceCause(g3!, s.faults, g2!).text).toMatch(/^session timeout: wc-2 was frozen; .*; cooperative follow-up/);
  });
});
