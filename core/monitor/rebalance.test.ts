import { describe, expect, it } from 'vitest';
import { RebalanceTracker, type GroupObservation } from './rebalance.js';

const T = 't';
const member = (memberId: string, ...partitions: number[]) => ({ memberId, assignment: partitions.length ? [{ topic: T, partitions }] : [] });
const obs = (state: string, ...members: GroupObservation['members']): GroupObservation => ({ state, members });

describe('RebalanceTracker', () => {
  it('reports start and completion of a join, with its duration and the partitions that moved', () => {
    const r = new RebalanceTracker();
    expect(r.observe('g', obs('Stable', member('a', 0, 1, 2, 3)), 1000)).toEqual([]);
    expect(r.generation('g')).toBe(0);
    expect(r.observe('g', obs('PreparingRebalance', member('a'), member('b')), 2000)).toEqual([
      expect.objectContaining({ phase: 'started', generation: 0, cause: 'member joined', membersBefore: ['a'], membersAfter: ['a', 'b'], durationMs: null, moved: [] }),
    ]);
    expect(r.observe('g', obs('CompletingRebalance', member('a'), member('b')), 2100)).toEqual([]);
    expect(r.observe('g', obs('Stable', member('a', 0, 2), member('b', 1, 3)), 2500)).toEqual([
      {
        type: 'group.rebalance',
        groupId: 'g',
        generation: 1,
        phase: 'completed',
        cause: 'member joined',
        durationMs: 500,
        membersBefore: ['a'],
        membersAfter: ['a', 'b'],
        moved: [
          { topic: T, partition: 1, from: 'a', to: 'b' },
          { topic: T, partition: 3, from: 'a', to: 'b' },
        ],
      },
    ]);
  });

  it('a static member that rejoined with a new member id and the same partitions is no rebalance; a new static member is', () => {
    const r = new RebalanceTracker();
    const staticMember = (memberId: string, instance: string, ...partitions: number[]) => ({ ...member(memberId, ...partitions), groupInstanceId: instance });
    r.observe('g', obs('Stable', staticMember('a-1', 'a', 0), staticMember('b-1', 'b', 1)), 0);
    expect(r.observe('g', obs('Stable', staticMember('a-2', 'a', 0), staticMember('b-1', 'b', 1)), 1000)).toEqual([]);
    expect(r.generation('g')).toBe(0);
    // Later moves are told by the new member id.
    expect(r.observe('g', obs('Stable', staticMember('a-2', 'a', 0, 1), staticMember('c-1', 'c')), 2000)).toEqual([
      expect.objectContaining({ generation: 1, membersBefore: ['a-2', 'b-1'], membersAfter: ['a-2', 'c-1'], moved: [{ topic: T, partition: 1, from: 'b-1', to: 'a-2' }] }),
    ]);
  });

  it('reports a rebalance the polls missed, without a duration', () => {
    const r = new RebalanceTracker();
    r.observe('g', obs('Stable', member('a', 0), member('b', 1)), 0);
    expect(r.observe('g', obs('Stable', member('a', 0), member('b', 1)), 1000)).toEqual([]);
    expect(r.observe('g', obs('Stable', member('a', 0, 1)), 2000)).toEqual([
      expect.objectContaining({ phase: 'completed', generation: 1, cause: 'member left', durationMs: null, moved: [{ topic: T, partition: 1, from: 'b', to: 'a' }] }),
    ]);
  });

  it('treats the last member leaving as a rebalance to an empty group', () => {
    const r = new RebalanceTracker();
    r.observe('g', obs('Stable', member('a', 0)), 0);
    expect(r.observe('g', obs('Empty'), 1000)).toEqual([
      expect.objectContaining({ cause: 'member left', membersAfter: [], moved: [{ topic: T, partition: 0, from: 'a', to: null }] }),
    ]);
  });

  it('calls a replaced member an unknown cause', () => {
    const r = new RebalanceTracker();
    r.observe('g', obs('Stable', member('a', 0)), 0);
    expect(r.observe('g', obs('Stable', member('c', 0)), 1000)).toEqual([expect.objectContaining({ cause: 'unknown' })]);
  });

  it('says nothing about a rebalance already under way when the group is first seen', () => {
    const r = new RebalanceTracker();
    expect(r.observe('g', obs('PreparingRebalance', member('a')), 0)).toEqual([]);
    expect(r.observe('g', obs('Stable', member('a', 0)), 1000)).toEqual([]);
    expect(r.generation('g')).toBe(0);
  });

  it('uses a reported generation, not counting again a rebalance it already covers', () => {
    const r = new RebalanceTracker();
    r.observe('g', obs('Stable', member('a', 0)), 0);
    r.noteGeneration('g', 7);
    expect(r.generation('g')).toBe(7);
    r.observe('g', obs('PreparingRebalance', member('a'), member('b')), 1000);
    r.noteGeneration('g', 8); // the instance saw the new generation before the monitor did
    expect(r.observe('g', obs('Stable', member('a', 0), member('b')), 1200)).toEqual([expect.objectContaining({ generation: 8 })]);
    r.noteGeneration('g', 6); // late, stale telemetry
    expect(r.generation('g')).toBe(8);
    r.observe('g', obs('PreparingRebalance', member('a')), 2000);
    expect(r.observe('g', obs('Stable', member('a', 0)), 2100)).toEqual([expect.objectContaining({ generation: 9 })]);
  });
});
