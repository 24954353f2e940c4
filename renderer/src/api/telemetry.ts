// What an `instance.telemetry` event carries: a StreamsEvent from the instance's runtime, read with
// the contract's TelemetryView — loosely (phases and states as strings, extra fields kept) so a new
// phase does not blank a view.
import { TelemetryView } from './contract';
import type { SessionEvent } from './contract';
import { describeZodError } from './errors';

export const Telemetry = TelemetryView;
export type Telemetry = TelemetryView;
export type TelemetryOf<T extends Telemetry['type']> = Extract<Telemetry, { type: T }>;

/** The types this console describes; others are shown by name, as a type it does not know yet. */
const KNOWN = new Set<string>(['state', 'rebalance', 'task', 'pause', 'txn', 'commit', 'error', 'log', 'metrics']);

export type TelemetryParse =
  | { kind: 'ok'; telemetry: Telemetry }
  /** A type this console does not know yet: shown in the log, not an error. */
  | { kind: 'unknown'; type: string }
  | { kind: 'invalid'; error: string };

type TelemetryEvent = Extract<SessionEvent, { type: 'instance.telemetry' }>;
const cache = new WeakMap<object, TelemetryParse>();

/** Parsed once per event object, whichever store asks first. */
export function parseTelemetry(event: TelemetryEvent): TelemetryParse {
  const hit = cache.get(event);
  if (hit) return hit;
  let result: TelemetryParse;
  const type = event.event['type'];
  if (typeof type === 'string' && !KNOWN.has(type)) {
    result = { kind: 'unknown', type };
  } else {
    const parsed = Telemetry.safeParse(event.event);
    result = parsed.success
      ? { kind: 'ok', telemetry: parsed.data }
      : { kind: 'invalid', error: `telemetry ${String(type)}: ${describeZodError(parsed.error)}` };
  }
  cache.set(event, result);
  return result;
}

/** The telemetry inside a session event, if it is one and it is valid. */
export function telemetryOf(event: SessionEvent): Telemetry | null {
  if (event.type !== 'instance.telemetry') return null;
  const parsed = parseTelemetry(event);
  return parsed.kind === 'ok' ? parsed.telemetry : null;
}
