import { describe, expect, it } from 'vitest';
import type { TaskId } from '../tasks.js';
import { assignClientTasksToThreads } from './assign-tasks-to-threads.js';
import { LATEST_OFFSET } from './subscription-info.js';

const member = (memberId: string, sums: Record<TaskId, number> = {}) => ({ memberId, taskOffsetSums: new Map(Object.entries(sums)) });
const lags = (entries: Record<TaskId, number>) => new Map(Object.entries(entries));
const NO_LAG = lags({ '0_0': 0, '0_1': 0, '0_2': 0, '0_3': 0, '0_4': 0 });

describe('assignClientTasksToThreads', () => {
  it('gives a single thread everything (the runtime today)', () => {
    const out = assignClientTasksToThreads({ active: ['0_0', '1_0'], standby: ['0_1'], warmup: ['0_2'] }, [member('m')], NO_LAG);
    expect(out.get('m')).toEqual({ active: ['0_0', '1_0'], standby: ['0_1'], warmup: ['0_2'] });
  });

  it('balances tasks over threads, interleaving in task order', () => {
    const out = assignClientTasksToThreads({ active: ['0_0', '0_1', '0_2', '0_3', '0_4'], standby: [], warmup: [] }, [member('b'), member('a')], NO_LAG);
    expect(out.get('a')!.active).toEqual(['0_0', '0_2', '0_4']);
    expect(out.get('b')!.active).toEqual(['0_1', '0_3']);
  });

  it('gives a stateful task back to the thread that had its state', () => {
    const out = assignClientTasksToThreads(
      { active: ['0_0', '0_1', '0_2', '0_3'], standby: [], warmup: [] },
      [member('a', { '0_2': LATEST_OFFSET }), member('b', { '0_0': LATEST_OFFSET, '0_1': LATEST_OFFSET })],
      lags({ '0_0': LATEST_OFFSET, '0_1': LATEST_OFFSET, '0_2': LATEST_OFFSET, '0_3': 900 }),
    );
    expect(out.get('a')!.active).toEqual(['0_2', '0_3']);
    expect(out.get('b')!.active).toEqual(['0_0', '0_1']);
  });

  it('keeps on a thread the previous task it is least behind on when it can keep only one', () => {
    const out = assignClientTasksToThreads(
      { active: ['0_0', '0_1'], standby: [], warmup: [] },
      [member('a', { '0_0': 500, '0_1': LATEST_OFFSET }), member('b')],
      lags({ '0_0': 500, '0_1': LATEST_OFFSET }),
    );
    expect(out.get('a')!.active).toEqual(['0_1']);
    expect(out.get('b')!.active).toEqual(['0_0']);
  });

  it('places standbys and warm-ups on the threads the actives left lighter; stateless tasks last', () => {
    const out = assignClientTasksToThreads(
      { active: ['0_0', '0_1', '0_2', '1_0'], standby: ['0_3'], warmup: ['0_4'] },
      [member('a'), member('b')],
      NO_LAG, // 1_0 has no lag: stateless
    );
    // stateful actives a: 0_0, 0_2 · b: 0_1 → standby round: b 0_3, then a 0_4 → stateless 1_0 to the lighter
    expect(out.get('a')).toEqual({ active: ['0_0', '0_2'], standby: [], warmup: ['0_4'] });
    expect(out.get('b')).toEqual({ active: ['0_1', '1_0'], standby: ['0_3'], warmup: [] });
  });
});
