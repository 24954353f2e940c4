import { beforeEach, describe, expect, it } from 'vitest';
import { ev, info, resetSeq, telemetry } from '../testing/fixtures';
import { applyFailover, failoverList, initialFailover, phases, summarize, type FailoverState } from './failover';

const state = (id: string, to: string, from: string | null, ts: number) =>
  ev('instance.state', { instance: info(id, { applicationId: 'ledger', state: to as 'running' }), from: from as 'running' | null, reason: '', ts });
const rebalance = (assigned: string[], kept: string[], standby: string[], durationMs: number) => ({
  type: 'rebalance',
  generation: 4,
  memberId: 'm',
  leaderId: 'm',
  isLeader: false,
  assigned,
  revoked: [],
  kept,
  durationMs,
  standby,
  warmup: [],
});

function twoInstancesOneStandby(): FailoverState {
  const s = initialFailover();
  applyFailover(s, state('a', 'running', 'starting', 1_000));
  applyFailover(s, state('b', 'running', 'starting', 1_000));
  applyFailover(s, telemetry('a', rebalance(['0_0', '0_1'], [], [], 30), 2_000));
  applyFailover(s, telemetry('b', rebalance(['0_2'], [], ['0_0'], 30), 2_000));
  return s;
}

describe('failover timeline', () => {
  beforeEach(() => resetSeq());

  it('times detection, rebalance, restore and first commit per task of a killed instance', () => {
    const s = twoInstancesOneStandby();
    applyFailover(s, state('a', 'killed', 'running', 10_000));
    // The coordinator removed a after the session timeout; b's join started at 20 000.
    applyFailover(s, telemetry('b', rebalance(['0_0', '0_1'], ['0_2'], [], 200), 20_200));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'created', restoreSource: 'standby' }, 20_210));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'restoring', restored: 0, toRestore: 12 }, 20_220));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'restored', restored: 12, toRestore: 12 }, 20_300));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_1', role: 'active', phase: 'created', restoreSource: 'changelog' }, 20_210));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_1', role: 'active', phase: 'restoring', restored: 0, toRestore: 500 }, 20_220));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_1', role: 'active', phase: 'restored', restored: 500, toRestore: 500 }, 21_000));
    applyFailover(s, telemetry('b', { type: 'pause', taskId: '0_0', kind: 'assigned', firstProcessedAt: 20_350, pauseMs: 150 }, 20_350));
    applyFailover(s, telemetry('b', { type: 'txn', transactionalId: 'ledger-p-1', phase: 'committed', producerId: 1, producerEpoch: 0, tasks: ['0_0', '0_2'] }, 20_500));
    applyFailover(s, telemetry('b', { type: 'txn', transactionalId: 'ledger-p-1', phase: 'committed', producerId: 1, producerEpoch: 0, tasks: ['0_0', '0_1', '0_2'] }, 21_100));

    const [f] = failoverList(s, 'ledger');
    expect(f).toBeDefined();
    expect(f!.kind).toBe('kill');
    expect(f!.tasks.map((t) => t.taskId)).toEqual(['0_0', '0_1']);
    const [t0, t1] = f!.tasks;
    expect(t0!.standbysAtFault).toEqual(['b']);
    expect(t1!.standbysAtFault).toEqual([]);
    expect(phases(f!, t0!)).toEqual({ detectionMs: 10_000, rebalanceMs: 200, restoreMs: 80, firstCommitMs: 200, totalMs: 10_500 });
    expect(t0!.restoreSource).toBe('standby');
    expect(t0!.firstProcessedAt).toBe(20_350);
    expect(phases(f!, t1!).totalMs).toBe(11_100);
    expect(t1!.restoredRecords).toBe(500);
    expect(summarize(f!)).toMatchObject({ tasks: 2, done: 2, withStandby: 1, restoredRecords: 512, sources: ['changelog', 'standby'], totalMaxMs: 11_100 });
  });

  it('a stopped static member restarted in time gets its tasks back: the row names the same owner', () => {
    const s = twoInstancesOneStandby();
    applyFailover(s, state('a', 'stopping', 'running', 10_000));
    applyFailover(s, state('a', 'stopped', 'stopping', 10_100));
    applyFailover(s, state('a', 'starting', 'stopped', 11_000));
    applyFailover(s, telemetry('a', rebalance(['0_0', '0_1'], [], [], 40), 12_000));
    applyFailover(s, telemetry('a', { type: 'task', taskId: '0_0', role: 'active', phase: 'running' }, 12_050));
    applyFailover(s, telemetry('a', { type: 'task', taskId: '0_1', role: 'active', phase: 'running' }, 12_050));
    applyFailover(s, telemetry('a', { type: 'txn', transactionalId: 'ledger-p-1', phase: 'committed', producerId: 1, producerEpoch: 1, tasks: ['0_0', '0_1'] }, 12_500));
    const [f] = failoverList(s, null);
    expect(f!.kind).toBe('stop');
    expect(f!.tasks.every((t) => t.newOwner === 'a' && t.restoredRecords === 0)).toBe(true);
    expect(summarize(f!).label).toContain('restarted, same member');
    expect(summarize(f!).totalMaxMs).toBe(2_500);
  });

  it('an at_least_once commit closes the rows of the committer\'s active tasks; a task moved on again stays open', () => {
    const s = twoInstancesOneStandby();
    applyFailover(s, state('a', 'frozen', 'running', 10_000));
    applyFailover(s, ev('group.rebalance', { groupId: 'ledger', generation: null, phase: 'started', cause: '', durationMs: null, membersBefore: [], membersAfter: [], moved: [], ts: 19_000 }));
    applyFailover(s, telemetry('b', rebalance(['0_0', '0_1'], ['0_2'], [], 100), 19_100));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'running' }, 19_200));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_1', role: 'active', phase: 'closed' }, 19_200));
    applyFailover(s, telemetry('b', { type: 'commit', guarantee: 'at_least_once', offsets: [], durationMs: 5 }, 19_500));
    const [f] = failoverList(s, null);
    expect(f!.kind).toBe('freeze');
    expect(phases(f!, f!.tasks[0]!).detectionMs).toBe(9_000);
    expect(f!.tasks[0]!.firstCommitAt).toBe(19_500);
    expect(f!.tasks[1]!.newOwner).toBeNull();
    expect(summarize(f!).done).toBe(1);
  });

  it('an instance with no active task, or a second state event of the same stop, records no failover', () => {
    const s = initialFailover();
    applyFailover(s, state('c', 'running', 'starting', 1_000));
    applyFailover(s, state('c', 'killed', 'running', 2_000));
    expect(s.failovers).toEqual([]);
    const t = twoInstancesOneStandby();
    applyFailover(t, state('a', 'stopping', 'running', 3_000));
    applyFailover(t, state('a', 'stopped', 'stopping', 3_100));
    expect(t.failovers).toHaveLength(1);
  });
});

