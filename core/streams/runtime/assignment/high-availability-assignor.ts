// Kafka Streams' HighAvailabilityTaskAssignor (KIP-441), the default task assignor of Kafka
// Streams 4.x, run by the group leader over every instance ("client") of the application:
//
//   1. stateful actives round-robin over the clients, then balanced by tasks per stream thread;
//   2. standby replicas (num.standby.replicas) on the least loaded clients without a copy;
//   3. TaskMovement: actives placed on a client that is not caught up go back to a caught-up one,
//      the intended client gets a warm-up (at most max.warmup.replicas per rebalance); likewise
//      for standbys;
//   4. stateless actives to the clients with the fewest actives per thread.
//
// Any movement in step 3 means the balanced placement is deferred: a probing rebalance follows
// after probing.rebalance.interval.ms to move tasks whose warm-ups have caught up. Stickiness comes
// from lag, as in Kafka: the client running a task (offset sum LATEST_OFFSET) or within
// acceptable.recovery.lag of it counts as caught up, and a task only leaves its owner for another
// caught-up client.
//
// Not ported: rack-aware assignment (rack.aware.assignment.strategy, default none) and client-tag
// standby placement (rack.aware.assignment.tags, default none); the fallback Kafka uses when end
// offsets cannot be listed (FallbackPriorTaskAssignor) is the caller's choice.
import { sortTasks, type TaskId } from '../tasks.js';
import { ClientState, computeTaskLags } from './client-state.js';
import { ConstrainedPrioritySet } from './constrained-priority-set.js';
import { compareProcessIds, type ProcessId } from './process-id.js';
import { LATEST_OFFSET } from './subscription-info.js';
import { assignActiveTaskMovements, assignStandbyTaskMovements, type MovementContext } from './task-movement.js';

export interface AssignmentConfigs {
  /** acceptable.recovery.lag: a client this close to a task's changelog end counts as caught up. */
  acceptableRecoveryLag: number;
  /** max.warmup.replicas: warm-ups handed out per rebalance, over all clients. */
  maxWarmupReplicas: number;
  /** num.standby.replicas */
  numStandbyReplicas: number;
  /** probing.rebalance.interval.ms */
  probingRebalanceIntervalMs: number;
}

/** Kafka Streams' defaults. */
export const ASSIGNMENT_CONFIG_DEFAULTS: Readonly<AssignmentConfigs> = {
  acceptableRecoveryLag: 10_000,
  maxWarmupReplicas: 2,
  numStandbyReplicas: 0,
  probingRebalanceIntervalMs: 600_000,
};

/** One instance of the application, as the leader sees it from its members' subscriptions. */
export interface ClientInput {
  processId: ProcessId;
  /** Stream threads (group members) of this instance. */
  capacity: number;
  /** From its SubscriptionInfo: per task it holds state for, the offset sum or a sentinel. */
  taskOffsetSums: ReadonlyMap<TaskId, number>;
}

export interface HighAvailabilityInput {
  clients: readonly ClientInput[];
  /** Every task of the topology. */
  allTasks: readonly TaskId[];
  /** The stateful tasks, each with the sum of its changelogs' end offsets. */
  changelogEndOffsetSums: ReadonlyMap<TaskId, number>;
  configs?: Partial<AssignmentConfigs>;
  /** When the assignment is made; the probing rebalance is due an interval later. */
  nowMs: number;
}

export interface ClientAssignment {
  active: TaskId[];
  /** num.standby.replicas copies, never on the client with the active. */
  standby: TaskId[];
  /** Extra copies warming up to take over an active task. On the wire they are standby tasks. */
  warmup: TaskId[];
}

export interface HighAvailabilityAssignment {
  clients: Map<ProcessId, ClientAssignment>;
  /** Per client, its lag on every stateful task (for telemetry and for distributing over threads). */
  lags: Map<ProcessId, Map<TaskId, number>>;
  probingRebalanceNeeded: boolean;
  /** nowMs + probing.rebalance.interval.ms when a probing rebalance is needed. */
  nextProbingRebalanceMs: number | null;
}

function shouldMoveATask(source: ClientState, destination: ClientState): boolean {
  const skew = source.assignedTaskLoad() - destination.assignedTaskLoad();
  if (skew <= 0) return false;
  const proposedSkew = (source.assignedTaskCount() - 1) / source.capacity - (destination.assignedTaskCount() + 1) / destination.capacity;
  // Move only when it improves the skew without tipping it the other way.
  return proposedSkew >= 0 && proposedSkew < skew;
}

/** Moves tasks of one kind from more to less loaded clients (per thread) until no move helps. */
function balanceTasksOverThreads(clients: readonly ClientState[], kind: 'active' | 'standby'): void {
  for (let keepBalancing = true; keepBalancing; ) {
    keepBalancing = false;
    for (const source of clients) {
      for (const destination of clients) {
        if (source === destination) continue;
        for (const task of sortTasks(source[kind])) {
          if (!shouldMoveATask(source, destination)) break;
          if (destination.hasAssignedTask(task)) continue;
          source[kind].delete(task);
          destination[kind === 'active' ? 'assignActive' : 'assignStandby'](task);
          keepBalancing = true;
        }
      }
    }
  }
}

