// Measurement hook for `npm run bench:ui` (bench/ui.ts), active ONLY when the page address has
// `bench=1` in its query string; otherwise `benchLatency` is null and costs nothing.
// For each applied batch of session events it waits until that batch is on screen: a batch applied
// inside an animation frame callback (stores/frame-batcher.ts) is painted by that frame (Vue's
// updates run as microtasks right after the batch, before the frame's rendering), so a macrotask
// is enough; a batch applied outside one waits for the next frame first. It then records per
// event `Date.now() - event.ts` (the session stamps `ts` with Date.now() on the same machine) in a
// bounded array on `window.__streamwatchLatency`, with the arrival delay (received by the page −
// ts) beside it.
import type { SessionEvent } from '../api/contract';

const MAX_SAMPLES = 200_000;

export interface BenchLatency {
  /** Date.now() when painted − event.ts, ms, in arrival order. */
  painted: number[];
  /** Date.now() when the page received the event − event.ts, ms (same order as painted). */
  arrived: number[];
  /** Events applied per batch. */
  batchSizes: number[];
  /** Samples dropped once the arrays were full. */
  dropped: number;
}

declare global {
  interface Window {
    __streamwatchLatency?: BenchLatency;
  }
}

function enabled(): boolean {
  try {
    return typeof window !== 'undefined' && new URLSearchParams(window.location.search).get('bench') === '1';
  } catch {
    return false;
  }
}

export const benchLatency: { received(event: SessionEvent): void; applied(batch: SessionEvent[], inFrame: boolean): void } | null = enabled()
  ? (() => {
      const state: BenchLatency = { painted: [], arrived: [], batchSizes: [], dropped: 0 };
      window.__streamwatchLatency = state;
      const arrivals = new WeakMap<SessionEvent, number>();
      return {
        received(event) {
          arrivals.set(event, Date.now());
        },
        applied(batch, inFrame) {
          if (batch.length === 0) return;
          const afterPaint = (run: () => void): void => void setTimeout(run, 0);
          const onScreen = inFrame ? afterPaint : (run: () => void) => requestAnimationFrame(() => afterPaint(run));
          onScreen(() => {
            const now = Date.now();
            state.batchSizes.push(batch.length);
            if (state.batchSizes.length > MAX_SAMPLES) state.batchSizes.splice(0, state.batchSizes.length - MAX_SAMPLES);
            for (const e of batch) {
              if (state.painted.length >= MAX_SAMPLES) {
                state.dropped++;
                continue;
              }
              state.painted.push(now - e.ts);
              state.arrived.push((arrivals.get(e) ?? now) - e.ts);
            }
          });
        },
      };
    })()
  : null;