describe('failover timeline, task created before the rebalance is reported', () => {
  beforeEach(() => resetSeq());
  it('takes the restore the new owner did in its assignment callback, before its rebalance telemetry', () => {
    const s = twoInstancesOneStandby();
    applyFailover(s, state('a', 'killed', 'running', 10_000));
    // b creates and restores 0_0 from its standby while the rebalance completes, then reports it.
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'created', restoreSource: 'standby' }, 20_100));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'restoring', restored: 0, toRestore: 3 }, 20_110));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'restored', restored: 3, toRestore: 3 }, 20_150));
    applyFailover(s, telemetry('b', rebalance(['0_0', '0_1'], ['0_2'], [], 200), 20_200));
    applyFailover(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'running' }, 20_210));
    applyFailover(s, telemetry('b', { type: 'txn', transactionalId: 'ledger-p-1', phase: 'committed', producerId: 1, producerEpoch: 0, tasks: ['0_0'] }, 20_400));
    const f = failoverList(s, null)[0]!;
    const t0 = f.tasks[0]!;
    expect(t0).toMatchObject({ newOwner: 'b', restoreSource: 'standby', restoredRecords: 3, assignedAt: 20_100, restoreStartedAt: 20_110, restoredAt: 20_150, firstCommitAt: 20_400 });
    expect(phases(f, t0)).toEqual({ detectionMs: 10_000, rebalanceMs: 100, restoreMs: 40, firstCommitMs: 250, totalMs: 10_400 });
  });
});
