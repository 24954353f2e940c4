import { beforeEach, describe, expect, it } from 'vitest';
import { ev, group, info, resetSeq, telemetry } from '../testing/fixtures';
import { activeOwner, applyTasks, describeCell, initialTasks, taskCounts, taskRows, type TasksState } from './tasks';

const started = (id: string, state = 'running') => ev('instance.state', { instance: info(id, { applicationId: 'ledger', state: state as 'running' }), from: null, reason: '' });
const rebalance = (assigned: string[], kept: string[] = [], standby: string[] = [], warmup: string[] = []) => ({
  type: 'rebalance',
  generation: 3,
  memberId: 'm',
  leaderId: 'm',
  isLeader: true,
  assigned,
  revoked: [],
  kept,
  durationMs: 10,
  standby,
  warmup,
});
const cellsOf = (s: TasksState, task: string) => s.apps['ledger']!.tasks[task]?.cells ?? {};

describe('tasks model', () => {
  beforeEach(() => resetSeq());

  it('places actives, standbys and warm-ups per instance from rebalance telemetry', () => {
    const s = initialTasks();
    applyTasks(s, started('a'));
    applyTasks(s, started('b'));
    applyTasks(s, telemetry('a', rebalance(['0_0', '0_1'], [], ['0_2'])));
    applyTasks(s, telemetry('b', rebalance(['0_2'], [], ['0_0'], ['0_1'])));
    const rows = taskRows(s.apps['ledger']!);
    expect(rows.map((r) => r.taskId)).toEqual(['0_0', '0_1', '0_2']);
    expect(rows.map(activeOwner)).toEqual(['a', 'a', 'b']);
    expect(cellsOf(s, '0_0')['b']!.role).toBe('standby');
    expect(cellsOf(s, '0_1')['b']!.role).toBe('warmup');
    expect(taskCounts(s.apps['ledger']!)).toEqual({ tasks: 3, owned: 3, standbys: 3, restoring: 0 });
  });

  it('follows a restore: progress, source, then running; a killed instance loses its column', () => {
    const s = initialTasks();
    applyTasks(s, started('a'));
    applyTasks(s, started('b'));
    applyTasks(s, telemetry('a', rebalance(['0_0'])));
    applyTasks(s, telemetry('b', rebalance([], [], ['0_0'])));
    applyTasks(s, ev('instance.state', { instance: info('a', { applicationId: 'ledger', state: 'killed' }), from: 'running', reason: 'killed' }));
    expect(activeOwner(s.apps['ledger']!.tasks['0_0']!)).toBeNull();
    applyTasks(s, telemetry('b', rebalance(['0_0'])));
    expect(cellsOf(s, '0_0')['b']!.role).toBe('active');
    applyTasks(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'created', restoreSource: 'standby' }));
    applyTasks(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'restoring', restored: 0, toRestore: 40 }));
    applyTasks(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'restoring', restored: 25, toRestore: 40 }));
    const cell = cellsOf(s, '0_0')['b']!;
    expect(describeCell(cell)).toBe('restoring 25/40 · standby promotion');
    expect(taskCounts(s.apps['ledger']!).restoring).toBe(1);
    applyTasks(s, telemetry('b', { type: 'task', taskId: '0_0', role: 'active', phase: 'running' }));
    expect(describeCell(cellsOf(s, '0_0')['b']!)).toBe('running · standby promotion');
  });

  it('a task given to another member is no longer shown active on a frozen one', () => {
    const s = initialTasks();
    applyTasks(s, started('a'));
    applyTasks(s, started('b'));
    applyTasks(s, telemetry('a', rebalance(['0_0', '0_1'])));
    applyTasks(s, ev('instance.state', { instance: info('a', { applicationId: 'ledger', state: 'frozen' }), from: 'running', reason: 'frozen' }));
    applyTasks(s, telemetry('b', rebalance(['0_0', '0_1'])));
    expect(taskRows(s.apps['ledger']!).map((r) => Object.keys(r.cells))).toEqual([['b'], ['b']]);
  });

  it('takes an instance\'s metrics as its full task list, with partitions under active tasks and standby lag', () => {
    const s = initialTasks();
    applyTasks(s, started('a'));
    applyTasks(s, telemetry('a', rebalance(['0_0', '0_1'])));
    applyTasks(
      s,
      telemetry('a', {
        type: 'metrics',
        recordsInPerSec: 1,
        recordsOutPerSec: 1,
        processLatencyMs: null,
        commitLatencyMs: null,
        commitLatencyMaxMs: null,
        tasks: [
          { taskId: '0_0', phase: 'running', processed: 5, positions: [{ topic: 'transfers', partition: 0, offset: 9 }], role: 'active' },
          { taskId: '0_2', phase: 'running', processed: 0, positions: [], role: 'standby', changelogLag: 7 },
        ],
      }),
    );
    expect(Object.keys(cellsOf(s, '0_1'))).toEqual([]);
    expect(s.apps['ledger']!.tasks['0_0']!.partitions).toEqual([{ topic: 'transfers', partition: 0 }]);
    expect(describeCell(cellsOf(s, '0_2')['a']!)).toBe('standby · lag 7');
  });

  it('shows a Kafka Streams app it does not host from the group protocol\'s decoded user data', () => {
    const s = initialTasks();
    const member = (clientId: string, endpoint: string, active: string[], standby: string[]) => ({
      memberId: `${clientId}-id`,
      clientId,
      clientHost: '/10.0.0.1',
      assignment: [],
      instanceId: null,
      streams: {
        subscriptionVersion: 11,
        latestSupportedVersion: 11,
        processId: clientId,
        userEndPoint: endpoint,
        taskOffsetSums: [],
        subscriptionErrorCode: 0,
        assignmentVersion: 10,
        activeTasks: active,
        standbyTasks: standby,
        partitionTasks: [{ topic: 'orders', partition: Number(active[0]!.split('_')[1]), task: active[0]! }],
        errorCode: 0,
        nextRebalanceAt: null,
        partitionsByHost: [],
        standbyPartitionsByHost: [],
      },
    });
    applyTasks(s, ev('group.snapshot', { group: group('java-app', { protocol: 'stream', members: [member('c1', 'h1:8080', ['0_0'], ['0_1']), member('c2', 'h2:8080', ['0_1'], ['0_0'])] }) }));
    const app = s.apps['java-app']!;
    expect(app.source).toBe('group-protocol');
    expect(app.columns).toEqual(['h1:8080', 'h2:8080']);
    expect(taskRows(app).map(activeOwner)).toEqual(['h1:8080', 'h2:8080']);
    expect(app.tasks['0_1']!.cells['h1:8080']!.role).toBe('standby');
    expect(app.tasks['0_1']!.partitions).toEqual([{ topic: 'orders', partition: 1 }]);
    // The next snapshot moves 0_1: the old cell goes, the new one is drawn as new.
    applyTasks(s, ev('group.snapshot', { group: group('java-app', { protocol: 'stream', members: [member('c1', 'h1:8080', ['0_0', '0_1'], [])] }) }));
    expect(taskRows(s.apps['java-app']!).map(activeOwner)).toEqual(['h1:8080', 'h1:8080']);
    expect(s.apps['java-app']!.tasks['0_1']!.cells['h2:8080']).toBeUndefined();
  });

  it('ignores group snapshots of apps it hosts and of plain consumer groups', () => {
    const s = initialTasks();
    applyTasks(s, started('a'));
    applyTasks(s, ev('group.snapshot', { group: group('ledger', { members: [{ memberId: 'x', clientId: 'x', clientHost: 'h', assignment: [], instanceId: 'a' }] }) }));
    applyTasks(s, ev('group.snapshot', { group: group('plain', { protocol: 'range', members: [{ memberId: 'x', clientId: 'x', clientHost: 'h', assignment: [], instanceId: null }] }) }));
    expect(s.apps['plain']).toBeUndefined();
    expect(s.apps['ledger']).toBeUndefined();
  });
});
