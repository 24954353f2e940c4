// Scenarios after Kafka's HighAvailabilityTaskAssignorTest, stated with task offset sums: lag 0 is
// a client whose state reaches the changelog end, no entry is a client without state.
import { describe, expect, it } from 'vitest';
import type { TaskId } from '../tasks.js';
import { assignTasks, type AssignmentConfigs, type ClientInput, type HighAvailabilityAssignment } from './high-availability-assignor.js';
import { LATEST_OFFSET } from './subscription-info.js';

const END = 1_000_000; // every changelog's end offset sum
const NOW = 1_700_000_000_000;
const pid = (n: number) => `00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;
const tasks = (...ids: string[]) => ids;

/** A client `lag` records behind on each task named (LATEST_OFFSET: it runs the task). */
function client(n: number, lags: Record<TaskId, number> = {}, capacity = 1): ClientInput {
  const sums = new Map(Object.entries(lags).map(([t, lag]) => [t, lag === LATEST_OFFSET ? LATEST_OFFSET : END - lag]));
  return { processId: pid(n), capacity, taskOffsetSums: sums };
}

function lagged(ids: readonly TaskId[], lag: number): Record<TaskId, number> {
  return Object.fromEntries(ids.map((t) => [t, lag]));
}

function assign(clients: ClientInput[], stateful: readonly TaskId[], configs: Partial<AssignmentConfigs> = {}, stateless: readonly TaskId[] = []) {
  return assignTasks({
    clients,
    allTasks: [...stateful, ...stateless],
    changelogEndOffsetSums: new Map(stateful.map((t) => [t, END])),
    configs: { acceptableRecoveryLag: 100, ...configs },
    nowMs: NOW,
  });
}

const of = (plan: HighAvailabilityAssignment, n: number) => plan.clients.get(pid(n))!;

/** Invariants every plan keeps: one active per task, no client with two copies of a task. */
function expectValid(plan: HighAvailabilityAssignment, allTasks: readonly TaskId[]): void {
  const actives = [...plan.clients.values()].flatMap((c) => c.active);
  expect([...actives].sort()).toEqual([...allTasks].sort());
  for (const c of plan.clients.values()) {
    const copies = [...c.active, ...c.standby, ...c.warmup];
    expect(new Set(copies).size).toBe(copies.length);
  }
}

const T4 = tasks('0_0', '0_1', '0_2', '0_3');
const T9 = tasks('0_0', '0_1', '0_2', '1_0', '1_1', '1_2', '2_0', '2_1', '2_2');

describe('HighAvailabilityTaskAssignor', () => {
  it('keeps a caught-up balanced assignment as it is, with no probing rebalance', () => {
    // shouldReturnFalseIfPreviousAssignmentIsReused
    const plan = assign([client(1, lagged(['0_0', '0_2'], 0)), client(2, lagged(['0_1', '0_3'], 0))], T4);
    expect(of(plan, 1).active).toEqual(['0_0', '0_2']);
    expect(of(plan, 2).active).toEqual(['0_1', '0_3']);
    expect(plan.probingRebalanceNeeded).toBe(false);
    expect(plan.nextProbingRebalanceMs).toBeNull();
  });

  it('leaves running tasks with their owner and warms up the balanced target instead', () => {
    // Round-robin would give 0_1 to client 1 and 0_2 to client 2; neither has that state.
    const plan = assign([client(1, lagged(['0_0', '0_1'], LATEST_OFFSET)), client(2, lagged(['0_2', '0_3'], LATEST_OFFSET))], T4);
    expect(of(plan, 1)).toEqual({ active: ['0_0', '0_1'], standby: [], warmup: ['0_2'] });
    expect(of(plan, 2)).toEqual({ active: ['0_2', '0_3'], standby: [], warmup: ['0_1'] });
    expect(plan.probingRebalanceNeeded).toBe(true);
    // Once both warm-ups report lag 0 the balanced placement is reached.
    const next = assign([client(1, { '0_0': LATEST_OFFSET, '0_1': LATEST_OFFSET, '0_2': 0 }), client(2, { '0_2': LATEST_OFFSET, '0_3': LATEST_OFFSET, '0_1': 0 })], T4);
    expect(of(next, 1).active).toEqual(['0_0', '0_2']);
    expect(of(next, 2).active).toEqual(['0_1', '0_3']);
    expect(next.probingRebalanceNeeded).toBe(false);
  });

  it('gives a new client without state warm-ups, not active tasks', () => {
    // shouldAssignWarmupReplicasEvenIfNoStandbyReplicasConfigured
    const plan = assign([client(1, lagged(['0_0', '0_1'], 0)), client(2)], tasks('0_0', '0_1'));
    expect(of(plan, 1)).toEqual({ active: ['0_0', '0_1'], standby: [], warmup: [] });
    expect(of(plan, 2)).toEqual({ active: [], standby: [], warmup: ['0_1'] });
    expect(plan.probingRebalanceNeeded).toBe(true);
    expect(plan.nextProbingRebalanceMs).toBe(NOW + 600_000);
  });

  it('hands out at most max.warmup.replicas warm-ups per rebalance, over all clients', () => {
    // shouldNotAssignMoreThanMaxWarmupReplicas
    const one = assign([client(1, lagged(T4, 0)), client(2)], T4, { maxWarmupReplicas: 1, probingRebalanceIntervalMs: 60_000 });
    expect(of(one, 1).active).toEqual(T4);
    expect(of(one, 2)).toEqual({ active: [], standby: [], warmup: ['0_1'] });
    expect(one.nextProbingRebalanceMs).toBe(NOW + 60_000);

    const three = assign([client(1, lagged(T9, 0)), client(2), client(3)], T9); // default: 2
    const warmups = [...three.clients.values()].flatMap((c) => c.warmup);
    expect(warmups).toHaveLength(2);
    expect(of(three, 1).active).toEqual(T9);
    expectValid(three, T9);
  });

  it('places standbys on another client than the active, never both on one', () => {
    // shouldAssignStandbysForStatefulTasks
    const plan = assign([client(1, { '0_0': 0 }), client(2, { '0_1': 0 })], tasks('0_0', '0_1'), { numStandbyReplicas: 1 });
    expect(of(plan, 1)).toEqual({ active: ['0_0'], standby: ['0_1'], warmup: [] });
    expect(of(plan, 2)).toEqual({ active: ['0_1'], standby: ['0_0'], warmup: [] });
    expect(plan.probingRebalanceNeeded).toBe(false);

    // shouldNotAssignAnyStandbysWithInsufficientCapacity: one client cannot hold a standby of its own task.
    const alone = assign([client(1, lagged(['0_0', '0_1'], 0))], tasks('0_0', '0_1'), { numStandbyReplicas: 1 });
    expect(of(alone, 1)).toEqual({ active: ['0_0', '0_1'], standby: [], warmup: [] });
  });

  it('promotes the standby of a killed client’s task', () => {
    // Client 1 ran 0_0 and 0_1 and is gone; client 3 kept a standby of 0_0, client 2 one of 0_1.
    const survivors = [client(2, { '0_2': LATEST_OFFSET, '0_1': 40 }), client(3, { '0_3': LATEST_OFFSET, '0_0': 40 })];
    const plan = assign(survivors, T4, { numStandbyReplicas: 1 });
    expect(of(plan, 2).active).toEqual(['0_1', '0_2']);
    expect(of(plan, 3).active).toEqual(['0_0', '0_3']);
    expect(of(plan, 2).standby).toEqual(['0_0', '0_3']);
    expect(of(plan, 3).standby).toEqual(['0_1', '0_2']);
    expectValid(plan, T4);
  });

  it('moves an active to the most caught-up client when none is caught up, warming up the others', () => {
    // shouldAssignToMostCaughtUpIfActiveTasksWasNotOnCaughtUpClient
    const plan = assign([client(1), client(2, { '0_0': 1_000 }), client(3, { '0_0': 500 })], ['0_0'], { numStandbyReplicas: 1 });
    expect(of(plan, 1)).toEqual({ active: [], standby: [], warmup: ['0_0'] });
    expect(of(plan, 2)).toEqual({ active: [], standby: ['0_0'], warmup: [] });
    expect(of(plan, 3)).toEqual({ active: ['0_0'], standby: [], warmup: [] });
    expect(plan.probingRebalanceNeeded).toBe(true);
  });

  it('gives active tasks to a client that is not caught up when no client is', () => {
    // shouldAssignActiveTasksToNotCaughtUpClientIfNoneExist
    const plan = assign([client(1)], tasks('0_0', '0_1'), { numStandbyReplicas: 1 });
    expect(of(plan, 1)).toEqual({ active: ['0_0', '0_1'], standby: [], warmup: [] });
    expect(plan.probingRebalanceNeeded).toBe(false);
  });

  it('keeps actives and standbys sticky while warm-ups run', () => {
    // shouldBeStickyForActiveAndStandbyTasksWhileWarmingUp: acceptable lag 11, one standby, two warm-ups.
    const plan = assign([client(1, lagged(T9, 0)), client(2, lagged(T9, 10)), client(3)], T9, { acceptableRecoveryLag: 11, numStandbyReplicas: 1 });
    const count = (n: number) => of(plan, n).active.length + of(plan, n).standby.length + of(plan, n).warmup.length;
    expect([count(1), count(2), count(3)]).toEqual([9, 9, 2]);
    expect(of(plan, 3).warmup).toHaveLength(2);
    expect(plan.probingRebalanceNeeded).toBe(true);
    expectValid(plan, T9);
  });

  it('warms up nothing when any lag is acceptable', () => {
    // shouldSkipWarmupsWhenAcceptableLagIsMax
    const plan = assign([client(1, lagged(T9, 0)), client(2), client(3)], T9, { acceptableRecoveryLag: Number.MAX_SAFE_INTEGER, numStandbyReplicas: 1, maxWarmupReplicas: 1 });
    expect([1, 2, 3].map((n) => of(plan, n).active.length + of(plan, n).standby.length)).toEqual([6, 6, 6]);
    expect(plan.probingRebalanceNeeded).toBe(false);
  });

  it('balances by tasks per stream thread', () => {
    // shouldAssignActiveStatefulTasksEvenlyOverStreamThreadsButBestEffortOverClients
    const plan = assign([client(1, lagged(T9, 10), 6), client(2, lagged(T9, 10), 3)], T9, { acceptableRecoveryLag: 0, maxWarmupReplicas: 1 });
    expect(of(plan, 1).active).toHaveLength(6);
    expect(of(plan, 2).active).toHaveLength(3);
    expect(plan.probingRebalanceNeeded).toBe(false);
  });

  it('spreads stateless tasks by active tasks per thread, after the stateful ones', () => {
    // Only client 1 is caught up on the stateful tasks, so client 2 takes the stateless ones.
    const stateless = tasks('1_0', '1_1', '1_2');
    const plan = assign([client(1, lagged(T4, 0)), client(2)], T4, { numStandbyReplicas: 1 }, stateless);
    expect(of(plan, 1).active).toEqual(T4);
    expect(of(plan, 2).active).toEqual(stateless);
    expectValid(plan, [...T4, ...stateless]);

    const free = assign([client(1, {}, 2), client(2)], [], {}, tasks('0_0', '0_1', '0_2', '0_3', '0_4', '0_5'));
    expect([of(free, 1).active.length, of(free, 2).active.length]).toEqual([4, 2]);
    expect(free.probingRebalanceNeeded).toBe(false);
  });

  it('reports each client’s lag as Kafka computes it', () => {
    const plan = assign([client(1, { '0_0': LATEST_OFFSET, '0_1': 7 }), { processId: pid(2), capacity: 1, taskOffsetSums: new Map([['0_0', END + 5]]) }], tasks('0_0', '0_1'));
    expect(plan.lags.get(pid(1))).toEqual(new Map([['0_0', LATEST_OFFSET], ['0_1', 7]]));
    // an offset sum beyond the end (corrupted state) counts as no state; no entry: the whole changelog
    expect(plan.lags.get(pid(2))).toEqual(new Map([['0_0', END], ['0_1', END]]));
  });

  it('orders clients as Java orders UUIDs (signed halves): ties go to the lower one', () => {
    // 8000… is negative as a signed long, so it sorts before 0000…0001 and takes the first task.
    const high = '80000000-0000-0000-0000-000000000000';
    const plan = assignTasks({ clients: [client(1), { processId: high, capacity: 1, taskOffsetSums: new Map() }], allTasks: ['0_0'], changelogEndOffsetSums: new Map(), nowMs: NOW });
    expect(plan.clients.get(high)!.active).toEqual(['0_0']);
  });
});
