import { describe, expect, it, vi } from 'vitest';
import type { SessionEvent } from '../../core/session/api.js';
import { COMMAND_CHANNEL, EVENT_CHANNEL, type IpcReply } from './channels.js';
import { createCommandBridge, eventForwarder, registerCommandBridge, type InvokeEventLike, type IpcRegistrar } from './ipc-bridge.js';

/** ipcMain as far as the bridge sees it: handlers by channel; invoking a channel without one rejects, as Electron does. */
class FakeIpcMain implements IpcRegistrar {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, url: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
    return handler({ senderFrame: { url } }, ...args);
  }
}

function fakeSession(result: unknown = { ok: true }) {
  return { handle: vi.fn(async (_command: string, _args: unknown) => result) };
}

const APP = 'app://streamwatch/index.html';

function setup(session = fakeSession()) {
  const ipc = new FakeIpcMain();
  const rejected: string[] = [];
  const bridge = createCommandBridge({
    session,
    isTrustedSender: (url) => url?.startsWith('app://streamwatch/') ?? false,
    onRejected: (e) => rejected.push(e.code ?? ''),
  });
  const unregister = registerCommandBridge(ipc, bridge);
  return { ipc, bridge, session, rejected, unregister };
}

function error(reply: unknown): { message: string; code?: string } {
  const r = reply as IpcReply;
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('IPC command bridge', () => {
  it('registers exactly one channel', () => {
    const { ipc } = setup();
    expect([...ipc.handlers.keys()]).toEqual([COMMAND_CHANNEL]);
  });

  it('passes a valid command with parsed args (defaults applied) to the session and returns its result', async () => {
    const { ipc, session } = setup(fakeSession({ ids: ['1', '2'] }));
    const reply = await ipc.invoke(COMMAND_CHANNEL, APP, { command: 'instances.start', args: { app: 'word-count', count: 2 } });
    expect(reply).toEqual({ ok: true, result: { ids: ['1', '2'] } });
    expect(session.handle).toHaveBeenCalledTimes(1);
    expect(session.handle).toHaveBeenCalledWith('instances.start', { app: 'word-count', count: 2, guarantee: 'exactly_once_v2', partitions: 6, timings: 'demo', rebalanceProtocol: 'cooperative', numStandbyReplicas: 0 });
  });

  it('rejects an unknown channel without reaching the session', async () => {
    const { ipc, bridge, session, rejected } = setup();
    await expect(ipc.invoke('streamwatch:shell', APP, { command: 'topics.list', args: {} })).rejects.toThrow(/No handler registered/);
    const reply = await bridge.invoke('streamwatch:shell', { senderFrame: { url: APP } }, { command: 'topics.list', args: {} });
    expect(error(reply)).toEqual({ message: expect.stringContaining("unknown IPC channel 'streamwatch:shell'"), code: 'UNKNOWN_CHANNEL' });
    expect(rejected).toEqual(['UNKNOWN_CHANNEL']);
    expect(session.handle).not.toHaveBeenCalled();
  });

  it.each([
    ['not an object', 'topics.list', 'BAD_REQUEST'],
    ['null', null, 'BAD_REQUEST'],
    ['no command', { args: {} }, 'BAD_REQUEST'],
    ['extra keys', { command: 'topics.list', args: {}, channel: 'x' }, 'BAD_REQUEST'],
    ['unknown command', { command: 'shell.exec', args: { cmd: 'rm -rf /' } }, 'UNKNOWN_COMMAND'],
    ['inherited name', { command: 'constructor', args: {} }, 'UNKNOWN_COMMAND'],
    ['wrong arg type', { command: 'instances.freeze', args: { id: '1', seconds: 'ten' } }, 'BAD_ARGS'],
    ['out of range', { command: 'instances.freeze', args: { id: '1', seconds: 6000 } }, 'BAD_ARGS'],
    ['unexpected arg on a no-arg command', { command: 'load.pause', args: { now: true } }, 'BAD_ARGS'],
    ['bad enum', { command: 'instances.start', args: { app: 'bitcoin-miner' } }, 'BAD_ARGS'],
  ])('rejects an invalid payload (%s) without reaching the session', async (_what, payload, code) => {
    const { ipc, session, rejected } = setup();
    const reply = await ipc.invoke(COMMAND_CHANNEL, APP, payload);
    expect(error(reply).code).toBe(code);
    expect(error(reply).message.length).toBeGreaterThan(10);
    expect(rejected).toEqual([code]);
    expect(session.handle).not.toHaveBeenCalled();
  });

  it('says which argument is wrong', async () => {
    const { ipc } = setup();
    const reply = await ipc.invoke(COMMAND_CHANNEL, APP, { command: 'instances.freeze', args: { id: '1', seconds: 'ten' } });
    expect(error(reply).message).toMatch(/^invalid arguments for 'instances.freeze': seconds: /);
  });

  it('rejects a second payload argument', async () => {
    const { ipc, session } = setup();
    const reply = await ipc.invoke(COMMAND_CHANNEL, APP, { command: 'topics.list', args: {} }, 'extra');
    expect(error(reply).code).toBe('BAD_REQUEST');
    expect(session.handle).not.toHaveBeenCalled();
  });

  it('refuses commands from a frame that is not the app', async () => {
    const { ipc, session } = setup();
    const reply = await ipc.invoke(COMMAND_CHANNEL, 'https://evil.example/', { command: 'topics.list', args: {} });
    expect(error(reply).code).toBe('UNTRUSTED_SENDER');
    expect(session.handle).not.toHaveBeenCalled();
  });

  it('returns a session failure as a CommandError with message and code only', async () => {
    const failure = Object.assign(new Error('cannot reach 127.0.0.1:1: connection refused'), { code: 'unreachable', secret: 'x' });
    const session = { handle: vi.fn(async () => Promise.reject(failure)) };
    const { ipc } = setup(session);
    const reply = await ipc.invoke(COMMAND_CHANNEL, APP, { command: 'topics.list', args: {} });
    expect(reply).toEqual({ ok: false, error: { message: 'cannot reach 127.0.0.1:1: connection refused', code: 'unreachable' } });
  });

  it('treats missing args as {}', async () => {
    const { ipc, session } = setup();
    await ipc.invoke(COMMAND_CHANNEL, APP, { command: 'topics.list' });
    expect(session.handle).toHaveBeenCalledWith('topics.list', {});
  });

  it('unregisters', () => {
    const { ipc, unregister } = setup();
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('eventForwarder', () => {
  const event: SessionEvent = { seq: 1, ts: 1700000000000, type: 'error', source: 'monitor', message: 'boom' };

  it('sends valid events on the event channel to every current sink', () => {
    const sent: [string, unknown][] = [];
    const forward = eventForwarder(() => [{ send: (c, e) => sent.push([c, e]) }, { send: (c, e) => sent.push([c, e]) }]);
    forward(event);
    expect(sent).toEqual([
      [EVENT_CHANNEL, event],
      [EVENT_CHANNEL, event],
    ]);
  });

  it('drops and reports an invalid event', () => {
    const sent: unknown[] = [];
    const invalid: string[] = [];
    const forward = eventForwarder(() => [{ send: (_c, e) => sent.push(e) }], (m) => invalid.push(m));
    forward({ seq: 1, ts: 1, type: 'instance.hacked' });
    forward({ ...event, message: 42 });
    expect(sent).toEqual([]);
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatch(/instance.hacked/);
  });
});
