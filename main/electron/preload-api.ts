// The object the preload exposes as window.streamwatch, built from an ipcRenderer-like value so
// tests can drive it. It has exactly two functions — command and onEvent — and never hands the
// page ipcRenderer, an IpcRendererEvent or anything else from Electron.
import { SessionEvent, type CommandArgs, type CommandName, type CommandResult, type StreamwatchApi } from '../../core/session/api.js';
import { COMMAND_CHANNEL, EVENT_CHANNEL, isIpcReply } from './channels.js';

/** The slice of ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** A failed command in the renderer. (Across contextBridge only the message survives.) */
export class StreamwatchCommandError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'StreamwatchCommandError';
    this.code = code;
  }
}

export function buildStreamwatchApi(ipc: IpcRendererLike): StreamwatchApi {
  const listeners = new Set<(event: SessionEvent) => void>();
  let subscribed = false;

  const onIpcEvent = (_e: unknown, payload: unknown): void => {
    const parsed = SessionEvent.safeParse(payload);
    if (!parsed.success) {
      console.warn('streamwatch: dropped an invalid event from the main process');
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener(parsed.data);
      } catch (err) {
        console.error('streamwatch: event listener threw', err);
      }
    }
  };

  const api: StreamwatchApi = {
    async command<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
      const reply = await ipc.invoke(COMMAND_CHANNEL, { command: name, args });
      if (!isIpcReply(reply)) throw new StreamwatchCommandError('malformed reply from the main process', 'BAD_REPLY');
      if (!reply.ok) throw new StreamwatchCommandError(reply.error.message, reply.error.code);
      return reply.result as CommandResult<C>;
    },
    onEvent(listener: (event: SessionEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent expects a function');
      listeners.add(listener);
      if (!subscribed) {
        ipc.on(EVENT_CHANNEL, onIpcEvent);
        subscribed = true;
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        listeners.delete(listener);
        if (listeners.size === 0 && subscribed) {
          ipc.removeListener(EVENT_CHANNEL, onIpcEvent);
          subscribed = false;
        }
      };
    },
  };
  return Object.freeze(api);
}
