// A fix for a kafkajs 2.2.4 bug, applied once to the kafkajs this process loads. Every module in
// core/ that builds a kafkajs client (`new Kafka(`, tests aside) imports this file, and
// kafkajs-fixes.test.ts checks that they do.
//
// RequestQueue.scheduleCheckPendingRequests (kafkajs/src/network/requestQueue/index.js:306-322)
// computes `this.throttledUntil - Date.now()` (line 312) and, when no request is pending, passes
// it unchanged to setTimeout (line 317). throttledUntil is -1 unless a broker asked for
// client-side throttling, so after every response the delay is about -Date.now(): Node
// makes it 1 ms (Node 20 silently; Node 24, Electron 41's, also warns `TimeoutNegativeWarning`,
// once per thread). The timer then calls checkPendingRequests, which schedules the next one:
// every idle connection polls its empty queue about once a millisecond for as long as it is
// open. Upstream: tulios/kafkajs#1751 and #1704, fixes proposed in #1755 and #1768, unreleased.
// No client setting avoids that path.
//
// The timer only ever serves pending requests: push() schedules a check itself whenever it
// enqueues one, and a fulfilled or timed-out request checks the queue at once. So with nothing
// pending there is nothing to schedule; with requests pending, kafkajs's own code already uses a
// positive delay (the throttle's end, or its 10 ms interval).
import { createRequire } from 'node:module';

interface RequestQueuePrototype {
  pending: unknown[];
  scheduleCheckPendingRequests(this: RequestQueuePrototype): void;
  [FIXED]?: true;
}

const FIXED = Symbol.for('streamwatch.kafkajs.idleRequestQueueTimer');

/** kafkajs's RequestQueue class: the same module instance the `kafkajs` package itself uses. */
function requestQueuePrototype(): RequestQueuePrototype | null {
  try {
    const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as { prototype?: RequestQueuePrototype };
    return typeof RequestQueue.prototype?.scheduleCheckPendingRequests === 'function' ? RequestQueue.prototype : null;
  } catch {
    return null; // a kafkajs without that file: nothing to fix here (the test says so)
  }
}

/** Applies the fix (idempotent); false if this kafkajs has no RequestQueue to fix. */
export function fixKafkajsIdleRequestQueueTimer(): boolean {
  const proto = requestQueuePrototype();
  if (proto === null) return false;
  if (proto[FIXED]) return true;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueuePrototype) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[FIXED] = true;
  return true;
}

fixKafkajsIdleRequestQueueTimer();
