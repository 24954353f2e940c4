import { describe, expect, it } from 'vitest';
import { assignTasks } from './assignor.js';

const tasks = ['0_0', '0_1', '0_2', '0_3', '0_4', '0_5'];
const counts = (plan: Map<string, string[]>) => [...plan.values()].map((t) => t.length).sort();

describe('sticky task assignment', () => {
  it('gives every task to exactly one member, balanced within one', () => {
    const plan = assignTasks(tasks, new Map([['m1', []], ['m2', []], ['m3', []], ['m4', []]]));
    expect([...plan.values()].flat().sort()).toEqual(tasks);
    expect(counts(plan)).toEqual([1, 1, 2, 2]);
  });

  it('keeps the tasks members already own when a member leaves', () => {
    const before = new Map([['a', ['0_0', '0_1']], ['b', ['0_2', '0_3']], ['c', ['0_4', '0_5']]]);
    before.delete('c');
    const plan = assignTasks(tasks, before);
    expect(plan.get('a')).toEqual(expect.arrayContaining(['0_0', '0_1']));
    expect(plan.get('b')).toEqual(expect.arrayContaining(['0_2', '0_3']));
    expect(counts(plan)).toEqual([3, 3]);
  });

  it('moves only what balance needs when a member joins, and never gives a task twice', () => {
    const plan = assignTasks(tasks, new Map([['a', ['0_0', '0_1', '0_2']], ['b', ['0_2', '0_3', '0_4', '0_5']], ['new', []]]));
    expect([...plan.values()].flat().sort()).toEqual(tasks);
    expect(counts(plan)).toEqual([2, 2, 2]);
    // Balance needs two tasks on the new member; the others keep theirs (0_2 was claimed twice).
    for (const t of plan.get('a')!) expect(['0_0', '0_1', '0_2']).toContain(t);
    for (const t of plan.get('b')!) expect(['0_2', '0_3', '0_4', '0_5']).toContain(t);
  });
});
