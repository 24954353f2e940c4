// Kafka Streams' ConstrainedPrioritySet: the clients on offer, polled least loaded first (ties by
// process id order) among those that satisfy a constraint for the task at hand. A polled client
// leaves the set until it is offered again, which re-reads its load.
import type { TaskId } from '../tasks.js';
import type { ClientState } from './client-state.js';

export class ConstrainedPrioritySet {
  private readonly offered = new Set<ClientState>();

  constructor(
    private readonly constraint: (client: ClientState, task: TaskId) => boolean,
    private readonly weight: (client: ClientState) => number,
  ) {}

  /** The least loaded offered client that may take `task` (and passes `extra`), or null. */
  poll(task: TaskId, extra: (client: ClientState) => boolean = () => true): ClientState | null {
    let best: ClientState | null = null;
    let bestWeight = 0;
    for (const c of this.offered) {
      if (!this.constraint(c, task) || !extra(c)) continue;
      const w = this.weight(c);
      if (best === null || w < bestWeight || (w === bestWeight && c.order < best.order)) {
        best = c;
        bestWeight = w;
      }
    }
    if (best !== null) this.offered.delete(best);
    return best;
  }

  offer(client: ClientState): void {
    this.offered.add(client);
  }

  offerAll(clients: Iterable<ClientState>): void {
    for (const c of clients) this.offer(c);
  }
}
