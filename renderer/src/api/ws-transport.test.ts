import { describe, expect, it } from 'vitest';
import type { LinkStatus } from './transport';
import { backoffDelay, webSocketUrl, WsTransport, type SocketLike, type Timers } from './ws-transport';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { id: number; command: string; args: unknown }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  // driving it
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

class FakeTimers implements Timers {
  t = 0;
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.queue.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((q) => q.id !== handle);
  }
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const next = this.queue.filter((q) => q.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.queue = this.queue.filter((q) => q !== next);
      this.t = next.at;
      next.fn();
    }
    this.t = until;
  }
}

function setup(connectWaitMs = 5000) {
  const sockets: FakeSocket[] = [];
  const timers = new FakeTimers();
  const statuses: LinkStatus[] = [];
  const events: unknown[] = [];
  const t = new WsTransport({
    url: 'ws://h/ws?token=x',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    random: () => 0.5,
    connectWaitMs,
  });
  t.onStatus((s) => statuses.push(s));
  t.onRawEvent((e) => events.push(e));
  t.start();
  return { t, sockets, timers, statuses, events, last: () => sockets[sockets.length - 1]! };
}

describe('WsTransport', () => {
  it('gives each command an id and resolves or rejects it by the matching frame', async () => {
    const h = setup();
    h.last().open();
    const a = h.t.request('instances.list', {});
    const b = h.t.request('instances.kill', { id: 'i1' });
    const [fa, fb] = h.last().sent;
    expect(fa!.id).not.toBe(fb!.id);
    expect(fb).toEqual({ id: fb!.id, command: 'instances.kill', args: { id: 'i1' } });
    h.last().receive({ kind: 'error', id: fb!.id, error: { message: 'Unknown instance i1', code: 'NOT_FOUND' } });
    h.last().receive({ kind: 'result', id: fa!.id, result: { instances: [] } });
    await expect(a).resolves.toEqual({ instances: [] });
    await expect(b).rejects.toMatchObject({ message: 'Unknown instance i1', code: 'NOT_FOUND' });
  });

  it('passes events on and hands anything that is not a frame to the client to count', () => {
    const h = setup();
    h.last().open();
    h.last().receive({ kind: 'event', event: { type: 'x' } });
    h.last().receive({ nonsense: 1 });
    h.last().onmessage?.({ data: '{not json' });
    expect(h.events).toHaveLength(3);
    expect(h.events[0]).toEqual({ type: 'x' });
  });

  it('holds commands issued before the link is up and sends them when it opens', async () => {
    const h = setup();
    const p = h.t.request('apps.list', {});
    expect(h.last().sent).toHaveLength(0);
    h.last().open();
    expect(h.last().sent[0]!.command).toBe('apps.list');
    h.last().receive({ kind: 'result', id: h.last().sent[0]!.id, result: { apps: [] } });
    await expect(p).resolves.toEqual({ apps: [] });
  });

  it('fails a held command in words when the link stays down', async () => {
    const h = setup(1000);
    const p = h.t.request('apps.list', {});
    h.timers.advance(1000);
    await expect(p).rejects.toThrow(/Not connected to the Streamwatch service/);
  });

  it('fails commands in flight when the link drops, then reconnects with growing backoff', async () => {
    const h = setup();
    h.last().open();
    const p = h.t.request('instances.start', { app: 'word-count' });
    h.last().drop();
    await expect(p).rejects.toThrow(/may still have run/);
    const down = h.statuses[h.statuses.length - 1]!;
    expect(down).toMatchObject({ state: 'closed', attempt: 1, everOpened: true, error: 'connection lost' });
    expect(down.retryAt).toBe(500);
    h.timers.advance(500);
    expect(h.sockets).toHaveLength(2);
    h.last().drop();
    expect(h.statuses[h.statuses.length - 1]!.retryAt).toBe(500 + 1000);
    h.timers.advance(1000);
    h.last().open();
    expect(h.statuses[h.statuses.length - 1]).toMatchObject({ state: 'open', attempt: 0, error: null });
  });

  it('says when the service refused the token', () => {
    const h = setup();
    h.last().drop(1008, 'bad token');
    expect(h.statuses[h.statuses.length - 1]!.error).toMatch(/refused the connection: bad token .*token/);
  });

  it('says when the page address carries no token', () => {
    const sockets: FakeSocket[] = [];
    const statuses: LinkStatus[] = [];
    const t = new WsTransport({ url: 'ws://h/ws?token=', createSocket: (u) => (sockets.push(new FakeSocket(u)), sockets[0]!), timers: new FakeTimers() });
    t.onStatus((s) => statuses.push(s));
    t.start();
    sockets[0]!.drop();
    expect(statuses[statuses.length - 1]!.error).toMatch(/no access token/);
  });

  it('stops reconnecting once closed', () => {
    const h = setup();
    h.last().drop();
    h.t.close();
    h.timers.advance(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});

describe('backoffDelay / webSocketUrl', () => {
  it('doubles up to the cap, with ±25% jitter', () => {
    expect(backoffDelay(1, 500, 10_000, 0.5)).toBe(500);
    expect(backoffDelay(3, 500, 10_000, 0.5)).toBe(2000);
    expect(backoffDelay(20, 500, 10_000, 0.5)).toBe(10_000);
    expect(backoffDelay(1, 500, 10_000, 0)).toBe(375);
    expect(backoffDelay(1, 500, 10_000, 1)).toBe(625);
  });

  it('takes the token from the page address', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:5173', search: '?token=a%2Bb&x=1' })).toBe('ws://127.0.0.1:5173/ws?token=a%2Bb');
    expect(webSocketUrl({ protocol: 'https:', host: 'h', search: '' })).toBe('wss://h/ws?token=');
  });
});
