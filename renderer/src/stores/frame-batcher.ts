// Collects items and hands them over in one batch on the next animation frame, so that views
// render once per frame however many events arrive, and an event waits at most one frame (not a
// fixed timer) before it is applied. A hidden page gets no animation frames: a timer then applies
// the batch instead, so nothing piles up while the window is in the background.

/** The browser's schedulers; tests pass their own. */
export interface FrameClock {
  requestFrame(run: () => void): number;
  cancelFrame(handle: number): void;
  setTimer(run: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimer(handle: ReturnType<typeof setTimeout>): void;
}

export const browserClock: FrameClock = {
  requestFrame: (run) => requestAnimationFrame(run),
  cancelFrame: (h) => cancelAnimationFrame(h),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (h) => clearTimeout(h),
};

/** When no frame came (hidden page, or a frame long overdue): the old fixed batch interval. */
export const FALLBACK_MS = 100;

export class FrameBatcher<T> {
  private queue: T[] = [];
  private frame: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `inFrame` says whether the batch is applied inside an animation frame callback. */
  constructor(
    private readonly apply: (batch: T[], inFrame: boolean) => void,
    private readonly clock: FrameClock = browserClock,
    private readonly fallbackMs = FALLBACK_MS,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.frame !== null || this.timer !== null) return;
    // Both are armed; whichever fires first applies the batch and disarms the other.
    this.frame = this.clock.requestFrame(() => this.flush(true));
    this.timer = this.clock.setTimer(() => this.flush(false), this.fallbackMs);
  }

  /** Applies what is queued now (e.g. on reconnect). */
  flush(inFrame = false): void {
    this.disarm();
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.apply(batch, inFrame);
  }

  /** Drops what is queued (e.g. when the stores are reset). */
  clear(): void {
    this.disarm();
    this.queue = [];
  }

  private disarm(): void {
    if (this.frame !== null) this.clock.cancelFrame(this.frame);
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.frame = null;
    this.timer = null;
  }
}
