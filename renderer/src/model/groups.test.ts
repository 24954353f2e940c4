import { beforeEach, describe, expect, it } from 'vitest';
import { ev, group, resetSeq } from '../testing/fixtures';
import { applyGroups, buildBoard, defaultGroup, initialGroups } from './groups';
import { applyLag, initialLag, lagChartSeries } from './lag';

const member = (memberId: string, instanceId: string | null, topic: string, partitions: number[]) => ({
  memberId,
  clientId: `client-${memberId}`,
  clientHost: '/127.0.0.1',
  assignment: [{ topic, partitions }],
  instanceId,
});
const lag = (topic: string, partition: number, l: number, memberId: string | null = null) => ({
  topic,
  partition,
  committed: 0,
  end: l,
  lso: l,
  lag: l,
  timeLagMs: l ? l * 10 : null,
  memberId,
});

describe('assignment board', () => {
  it('puts each partition in its owner\'s column, unowned ones in an extra column', () => {
    const board = buildBoard(
      group('g', {
        members: [member('m2', 'inst-b', 'in', [1, 3]), member('m1', 'inst-a', 'in', [0, 2])],
        partitions: [lag('in', 0, 5), lag('in', 4, 7)],
      }),
    );
    expect(board.columns.map((c) => c.key)).toEqual(['inst-a', 'inst-b', null]);
    expect(board.rows.map((r) => [r.key, r.column, r.ownerKey, r.lag])).toEqual([
      ['in-0', 0, 'inst-a', 5],
      ['in-1', 1, 'inst-b', null],
      ['in-2', 0, 'inst-a', null],
      ['in-3', 1, 'inst-b', null],
      ['in-4', 2, null, 7],
    ]);
  });

  it('has no unassigned column when everything is owned, and falls back to the lag owner', () => {
    const board = buildBoard(group('g', { members: [member('m1', null, 'in', [])], partitions: [lag('in', 0, 1, 'm1')] }));
    expect(board.columns.map((c) => c.key)).toEqual(['m1']);
    expect(board.rows[0]).toMatchObject({ column: 0, ownerKey: 'm1' });
  });
});

describe('groups reducer', () => {
  beforeEach(() => resetSeq());

  it('keeps the latest snapshot and marks moved partitions', () => {
    const s = initialGroups();
    applyGroups(s, ev('group.snapshot', { group: group('wc') }));
    applyGroups(
      s,
      ev('group.rebalance', {
        groupId: 'wc',
        generation: 2,
        phase: 'completed',
        cause: 'member joined',
        durationMs: 30,
        membersBefore: ['m1'],
        membersAfter: ['m1', 'm2'],
        moved: [{ topic: 'in', partition: 3, from: 'm1', to: 'm2' }],
        ts: 500,
      }),
    );
    applyGroups(s, ev('group.snapshot', { group: group('wc', { generation: 2 }) }));
    expect(s.byId['wc']!.snapshot.generation).toBe(2);
    expect(s.byId['wc']!.moved).toEqual({ 'in-3': 500 });
  });

  it('picks a group of our own instances first', () => {
    const s = initialGroups();
    applyGroups(s, ev('group.snapshot', { group: group('other', { members: [member('x', null, 't', [0])] }) }));
    applyGroups(s, ev('group.snapshot', { group: group('mine') }));
    expect(defaultGroup(s, ['mine'])).toBe('mine');
    expect(defaultGroup(s, [])).toBe('other');
  });
});

describe('lag reducer', () => {
  beforeEach(() => resetSeq());

  it('records total and per-partition lag over time, and status changes', () => {
    const s = initialLag();
    applyLag(s, ev('group.snapshot', { group: group('g', { totalLag: 5, partitions: [lag('in', 0, 5)] }), ts: 1000 }));
    applyLag(s, ev('group.snapshot', { group: group('g', { totalLag: 9, status: 'WARN', partitions: [lag('in', 0, 2), lag('in', 1, 7)] }), ts: 2000 }));
    applyLag(s, ev('group.snapshot', { group: group('g', { totalLag: 8, status: 'WARN', partitions: [lag('in', 0, 1), lag('in', 1, 7)] }), ts: 2100 }));
    const g = s.byGroup['g']!;
    expect(g.points.map((p) => p.total)).toEqual([5, 8]); // 2100 replaced 2000
    expect(g.status).toBe('WARN');
    expect(g.statusSince).toBe(2000);
    const series = lagChartSeries(g, 'records', 1);
    expect(series.map((x) => x.label)).toEqual(['total', 'in-1']);
    expect(series[1]!.points).toEqual([
      { t: 1000, y: null },
      { t: 2100, y: 7 },
    ]);
    expect(lagChartSeries(g, 'seconds')[0]!.points[0]).toEqual({ t: 1000, y: null });
  });

  it('charts the partitions that lagged most in the window, even after they caught up', () => {
    const s = initialLag();
    applyLag(s, ev('group.snapshot', { group: group('g', { totalLag: 900, partitions: [lag('in', 2, 900), lag('in', 0, 1)] }), ts: 1000 }));
    applyLag(s, ev('group.snapshot', { group: group('g', { totalLag: 3, partitions: [lag('in', 2, 0), lag('in', 0, 3)] }), ts: 5000 }));
    expect(lagChartSeries(s.byGroup['g'], 'records', 1).map((x) => x.label)).toEqual(['total', 'in-2']);
  });

  it('keeps a sliding window', () => {
    const s = initialLag();
    for (let i = 0; i < 400; i++) applyLag(s, ev('group.snapshot', { group: group('g', { totalLag: i }), ts: i * 1000 }));
    expect(s.byGroup['g']!.points.length).toBeLessThanOrEqual(375);
    const total = lagChartSeries(s.byGroup['g'], 'records')[0]!.points;
    expect(total).toHaveLength(300);
    expect(total[0]!.y).toBe(100);
  });
});
