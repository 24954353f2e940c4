// The session's one event bus: every event gets seq + ts, is validated against SessionEvent (an
// invalid event becomes an `error` event naming the producer's mistake — it never throws into
// the producer), is kept in a bounded history and fanned out to subscribers.
//
// The history is two rings, merged by seq when read: facts (state changes, rebalances, errors,
// progress) and samples (telemetry, resource and load stats, snapshots). Under exactly-once a
// single instance reports several transaction events per commit interval; one ring would lose
// the last hour's instance states to the last minute's commits.
import { SessionEvent } from './api.js';
import type { SessionEventInput } from './api.js';
import { issuesText } from './errors.js';

export type SessionEventListener = (event: SessionEvent) => void;

const SAMPLE_TYPES: ReadonlySet<SessionEvent['type']> = new Set([
  'instance.telemetry',
  'instance.resources',
  'group.snapshot',
  'txn.snapshot',
  'verifier.snapshot',
  'load.stats',
  'cluster.status',
]);

/** Current-state events: the latest of each is always in the history, however old, so a window
 * opened late knows whether the cluster is connected even after the rings have turned over. */
const LATEST_TYPES: ReadonlySet<SessionEvent['type']> = new Set(['cluster.status', 'embedded.status']);

class Ring<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(start + i) % this.capacity]!);
    return out;
  }
}

export interface EventBusOptions {
  /** Capacity of each of the two history rings (facts, samples); 5000 by default. */
  historySize?: number;
  now?: () => number;
}

export class EventBus {
  readonly #facts: Ring<SessionEvent>;
  readonly #samples: Ring<SessionEvent>;
  readonly #listeners = new Set<SessionEventListener>();
  readonly #now: () => number;
  #seq = 0;

  constructor(options: EventBusOptions = {}) {
    const size = options.historySize ?? 5000;
    this.#facts = new Ring(size);
    this.#samples = new Ring(size);
    this.#now = options.now ?? Date.now;
  }

  /** The seq of the last published event (0 before the first). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Stamps, validates, records and fans out one event. Returns the event as published, or null if it was invalid. */
  publish(input: SessionEventInput): SessionEvent | null {
    const parsed = SessionEvent.safeParse({ ...input, seq: this.#seq + 1, ts: this.#now() });
    if (!parsed.success) {
      const type = typeof (input as { type?: unknown }).type === 'string' ? (input as { type: string }).type : '(no type)';
      this.#deliver({ seq: ++this.#seq, ts: this.#now(), type: 'error', source: 'session', message: `dropped an invalid ${type} event: ${issuesText(parsed.error.issues)}` });
      return null;
    }
    this.#seq += 1;
    this.#deliver(parsed.data);
    return parsed.data;
  }

  subscribe(fn: SessionEventListener): () => void {
    this.#listeners.add(fn);
    return () => {
      this.#listeners.delete(fn);
    };
  }

  /** Events with seq > afterSeq still in the history, in seq order. */
  history(afterSeq = 0): SessionEvent[] {
    const merged: SessionEvent[] = [];
    const a = this.#facts.toArray().filter((e) => e.seq > afterSeq);
    const b = this.#samples.toArray().filter((e) => e.seq > afterSeq);
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i]!.seq < b[j]!.seq)) merged.push(a[i++]!);
      else merged.push(b[j++]!);
    }
    const kept = new Set(merged.map((e) => e.seq));
    for (const e of this.#latest.values()) {
      if (e.seq <= afterSeq || kept.has(e.seq)) continue;
      const at = merged.findIndex((m) => m.seq > e.seq);
      merged.splice(at < 0 ? merged.length : at, 0, e);
    }
    return merged;
  }

  readonly #latest = new Map<SessionEvent['type'], SessionEvent>();

  #deliver(event: SessionEvent): void {
    if (LATEST_TYPES.has(event.type)) this.#latest.set(event.type, event);
    (SAMPLE_TYPES.has(event.type) ? this.#samples : this.#facts).push(event);
    for (const fn of this.#listeners) {
      try {
        fn(event);
      } catch {
        // a subscriber's failure (e.g. a closed socket) must not stop the others
      }
    }
  }
}
