// Fault injection for tests: named points in the commit path where an instance's thread can be
// made to die as a crash would (no close, no abort, nothing flushed), so a test can show what the
// cluster and the next owner make of exactly that moment. Only in a worker thread, where exiting
// ends the instance and not the process; set through the instance config (`crashAt`).
import { isMainThread } from 'node:worker_threads';

export const CRASH_POINTS = [
  /** exactly_once_v2: the transaction's offsets were sent (TxnOffsetCommit) but EndTxn was not. */
  'after-txn-offsets',
  /** After a commit succeeded, before the task checkpoints were written. */
  'after-commit-before-checkpoint',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Exit code of a worker that crashed at a crash point, so the supervisor's log says why. */
export const CRASH_POINT_EXIT_CODE = 70;

export function crashIfAsked(asked: CrashPoint | null, point: CrashPoint): void {
  if (asked !== point) return;
  if (isMainThread) throw new Error(`crash point ${point} reached, but crash points only run in a worker thread`);
  process.exit(CRASH_POINT_EXIT_CODE);
}
