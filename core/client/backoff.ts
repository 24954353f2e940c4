// Kafka's ExponentialBackoff (retry.backoff.ms → retry.backoff.max.ms, reconnect.backoff.ms →
// reconnect.backoff.max.ms): initial × 2^attempts, capped, with ±20 % jitter so that many
// clients do not retry in step.
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export function backoffDelay(settings: BackoffSettings, attempts: number, random: () => number = Math.random): number {
  const exp = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.max(0, attempts));
  const jitter = 1 + 0.4 * (random() - 0.5);
  return Math.max(0, Math.round(Math.min(settings.maxMs, exp * jitter)));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
