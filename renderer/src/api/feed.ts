// Puts session events in order exactly once. Live events are validated; on every (re)connect the
// feed fetches the history after the last seq it delivered (so a window opened late, or one that
// lost its link, catches up) while holding back live events until the history is in. A live
// event at or below the last seq means the session restarted: start again from seq 0.
import { SessionEvent } from './contract';
import { describeZodError } from './errors';

export interface FeedSink {
  deliver(event: SessionEvent): void;
  invalid(raw: unknown, error: string): void;
  /** The session restarted (its seq went backwards): forget everything derived so far. */
  reset(): void;
  historyFailed?(error: unknown): void;
}

export type Validated = { ok: true; event: SessionEvent } | { ok: false; error: string };

export function validateEvent(raw: unknown): Validated {
  const parsed = SessionEvent.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  const type = raw && typeof raw === 'object' && 'type' in raw ? String(raw.type) : '(no type)';
  return { ok: false, error: `${type}: ${describeZodError(parsed.error)}` };
}

export class EventFeed {
  lastSeq = 0;
  duplicates = 0;
  restarts = 0;
  private buffering = false;
  private buffer: SessionEvent[] = [];
  private round = 0;

  constructor(
    private readonly sink: FeedSink,
    private readonly fetchHistory: (afterSeq: number) => Promise<unknown[]>,
  ) {}

  get catchingUp(): boolean {
    return this.buffering;
  }

  live(raw: unknown): void {
    const v = validateEvent(raw);
    if (!v.ok) {
      this.sink.invalid(raw, v.error);
      return;
    }
    const event = v.event;
    if (this.buffering) {
      this.buffer.push(event);
      return;
    }
    if (event.seq > this.lastSeq) {
      this.lastSeq = event.seq;
      this.sink.deliver(event);
      return;
    }
    // Seq went backwards outside a catch-up: a new session. Rebuild from its history.
    this.restarts++;
    this.lastSeq = 0;
    this.sink.reset();
    this.buffer = [event];
    void this.catchUp();
  }

  /** Fetch what happened after lastSeq; live events wait meanwhile. Call on every (re)connect. */
  async catchUp(): Promise<void> {
    const round = ++this.round;
    this.buffering = true;
    let history: unknown[] = [];
    try {
      history = await this.fetchHistory(this.lastSeq);
    } catch (err) {
      this.sink.historyFailed?.(err);
    }
    if (round !== this.round) return; // a newer catch-up took over
    const valid: SessionEvent[] = [];
    for (const raw of history) {
      const v = validateEvent(raw);
      if (v.ok) valid.push(v.event);
      else this.sink.invalid(raw, v.error);
    }
    const all = [...valid, ...this.buffer].sort((a, b) => a.seq - b.seq);
    this.buffer = [];
    this.buffering = false;
    for (const event of all) {
      if (event.seq > this.lastSeq) {
        this.lastSeq = event.seq;
        this.sink.deliver(event);
      } else {
        this.duplicates++;
      }
    }
  }
}