function assignActiveStatefulTasks(clients: readonly ClientState[], statefulTasks: readonly TaskId[]): void {
  statefulTasks.forEach((task, i) => clients[i % clients.length]!.assignActive(task));
  balanceTasksOverThreads(clients, 'active');
}

/** DefaultStandbyTaskAssignor: each replica on the least loaded client without a copy. */
function assignStandbyReplicaTasks(clients: readonly ClientState[], statefulTasks: readonly TaskId[], numStandbyReplicas: number): void {
  if (numStandbyReplicas === 0) return;
  const byLoad = new ConstrainedPrioritySet((c, task) => !c.hasAssignedTask(task), (c) => c.assignedTaskLoad());
  byLoad.offerAll(clients);
  for (const task of statefulTasks) {
    for (let remaining = numStandbyReplicas; remaining > 0; remaining--) {
      const client = byLoad.poll(task);
      if (client === null) break; // fewer clients than replicas: Kafka logs a warning and goes on
      client.assignStandby(task);
      byLoad.offer(client);
    }
  }
  balanceTasksOverThreads(clients, 'standby');
}

function assignStatelessActiveTasks(clients: readonly ClientState[], statelessTasks: readonly TaskId[]): void {
  const byActiveLoad = new ConstrainedPrioritySet(() => true, (c) => c.activeTaskLoad());
  byActiveLoad.offerAll(clients);
  for (const task of statelessTasks) {
    const client = byActiveLoad.poll(task)!;
    client.assignActive(task);
    byActiveLoad.offer(client);
  }
}

function isCaughtUp(lag: number, acceptableRecoveryLag: number): boolean {
  return lag === LATEST_OFFSET || acceptableRecoveryLag >= Number.MAX_SAFE_INTEGER || (lag >= 0 && lag <= acceptableRecoveryLag);
}

function movementContext(clients: readonly ClientState[], statefulTasks: readonly TaskId[], configs: AssignmentConfigs): MovementContext {
  const caughtUpClients = new Map<TaskId, Set<ClientState>>();
  const clientsByLag = new Map<TaskId, ClientState[]>();
  for (const task of statefulTasks) {
    caughtUpClients.set(task, new Set(clients.filter((c) => isCaughtUp(c.lagFor(task), configs.acceptableRecoveryLag))));
    clientsByLag.set(task, [...clients].sort((a, b) => a.lagFor(task) - b.lagFor(task) || a.order - b.order));
  }
  return { clients, caughtUpClients, clientsByLag, warmups: new Map(), remainingWarmupReplicas: configs.maxWarmupReplicas };
}

/** HighAvailabilityTaskAssignor.assign, with the lags StreamsPartitionAssignor computes first. */
export function assignTasks(input: HighAvailabilityInput): HighAvailabilityAssignment {
  const configs = { ...ASSIGNMENT_CONFIG_DEFAULTS, ...input.configs };
  const allTasks = sortTasks(new Set([...input.allTasks, ...input.changelogEndOffsetSums.keys()]));
  const statefulTasks = allTasks.filter((t) => input.changelogEndOffsetSums.has(t));
  const statelessTasks = allTasks.filter((t) => !input.changelogEndOffsetSums.has(t));
  const inputs = [...input.clients].sort((a, b) => compareProcessIds(a.processId, b.processId));
  const clients = inputs.map((c, i) => new ClientState(c.processId, c.capacity, i, computeTaskLags(c.taskOffsetSums, input.changelogEndOffsetSums)));
  if (clients.length === 0) throw new Error('no clients to assign tasks to');

  assignActiveStatefulTasks(clients, statefulTasks);
  assignStandbyReplicaTasks(clients, statefulTasks, configs.numStandbyReplicas);
  const ctx = movementContext(clients, statefulTasks, configs);
  const movements = assignActiveTaskMovements(ctx) + assignStandbyTaskMovements(ctx);
  assignStatelessActiveTasks(clients, statelessTasks);

  const probingRebalanceNeeded = movements > 0;
  return {
    clients: new Map(
      clients.map((c) => {
        const warmups = ctx.warmups.get(c) ?? new Set<TaskId>();
        const standbys = sortTasks(c.standby);
        return [c.processId, { active: sortTasks(c.active), standby: standbys.filter((t) => !warmups.has(t)), warmup: standbys.filter((t) => warmups.has(t)) }];
      }),
    ),
    lags: new Map(clients.map((c) => [c.processId, new Map(statefulTasks.map((t) => [t, c.lagFor(t)]))])),
    probingRebalanceNeeded,
    nextProbingRebalanceMs: probingRebalanceNeeded ? input.nowMs + configs.probingRebalanceIntervalMs : null,
  };
}
