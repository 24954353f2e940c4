// Kafka Streams' TaskMovement: after the balanced placement, a stateful task placed on a client
// that is not caught up goes back to a caught-up one (or the most caught-up), and the client it was
// meant for gets a warm-up replica of it while warm-ups remain (max.warmup.replicas per
// rebalance). Each such movement means the balanced placement is not reached yet: a probing
// rebalance follows to try again once warm-ups have caught up.
import { sortTasks, type TaskId } from '../tasks.js';
import type { ClientState } from './client-state.js';
import { ConstrainedPrioritySet } from './constrained-priority-set.js';

export interface MovementContext {
  /** Clients in process id order. */
  clients: readonly ClientState[];
  /** Per stateful task: clients within acceptable.recovery.lag (or running it). */
  caughtUpClients: ReadonlyMap<TaskId, ReadonlySet<ClientState>>;
  /** Per stateful task: every client, least lag first (ties by process id order). */
  clientsByLag: ReadonlyMap<TaskId, readonly ClientState[]>;
  /** Warm-ups handed out so far: standbys that exist only to move an active task later. */
  warmups: Map<ClientState, Set<TaskId>>;
  remainingWarmupReplicas: number;
}

interface TaskMovement {
  task: TaskId;
  destination: ClientState;
  numCaughtUpClients: number;
}

function isCaughtUp(ctx: MovementContext, task: TaskId, client: ClientState): boolean {
  return ctx.caughtUpClients.get(task)!.has(client);
}

function notCaughtUpAndMoreCaughtUpClientsExist(ctx: MovementContext, task: TaskId, client: ClientState): boolean {
  if (isCaughtUp(ctx, task, client)) return false;
  return ctx.clientsByLag.get(task)![0]!.lagFor(task) < client.lagFor(task);
}

/** Fewest caught-up clients first (they have the fewest places to go), then task order. */
function movementQueue(ctx: MovementContext, tasksOf: (c: ClientState) => Iterable<TaskId>): TaskMovement[] {
  const movements: TaskMovement[] = [];
  for (const client of ctx.clients) {
    for (const task of tasksOf(client)) {
      if (notCaughtUpAndMoreCaughtUpClientsExist(ctx, task, client)) {
        movements.push({ task, destination: client, numCaughtUpClients: ctx.caughtUpClients.get(task)!.size });
      }
    }
  }
  const order = new Map(sortTasks(movements.map((m) => m.task)).map((t, i) => [t, i]));
  return movements.sort((a, b) => a.numCaughtUpClients - b.numCaughtUpClients || order.get(a.task)! - order.get(b.task)!);
}

function caughtUpClientsByTaskLoad(ctx: MovementContext): ConstrainedPrioritySet {
  const set = new ConstrainedPrioritySet((c, task) => isCaughtUp(ctx, task, c), (c) => c.assignedTaskLoad());
  set.offerAll(ctx.clients);
  return set;
}

/** The client with the least lag on `task` that ranks before `destination` and passes `eligible`. */
function mostCaughtUpEligibleClient(
  ctx: MovementContext,
  task: TaskId,
  destination: ClientState,
  eligible: (c: ClientState) => boolean = () => true,
): ClientState | null {
  for (const c of ctx.clientsByLag.get(task)!) {
    if (c === destination) break;
    if (eligible(c)) return c;
  }
  return null;
}

function takeWarmup(ctx: MovementContext): boolean {
  return ctx.remainingWarmupReplicas-- > 0;
}

function addWarmup(ctx: MovementContext, client: ClientState, task: TaskId): void {
  const set = ctx.warmups.get(client) ?? new Set<TaskId>();
  set.add(task);
  ctx.warmups.set(client, set);
}

function swapStandbyAndActive(task: TaskId, source: ClientState, destination: ClientState): void {
  source.unassignStandby(task);
  source.assignActive(task);
  destination.unassignActive(task);
  destination.assignStandby(task);
}

function moveActiveAndTryToWarmUp(ctx: MovementContext, task: TaskId, source: ClientState, destination: ClientState): void {
  source.assignActive(task);
  destination.unassignActive(task);
  if (takeWarmup(ctx)) {
    destination.assignStandby(task);
    addWarmup(ctx, destination, task);
  }
  // else: no warm-up left; the destination is tried again in a later (probing) rebalance.
}

/** TaskMovement.assignActiveTaskMovements; returns how many movements were needed. */
export function assignActiveTaskMovements(ctx: MovementContext): number {
  const caughtUp = caughtUpClientsByTaskLoad(ctx);
  const movements = movementQueue(ctx, (c) => sortTasks(c.active));
  for (const { task, destination } of movements) {
    // A caught-up standby is promoted first; then any caught-up client; then the most caught-up.
    const standbySource = caughtUp.poll(task, (c) => c.standby.has(task));
    if (standbySource !== null) {
      swapStandbyAndActive(task, standbySource, destination);
      caughtUp.offerAll([standbySource, destination]);
      continue;
    }
    const caughtUpSource = caughtUp.poll(task);
    if (caughtUpSource !== null) {
      moveActiveAndTryToWarmUp(ctx, task, caughtUpSource, destination);
      caughtUp.offerAll([caughtUpSource, destination]);
      continue;
    }
    const mostCaughtUp = mostCaughtUpEligibleClient(ctx, task, destination);
    if (mostCaughtUp === null) throw new Error(`tried to move task ${task} to a more caught-up client as scheduled before, but none exists`);
    if (mostCaughtUp.standby.has(task)) swapStandbyAndActive(task, mostCaughtUp, destination);
    else moveActiveAndTryToWarmUp(ctx, task, mostCaughtUp, destination);
    caughtUp.offerAll([mostCaughtUp, destination]);
  }
  return movements.length;
}

/**
 * TaskMovement.assignStandbyTaskMovements: a standby on a client that is not caught up moves to a
 * caught-up client without a copy of the task; the original stays as a warm-up while warm-ups
 * remain. Warm-ups handed out for active tasks are left alone.
 */
export function assignStandbyTaskMovements(ctx: MovementContext): number {
  const caughtUp = caughtUpClientsByTaskLoad(ctx);
  const movements = movementQueue(ctx, (c) => sortTasks(c.standby).filter((t) => !ctx.warmups.get(c)?.has(t)));
  let needed = 0;
  for (const { task, destination } of movements) {
    const eligible = (c: ClientState) => !c.hasAssignedTask(task);
    const source = caughtUp.poll(task, eligible) ?? mostCaughtUpEligibleClient(ctx, task, destination, eligible);
    if (source === null) continue; // every more caught-up client already has a copy
    source.assignStandby(task);
    if (takeWarmup(ctx)) addWarmup(ctx, destination, task);
    else destination.unassignStandby(task);
    caughtUp.offerAll([source, destination]);
    needed++;
  }
  return needed;
}
