import { beforeEach, describe, expect, it } from 'vitest';
import { ev, info, metrics, resetSeq, telemetry } from '../testing/fixtures';
import { applyInstanceList, applyInstances, countByState, initialInstances, instanceList, throughputTotals } from './instances';

describe('instances reducer', () => {
  beforeEach(() => resetSeq());

  it('follows instance.state and refines it with telemetry', () => {
    const s = initialInstances();
    applyInstances(s, ev('instance.state', { instance: info('a', { state: 'starting', streamsState: null }), from: null, reason: 'started' }));
    applyInstances(s, telemetry('a', { type: 'state', from: 'CREATED', to: 'REBALANCING', reason: '' }));
    expect(s.byId['a']!.streamsState).toBe('REBALANCING');
    applyInstances(
      s,
      telemetry('a', { type: 'rebalance', generation: 3, memberId: 'm-a', leaderId: 'm-a', isLeader: true, assigned: ['0_0', '0_1'], revoked: [], kept: [], durationMs: 40 }),
    );
    expect(Object.keys(s.byId['a']!.tasks)).toEqual(['0_0', '0_1']);
    expect(s.byId['a']).toMatchObject({ memberId: 'm-a', generation: 3, isLeader: true });
    applyInstances(s, telemetry('a', { type: 'task', taskId: '0_0', phase: 'restoring', restored: 5, toRestore: 10 }));
    expect(s.byId['a']!.tasks['0_0']).toMatchObject({ phase: 'restoring', restored: 5, toRestore: 10 });
    applyInstances(s, telemetry('a', { type: 'task', taskId: '0_1', phase: 'migrated' }));
    expect(Object.keys(s.byId['a']!.tasks)).toEqual(['0_0']);
    applyInstances(s, telemetry('a', { type: 'error', message: 'boom', fatal: false }));
    applyInstances(s, ev('instance.resources', { id: 'a', elu: 0.4, heapUsed: 1e6, heapTotal: 2e6 }));
    expect(s.byId['a']!.errors[0]!.message).toBe('boom');
    expect(s.byId['a']!.resources!.elu).toBe(0.4);
  });

  it('ignores telemetry for unknown instances and invalid telemetry', () => {
    const s = initialInstances();
    applyInstances(s, telemetry('ghost', { type: 'state', from: 'CREATED', to: 'RUNNING', reason: '' }));
    applyInstances(s, ev('instance.state', { instance: info('a'), from: null, reason: '' }));
    applyInstances(s, telemetry('a', { type: 'state', to: 42 }));
    expect(Object.keys(s.byId)).toEqual(['a']);
    expect(s.byId['a']!.streamsState).toBe('RUNNING');
  });

  it('clears tasks and metrics when an instance ends', () => {
    const s = initialInstances();
    applyInstances(s, ev('instance.state', { instance: info('a'), from: null, reason: '' }));
    applyInstances(s, telemetry('a', metrics(10, 9, [{ taskId: '0_0' }])));
    expect(Object.keys(s.byId['a']!.tasks)).toEqual(['0_0']);
    applyInstances(s, ev('instance.state', { instance: info('a', { state: 'killed', streamsState: null }), from: 'running', reason: 'killed' }));
    expect(s.byId['a']!.tasks).toEqual({});
    expect(s.byId['a']!.metrics).toBeNull();
    expect(s.byId['a']!.resources).toBeNull();
    expect(s.byId['a']!.streamsState).toBe('NOT_RUNNING');
  });

  it('sums throughput over running instances with fresh metrics, one chart point per second', () => {
    const s = initialInstances();
    applyInstances(s, ev('instance.state', { instance: info('a'), from: null, reason: '', ts: 0 }));
    applyInstances(s, ev('instance.state', { instance: info('b'), from: null, reason: '', ts: 0 }));
    applyInstances(s, telemetry('a', metrics(100, 90), 10_000));
    applyInstances(s, telemetry('b', metrics(50, 40), 10_400));
    expect(throughputTotals(s, 10_500)).toEqual({ inPerSec: 150, outPerSec: 130, reporting: 2 });
    expect(s.inSeries).toEqual([{ t: 10_000, y: 150 }]);
    applyInstances(s, telemetry('a', metrics(100, 90), 11_000));
    expect(s.inSeries).toHaveLength(2);
    // b goes quiet (frozen): after 10 s its last report no longer counts
    expect(throughputTotals(s, 21_000)).toMatchObject({ inPerSec: 100, reporting: 1 });
    applyInstances(s, ev('instance.state', { instance: info('a', { state: 'frozen' }), from: 'running', reason: '' }));
    expect(throughputTotals(s, 11_500).reporting).toBe(1);
  });

  it('merges instances.list and orders by start time', () => {
    const s = initialInstances();
    applyInstanceList(s, [info('b', { startedAt: 2 }), info('a', { startedAt: 1, tasks: ['1_0'] })]);
    expect(instanceList(s).map((r) => r.info.id)).toEqual(['a', 'b']);
    expect(Object.keys(s.byId['a']!.tasks)).toEqual(['1_0']);
    expect(countByState(s)).toEqual({ running: 2 });
  });
});
