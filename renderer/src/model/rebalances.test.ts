import { beforeEach, describe, expect, it } from 'vitest';
import { ev, resetSeq, telemetry } from '../testing/fixtures';
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
