// The Start instances form ⇄ instances.start's arguments: the guarantee, the rebalance protocol,
// standby replicas and the timings — Kafka's defaults or the console's demo timings, as presets,
// with the session timeout editable on top of either.
import { TIMINGS, effectiveTimings } from '../api/contract';
import type { AppName, CommandArgs, Guarantee, TimingsName } from '../api/contract';

export interface StartForm {
  app: AppName;
  count: number;
  applicationId: string;
  guarantee: Guarantee;
  rebalanceProtocol: 'cooperative' | 'eager';
  numStandbyReplicas: number;
  /** The preset the timings start from (heartbeat and probing interval come from it). */
  timings: TimingsName;
  /** Seconds, as typed. */
  sessionTimeoutS: number;
}

export const GUARANTEE_OPTIONS: readonly { value: Guarantee; label: string; title: string }[] = [
  { value: 'exactly_once_v2', label: 'exactly once v2', title: 'Kafka Streams exactly_once_v2: records and offsets in one transaction per commit (KIP-447).' },
  { value: 'at_least_once', label: 'at least once', title: "Kafka Streams' default: offsets committed after the output is acknowledged; a crash can duplicate." },
  {
    value: 'at_most_once',
    label: 'at most once — a demonstration of loss, not a Kafka Streams guarantee',
    title: 'Offsets committed before processing: a crash loses records. A Streamwatch demonstration of loss, not a Kafka Streams guarantee.',
  },
];

export const PROTOCOL_OPTIONS: readonly { value: StartForm['rebalanceProtocol']; label: string; title: string }[] = [
  { value: 'cooperative', label: 'cooperative (default)', title: 'Kafka Streams 4.x: members keep their tasks through a rebalance; only moved tasks pause.' },
  { value: 'eager', label: 'eager', title: 'Every member gives up every task at the start of each rebalance (Kafka Streams before 2.4), to compare.' },
];

export const MAX_STANDBY_REPLICAS = 3;

export const TIMING_PRESETS: readonly { name: TimingsName; label: string; title: string }[] = [
  {
    name: 'kafka',
    label: 'Kafka defaults',
    title: "Kafka 4.x's own: session.timeout.ms 45 s, heartbeat.interval.ms 3 s, probing.rebalance.interval.ms 10 min, acceptable.recovery.lag 10 000 — a crashed instance's tasks wait 45 s.",
  },
  {
    name: 'demo',
    label: 'Demo timings',
    title: "Streamwatch's short timings, not Kafka's: session timeout 10 s, heartbeat 1 s, a probing rebalance every 30 s, acceptable.recovery.lag 100 (the demo's stores are small) — a kill heals in seconds.",
  },
];

/** Bounds of instances.start's sessionTimeoutMs. */
const MIN_SESSION_TIMEOUT_S = 1;
const MAX_SESSION_TIMEOUT_S = 300;
/** A Kafka broker refuses shorter sessions: group.min.session.timeout.ms defaults to 6 s (GroupCoordinatorConfig). */
const BROKER_MIN_SESSION_TIMEOUT_S = 6;

export function defaultStartForm(): StartForm {
  return {
    app: 'bank-ledger',
    count: 2,
    applicationId: '',
    guarantee: 'exactly_once_v2',
    rebalanceProtocol: 'cooperative',
    numStandbyReplicas: 0,
    timings: 'demo',
    sessionTimeoutS: TIMINGS.demo.sessionTimeoutMs / 1000,
  };
}

/** The form with a preset's timings, the session timeout included. */
export function applyPreset(form: StartForm, preset: TimingsName): StartForm {
  return { ...form, timings: preset, sessionTimeoutS: TIMINGS[preset].sessionTimeoutMs / 1000 };
}

/** The preset the form's timings are exactly, or null once the session timeout was changed. */
export function activePreset(form: StartForm): TimingsName | null {
  return Math.round(form.sessionTimeoutS * 1000) === TIMINGS[form.timings].sessionTimeoutMs ? form.timings : null;
}

/** What the instances will run with (the session derives the same, effectiveTimings). */
export function formTimings(form: StartForm): ReturnType<typeof effectiveTimings> {
  return effectiveTimings(form.timings, sessionTimeoutOverride(form));
}

/** What is wrong with the form, in its fields' words; null when it can be sent. */
export function startFormError(form: StartForm): string | null {
  if (!Number.isInteger(form.count) || form.count < 1 || form.count > 16) return 'Count: from 1 to 16 instances.';
  if (!Number.isInteger(form.numStandbyReplicas) || form.numStandbyReplicas < 0 || form.numStandbyReplicas > MAX_STANDBY_REPLICAS) {
    return `Standby replicas: from 0 to ${MAX_STANDBY_REPLICAS}.`;
  }
  if (!Number.isFinite(form.sessionTimeoutS) || form.sessionTimeoutS < MIN_SESSION_TIMEOUT_S || form.sessionTimeoutS > MAX_SESSION_TIMEOUT_S) {
    return `Session timeout: from ${MIN_SESSION_TIMEOUT_S} to ${MAX_SESSION_TIMEOUT_S} s.`;
  }
  if (form.applicationId.trim() !== '' && !/^[a-zA-Z0-9._-]+$/.test(form.applicationId.trim())) return "Application id: letters, digits, '.', '_' and '-' only.";
  return null;
}

/** A note on a valid but doubtful choice, or null. */
export function startFormWarning(form: StartForm): string | null {
  if (form.sessionTimeoutS < BROKER_MIN_SESSION_TIMEOUT_S) {
    return `A Kafka broker refuses session timeouts under group.min.session.timeout.ms (${BROKER_MIN_SESSION_TIMEOUT_S} s by default); the embedded one accepts them.`;
  }
  if (form.numStandbyReplicas >= form.count) return `With ${form.count} instance${form.count === 1 ? '' : 's'}, at most ${form.count - 1} standby replica${form.count === 2 ? '' : 's'} can be placed (never on the active's instance).`;
  return null;
}

/** instances.start's arguments; the session timeout only when it differs from the preset's. */
export function startArgs(form: StartForm): CommandArgs<'instances.start'> {
  const override = sessionTimeoutOverride(form);
  return {
    app: form.app,
    count: form.count,
    guarantee: form.guarantee,
    rebalanceProtocol: form.rebalanceProtocol,
    numStandbyReplicas: form.numStandbyReplicas,
    timings: form.timings,
    ...(override !== undefined ? { sessionTimeoutMs: override } : {}),
    ...(form.applicationId.trim() ? { applicationId: form.applicationId.trim() } : {}),
  };
}

function sessionTimeoutOverride(form: StartForm): number | undefined {
  return activePreset(form) === null ? Math.round(form.sessionTimeoutS * 1000) : undefined;
}
