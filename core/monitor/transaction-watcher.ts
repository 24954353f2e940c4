// What the transaction coordinator did on its own, told from two successive DescribeTransactions
// of the same transactional id: a transaction it aborted because it outlived its timeout, one it
// aborted because a new producer with the same id called InitProducerId (fencing the old epoch),
// or only a fence when nothing was open. The producer never reports these (it is dead, frozen, or
// learns of them only when its next request fails), so the monitor must see them in the cluster.
//
// Kafka's rules (TransactionCoordinator / TransactionMetadata): a coordinator abort always fences
// the epoch first (prepareFenceProducerEpoch: epoch + 1) and then aborts; InitProducerId bumps the
// epoch and leaves the id Empty (the only way into Empty); a producer's own EndTxn keeps the epoch
// under transaction version 0/1 but bumps it by one under version 2 (KIP-890). So an abort with an
// epoch bump is the coordinator's for certain only when ends do not bump the epoch — learnt here
// from a commit seen to bump it. Otherwise the producer's report has to tell (producerAbortPossible).
import type { DescribedTransaction } from './transactions.js';
import type { CoordinatorEvent, TransactionSnapshot } from './types.js';

/** Per transactional id, the most recent ones: the console keeps its own history. */
export const COORDINATOR_EVENTS_KEPT = 20;

/** Begun and not yet ending (Prepare* is the end under way, seen already when it came from Ongoing). */
const RUNNING: ReadonlySet<string> = new Set(['Ongoing', 'PrepareEpochFence']);
const ABORTING: ReadonlySet<string> = new Set(['PrepareAbort', 'CompleteAbort']);
const COMMITTING: ReadonlySet<string> = new Set(['PrepareCommit', 'CompleteCommit']);

interface Seen {
  t: DescribedTransaction;
  at: number;
}

/** Epochs moved forward (a new producer id counts: it is given when an epoch is exhausted). */
function bumped(before: DescribedTransaction, after: DescribedTransaction): boolean {
  return after.producerId !== before.producerId || after.producerEpoch > before.producerEpoch;
}

export class TransactionWatcher {
  private readonly last = new Map<string, Seen>();
  private readonly events = new Map<string, CoordinatorEvent[]>();
  /** A commit was seen to bump the epoch: the coordinator runs transaction version 2. */
  private endsBumpEpoch = false;

  /** Feeds one poll's transactions; returns them with what the coordinator did to each so far. */
  update(described: readonly DescribedTransaction[], now: number): TransactionSnapshot[] {
    const present = new Set<string>();
    const out: TransactionSnapshot[] = [];
    for (const t of described) {
      present.add(t.transactionalId);
      const prev = this.last.get(t.transactionalId);
      if (prev) {
        const e = this.compare(prev, t, now);
        if (e) {
          const list = this.events.get(t.transactionalId) ?? [];
          list.push(e);
          if (list.length > COORDINATOR_EVENTS_KEPT) list.splice(0, list.length - COORDINATOR_EVENTS_KEPT);
          this.events.set(t.transactionalId, list);
        }
      }
      this.last.set(t.transactionalId, { t, at: now });
      out.push({ ...t, coordinatorEvents: [...(this.events.get(t.transactionalId) ?? [])] });
    }
    // An id gone from the coordinator expired (transactional.id.expiration.ms); its past goes with it.
    for (const id of [...this.last.keys()]) {
      if (present.has(id)) continue;
      this.last.delete(id);
      this.events.delete(id);
    }
    return out;
  }

  private compare(prev: Seen, cur: DescribedTransaction, now: number): CoordinatorEvent | null {
    const p = prev.t;
    // PrepareEpochFence carries the fenced epoch already (Kafka keeps it a pending state; a broker may show it).
    const fencing = p.state === 'PrepareEpochFence' && ABORTING.has(cur.state);
    if (!bumped(p, cur) && !fencing) return null;
    const wasRunning = RUNNING.has(p.state) && p.startedAt !== null;
    if (wasRunning && COMMITTING.has(cur.state) && cur.producerId === p.producerId) {
      // The producer's own commit, and the epoch moved with it: transaction version 2.
      this.endsBumpEpoch = true;
      return null;
    }
    const base = { seenAt: now, producerId: cur.producerId, epochBefore: p.producerEpoch, epochAfter: cur.producerEpoch };
    const epochStep = cur.producerId === p.producerId ? cur.producerEpoch - p.producerEpoch : null;
    if (wasRunning && (ABORTING.has(cur.state) || cur.state === 'Empty')) {
      // The running transaction ended in an abort with the epoch fenced: the coordinator's doing
      // (Empty: the new producer's InitProducerId came right after). It cannot time out before
      // its timeout runs out; before that only a fence aborts it.
      const startedAt = p.startedAt!;
      const timedOut = now - startedAt >= p.timeoutMs;
      return {
        ...base,
        kind: timedOut ? 'timeout-abort' : 'fence-abort',
        startedAt,
        partitions: p.partitions,
        // Under version 2 a producer's own abort bumps by exactly one and leaves CompleteAbort.
        producerAbortPossible: this.endsBumpEpoch && epochStep === 1 && cur.state !== 'Empty',
      };
    }
    if (wasRunning) {
      // A new transaction (or a commit) since: under version 2 every end bumps the epoch, so
      // transactions that came and went between polls explain it.
      if (this.endsBumpEpoch) return null;
      return { ...base, kind: 'fence', startedAt: null, partitions: [], producerAbortPossible: false };
    }
    // Nothing was open. Empty is reached only through InitProducerId: a new producer fenced the old.
    if (cur.state === 'Empty') return { ...base, kind: 'fence', startedAt: null, partitions: [], producerAbortPossible: false };
    if (this.endsBumpEpoch) return null;
    if (ABORTING.has(cur.state)) {
      // Begun and aborted with a bump between two polls: no fence left it Empty, so the timeout did
      // — possible only when the timeout is shorter than the time between the polls.
      const timedOut = now - prev.at > cur.timeoutMs;
      return { ...base, kind: timedOut ? 'timeout-abort' : 'fence-abort', startedAt: null, partitions: [], producerAbortPossible: false };
    }
    // Ongoing (or committed) on a bumped epoch: a new producer initialised, then began.
    return { ...base, kind: 'fence', startedAt: null, partitions: [], producerAbortPossible: false };
  }
}
