// Which colour a state word gets, everywhere: green is healthy, amber is in motion, red is broken.

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'info';

const TONES: Record<string, Tone> = {
  // instances and streams
  running: 'ok',
  RUNNING: 'ok',
  starting: 'warn',
  stopping: 'warn',
  frozen: 'bad',
  stopped: 'idle',
  killed: 'bad',
  crashed: 'bad',
  CREATED: 'idle',
  REBALANCING: 'warn',
  PENDING_SHUTDOWN: 'warn',
  NOT_RUNNING: 'idle',
  ERROR: 'bad',
  // tasks
  created: 'idle',
  assigned: 'idle',
  restoring: 'warn',
  restored: 'info',
  // lag (Burrow)
  OK: 'ok',
  WARN: 'warn',
  STALL: 'bad',
  STOP: 'bad',
  REWIND: 'bad',
  ERR: 'bad',
  // groups
  Stable: 'ok',
  PreparingRebalance: 'warn',
  CompletingRebalance: 'warn',
  Empty: 'idle',
  Dead: 'bad',
  // transactions
  Ongoing: 'warn',
  PrepareCommit: 'warn',
  PrepareAbort: 'warn',
  CompleteCommit: 'ok',
  CompleteAbort: 'idle',
  PrepareEpochFence: 'bad',
  begin: 'warn',
  'offsets-added': 'warn',
  committing: 'warn',
  committed: 'ok',
  aborting: 'warn',
  aborted: 'idle',
  fenced: 'bad',
  // embedded broker, load generator, ledger
  error: 'bad',
  paused: 'warn',
  holding: 'ok',
  violated: 'bad',
  pending: 'idle',
};

export function toneOf(value: string | null | undefined): Tone {
  if (!value) return 'idle';
  return TONES[value] ?? TONES[value.toLowerCase()] ?? 'info';
}
