// The supervisor's query request/response: each query gets its own answer, and every way an
// instance cannot answer ends the request with a QueryError naming why — the app's own reason,
// no query handler, frozen, not running, too slow, exited, or an invalid query.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreQuery } from './protocol.js';
import { QueryError, Supervisor } from './supervisor.js';

const TICKER = fileURLToPath(new URL('./testing/ticker.ts', import.meta.url));

let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.close();
  sup = undefined;
});

async function running(s: Supervisor, config: unknown): Promise<string> {
  const id = s.start(TICKER, config);
  const end = Date.now() + 10_000;
  while (s.list().find((i) => i.id === id)?.state !== 'running') {
    if (Date.now() > end) throw new Error(`${id} did not start`);
    await sleep(10);
  }
  return id;
}

const get = (partition: number): StoreQuery => ({ kind: 'get', store: 's', partition, staleStores: false, key: Buffer.from('k') });

async function refusal(p: Promise<unknown>): Promise<QueryError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(QueryError);
    return error as QueryError;
  }
  throw new Error('expected the query to fail');
}

describe('Supervisor.query', () => {
  it("answers each query with the app's answer, by request id", async () => {
    const s = (sup = new Supervisor({ resourceIntervalMs: 0 }));
    const id = await running(s, { queries: 'answer', intervalMs: 10 });
    await sleep(100);
    const [a, b] = await Promise.all([s.query(id, get(3)), s.query(id, get(5))]);
    expect(a).toMatchObject({ kind: 'get', taskId: '0_3', role: 'active', changelogLag: 0 });
    expect(b).toMatchObject({ kind: 'get', taskId: '0_5' });
    expect(Number(Buffer.from((a as { value: Uint8Array }).value).toString())).toBeGreaterThan(0);
    const range = await refusal(s.query(id, { kind: 'range', store: 's', partition: 7, staleStores: true, from: null, to: null, limit: 10 }));
    expect(range).toMatchObject({ reason: 'not-hosted', instanceId: id, message: `instance ${id}: no task with partition 7 here` });
  });

  it('refuses when the app serves no queries, when frozen, when not running, and an invalid query', async () => {
    const s = (sup = new Supervisor({ resourceIntervalMs: 0 }));
    const plain = await running(s, {});
    expect(await refusal(s.query(plain, get(0)))).toMatchObject({ reason: 'no-queries' });

    const frozen = await running(s, { queries: 'answer' });
    s.freeze(frozen, 2);
    const t0 = Date.now();
    expect(await refusal(s.query(frozen, get(0)))).toMatchObject({ reason: 'frozen', message: expect.stringMatching(/is frozen/) });
    expect(Date.now() - t0).toBeLessThan(100);

    expect(await refusal(s.query(plain, { kind: 'range', store: 's', partition: 0, staleStores: false, from: null, to: null, limit: 0 }))).toMatchObject({ reason: 'failed', message: expect.stringMatching(/^invalid query: limit/) });

    await s.stop(plain);
    expect(await refusal(s.query(plain, get(0)))).toMatchObject({ reason: 'not-running', message: `instance ${plain} is stopped; only a running instance answers queries` });
  });

  it('times out on a slow answer (and ignores it when it comes), and rejects when the worker exits first', async () => {
    const s = (sup = new Supervisor({ resourceIntervalMs: 0 }));
    const slow = await running(s, { queries: 'slow' });
    expect(await refusal(s.query(slow, get(0), 100))).toMatchObject({ reason: 'timeout', message: `instance ${slow} did not answer the query within 100 ms` });
    // The late answer to the first request is dropped; the next request gets its own.
    expect(await s.query(slow, get(1), 2000)).toMatchObject({ taskId: '0_1' });

    const exits = await running(s, { queries: 'exit' });
    expect(await refusal(s.query(exits, get(0)))).toMatchObject({ reason: 'exited', message: expect.stringMatching(/exited \(code 3\) before answering/) });
  });
});
