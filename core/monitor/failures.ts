// Turning client errors into one line an operator understands, and the reconnect back-off.

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  broker?: unknown;
  originalError?: unknown;
  cause?: unknown;
  address?: unknown;
  port?: unknown;
}

/** The error and the errors it wraps (kafkajs: originalError; Node: cause), outermost first. */
function chain(e: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && out.length < 10) {
    const x = cur as ErrorLike;
    out.push(x);
    cur = x.originalError ?? x.cause;
  }
  return out;
}

/**
 * "cannot reach 127.0.0.1:1 — connection refused", "127.0.0.1:9092: authentication failed — …",
 * or the innermost message with its address. Never a stack.
 */
export function describeFailure(e: unknown, bootstrap: readonly string[]): string {
  const errors = chain(e);
  const where =
    errors.map((x) => x.broker).find((b): b is string => typeof b === 'string') ??
    errors.map((x) => (typeof x.address === 'string' && typeof x.port === 'number' ? `${x.address}:${x.port}` : null)).find((a) => a !== null) ??
    bootstrap.join(', ');
  const code = errors.map((x) => x.code).find((c): c is string => typeof c === 'string' && c in REASONS);
  if (code) return `cannot reach ${where} — ${REASONS[code]}`;
  const names = errors.map((x) => String(x.name ?? ''));
  const innermost = errors[errors.length - 1];
  const message = String(innermost?.message ?? e);
  if (names.includes('KafkaJSSASLAuthenticationError') || errors.some((x) => x.name === 'KafkaConnectionError' && x.code === 'AUTH')) return `${where}: authentication failed — ${message}`;
  if (names.includes('KafkaJSConnectionClosedError')) {
    return `cannot reach ${where} — the broker closed the connection (wrong port, or a TLS/SASL mismatch?)`;
  }
  if (/connection timeout/i.test(message)) return `cannot reach ${where} — connection timed out`;
  if (/request timed out/i.test(message)) return `${where}: request timed out`;
  return `${where}: ${message}`;
}

export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

/** 1 s, 2 s, 4 s … 30 s: the wait after `failures` consecutive failed polls (failures ≥ 1). */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.max(0, failures - 1));
}
