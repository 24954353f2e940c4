import { describe, expect, it, vi } from 'vitest';
import type { SessionEvent } from '../../core/session/api.js';
import { COMMAND_CHANNEL, EVENT_CHANNEL } from './channels.js';
import { buildStreamwatchApi, type IpcRendererLike } from './preload-api.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpcRenderer(reply: unknown = { ok: true, result: { topics: [] } }) {
  const listeners = new Map<string, Set<Listener>>();
  const ipc = {
    invoke: vi.fn(async (_channel: string, ..._args: unknown[]) => reply),
    on: vi.fn((channel: string, l: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    }),
    removeListener: vi.fn((channel: string, l: Listener) => {
      listeners.get(channel)?.delete(l);
    }),
    emit(channel: string, payload: unknown) {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'IpcRendererEvent' }, payload);
    },
    count: (channel: string) => listeners.get(channel)?.size ?? 0,
  };
  return ipc satisfies IpcRendererLike;
}

const event: SessionEvent = { seq: 3, ts: 1700000000000, type: 'progress', task: 'cluster', message: 'starting', fraction: null, done: false };

describe('the preload API', () => {
  it('exposes exactly command and onEvent, frozen, and nothing of ipcRenderer', () => {
    const ipc = fakeIpcRenderer();
    const api = buildStreamwatchApi(ipc);
    expect(Object.keys(api).sort()).toEqual(['command', 'onEvent']);
    expect(typeof api.command).toBe('function');
    expect(typeof api.onEvent).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.values(api)).not.toContain(ipc);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
  });

  it('sends a command on the one invoke channel and returns the result', async () => {
    const ipc = fakeIpcRenderer({ ok: true, result: { topics: [{ name: 't', partitions: 1, internal: false }] } });
    const api = buildStreamwatchApi(ipc);
    await expect(api.command('topics.list', {})).resolves.toEqual({ topics: [{ name: 't', partitions: 1, internal: false }] });
    expect(ipc.invoke).toHaveBeenCalledWith(COMMAND_CHANNEL, { command: 'topics.list', args: {} });
  });

  it('rejects with the main process message on failure', async () => {
    const api = buildStreamwatchApi(fakeIpcRenderer({ ok: false, error: { message: 'not connected to a cluster', code: 'not_connected' } }));
    await expect(api.command('topics.list', {})).rejects.toMatchObject({ message: 'not connected to a cluster', code: 'not_connected' });
  });

  it('rejects a malformed reply', async () => {
    const api = buildStreamwatchApi(fakeIpcRenderer('hello'));
    await expect(api.command('topics.list', {})).rejects.toThrow(/malformed reply/);
  });

  it('delivers validated events, hides the IPC event object, and unsubscribes', () => {
    const ipc = fakeIpcRenderer();
    const api = buildStreamwatchApi(ipc);
    const a = vi.fn();
    const b = vi.fn();
    const offA = api.onEvent(a);
    const offB = api.onEvent(b);
    expect(ipc.count(EVENT_CHANNEL)).toBe(1);
    ipc.emit(EVENT_CHANNEL, event);
    expect(a).toHaveBeenCalledWith(event);
    expect(a.mock.calls[0]).toHaveLength(1);
    expect(b).toHaveBeenCalledTimes(1);
    offA();
    offA();
    ipc.emit(EVENT_CHANNEL, event);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
    offB();
    expect(ipc.count(EVENT_CHANNEL)).toBe(0);
  });

  it('drops invalid events and survives a throwing listener', () => {
    const ipc = fakeIpcRenderer();
    const api = buildStreamwatchApi(ipc);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const good = vi.fn();
    api.onEvent(() => {
      throw new Error('listener bug');
    });
    api.onEvent(good);
    ipc.emit(EVENT_CHANNEL, { type: 'nonsense' });
    expect(good).not.toHaveBeenCalled();
    ipc.emit(EVENT_CHANNEL, event);
    expect(good).toHaveBeenCalledWith(event);
    expect(warn).toHaveBeenCalled();
    expect(error).toHaveBeenCalled();
    warn.mockRestore();
    error.mockRestore();
  });
});
