/**
 * The script every instance worker runs (loaded through bootstrap.mjs so TypeScript works).
 * Generic: it knows nothing about streams; it imports the app module named in `start`
 * and calls its `run(ctx)`.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import v8 from 'node:v8';
import type { InstanceApp, InstanceContext, QueryHandler } from './app.js';
import { ParentToWorker, describeIssues, type StoreQuery, type WorkerToParent } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run inside a worker thread');

const METRICS_INTERVAL_MS = 250;

function post(msg: WorkerToParent): void {
  port!.postMessage(msg);
}

function errMsg(e: unknown, fatal: boolean): WorkerToParent {
  if (e instanceof Error) return { type: 'error', message: e.message, stack: e.stack, fatal };
  return { type: 'error', message: String(e), fatal };
}

let started = false;
let msPerRecord = 0;
let leaveGroupOnStop = false;
const abort = new AbortController();
let runDone: Promise<void> | undefined;
const freezeCell = new Int32Array(new SharedArrayBuffer(4));
let queryHandler: QueryHandler | null = null;

const metricsTimer = setInterval(() => {
  const h = v8.getHeapStatistics();
  post({ type: 'metrics', heapUsed: h.used_heap_size, heapTotal: h.total_heap_size, externalMemory: h.external_memory });
}, METRICS_INTERVAL_MS);
metricsTimer.unref();

function fail(e: unknown): never {
  post(errMsg(e, true));
  // exit code 1: the parent sees a crash (error event, then exit ≠ 0)
  process.exit(1);
}

process.on('uncaughtException', (e) => fail(e));
process.on('unhandledRejection', (e) => fail(e));

function resolveApp(app: string): string {
  if (app.startsWith('file:') || app.startsWith('node:')) return app;
  if (isAbsolute(app)) return pathToFileURL(app).href;
  return app; // bare specifier
}

async function start(app: string, config: unknown, stateDir: string): Promise<void> {
  const mod = (await import(resolveApp(app))) as Partial<InstanceApp> & { default?: Partial<InstanceApp> };
  const run = mod.run ?? mod.default?.run;
  if (typeof run !== 'function') throw new Error(`app module ${app} does not export run(ctx)`);
  const ctx: InstanceContext = {
    config,
    stateDir,
    emit: (event) => post({ type: 'telemetry', event }),
    signal: abort.signal,
    delayPerRecord: () => msPerRecord,
    stopOptions: () => ({ leaveGroup: leaveGroupOnStop }),
    serveQueries: (handler) => {
      queryHandler = handler;
    },
  };
  post({ type: 'ready' });
  await run(ctx);
}

/** Every query gets exactly one reply with its request id, whatever the handler does. */
function answer(requestId: number, query: StoreQuery): WorkerToParent {
  if (queryHandler === null) return { type: 'query.failed', requestId, reason: 'no-queries', message: started ? 'this app serves no interactive queries' : 'the app has not started' };
  try {
    const reply = queryHandler(query);
    return 'answer' in reply ? { type: 'query.result', requestId, answer: reply.answer } : { type: 'query.failed', requestId, reason: reply.reason, message: reply.message };
  } catch (e) {
    return { type: 'query.failed', requestId, reason: 'failed', message: e instanceof Error ? e.message : String(e) };
  }
}

port.on('message', (raw: unknown) => {
  const parsed = ParentToWorker.safeParse(raw);
  if (!parsed.success) {
    post({ type: 'error', message: `invalid message from parent: ${describeIssues(parsed.error)}`, fatal: false });
    return;
  }
  const msg = parsed.data;
  switch (msg.type) {
    case 'start':
      if (started) {
        post({ type: 'error', message: 'start received twice', fatal: false });
        return;
      }
      started = true;
      runDone = start(msg.app, msg.config, msg.stateDir);
      runDone.then(
        () => {
          // run returned: either after a stop request or on its own; both end the instance cleanly
          post({ type: 'stopped' });
          clearInterval(metricsTimer);
          process.exit(0);
        },
        (e: unknown) => fail(e),
      );
      return;
    case 'stop':
      leaveGroupOnStop = msg.leaveGroup ?? false;
      if (!abort.signal.aborted) abort.abort(new Error(`stop: ${msg.reason}`));
      if (!runDone) {
        post({ type: 'stopped' });
        process.exit(0);
      }
      return;
    case 'slow':
      msPerRecord = msg.msPerRecord;
      return;
    case 'query':
      post(answer(msg.requestId, msg.query));
      return;
    case 'freeze':
      // Really block this thread's event loop: no timers, no I/O, no heartbeats.
      Atomics.wait(freezeCell, 0, 0, msg.seconds * 1000);
      return;
  }
});
