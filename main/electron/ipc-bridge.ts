// The IPC bridge as a pure module: what the main process does with a renderer's invoke, and how
// session events reach the window. Electron's ipcMain and webContents are passed in (structurally
// typed), so tests drive it with fakes; main/electron/app.ts wires the real ones.
//
// Rules: one invoke channel (COMMAND_CHANNEL); its payload must be exactly { command, args } with
// a known command name and args that parse with that command's zod schema; anything else is
// answered with an error and never reaches the session. Events are validated as SessionEvent
// before they are sent.
import { z } from 'zod';
import { COMMANDS, SessionEvent, isCommandName, type CommandError, type CommandName } from '../../core/session/api.js';
import { COMMAND_CHANNEL, EVENT_CHANNEL, type IpcReply } from './channels.js';

/** What the bridge needs from the session: run one validated command. */
export interface CommandTarget {
  /** Resolves with the command's result; rejects (or throws) with a CommandError-like value on failure. */
  handle(command: CommandName, args: unknown): Promise<unknown> | unknown;
}

/** The slice of an IpcMainInvokeEvent the bridge reads. */
export interface InvokeEventLike {
  senderFrame?: { url: string } | null;
}

/** The slice of ipcMain the bridge uses. */
export interface IpcRegistrar {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface BridgeOptions {
  session: CommandTarget;
  /** Whether a frame URL may issue commands (default: any). The app passes the app:// origin check. */
  isTrustedSender?: (url: string | null) => boolean;
  /** Called for every refused request (logging). */
  onRejected?: (reason: CommandError) => void;
}

const Payload = z.object({ command: z.string(), args: z.unknown().optional() }).strict();

function fail(message: string, code: string): IpcReply {
  return { ok: false, error: { message, code } };
}

/** A failure from the session as a CommandError: keeps message and code, nothing else crosses. */
export function toCommandError(err: unknown): CommandError {
  if (typeof err === 'object' && err !== null) {
    const e = err as { message?: unknown; code?: unknown };
    if (typeof e.message === 'string') {
      return typeof e.code === 'string' ? { message: e.message, code: e.code } : { message: e.message };
    }
  }
  return { message: String(err) };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export interface CommandBridge {
  /** Everything an invoke on `channel` does; never throws. */
  invoke(channel: string, event: InvokeEventLike | null, payload: unknown): Promise<IpcReply>;
}

export function createCommandBridge(options: BridgeOptions): CommandBridge {
  const { session } = options;
  const trusted = options.isTrustedSender ?? (() => true);
  const rejected = (reply: IpcReply): IpcReply => {
    if (!reply.ok) options.onRejected?.(reply.error);
    return reply;
  };

  return {
    async invoke(channel, event, payload) {
      if (channel !== COMMAND_CHANNEL) {
        return rejected(fail(`unknown IPC channel '${String(channel)}' (the only one is '${COMMAND_CHANNEL}')`, 'UNKNOWN_CHANNEL'));
      }
      const url = event?.senderFrame?.url ?? null;
      if (!trusted(url)) return rejected(fail(`commands are only accepted from the Streamwatch window (not ${url ?? 'an unknown frame'})`, 'UNTRUSTED_SENDER'));

      const frame = Payload.safeParse(payload);
      if (!frame.success) {
        return rejected(fail('invalid request: expected { command: string, args }', 'BAD_REQUEST'));
      }
      const { command } = frame.data;
      if (!isCommandName(command)) return rejected(fail(`unknown command '${command}'`, 'UNKNOWN_COMMAND'));

      const args = COMMANDS[command].args.safeParse(frame.data.args ?? {});
      if (!args.success) {
        return rejected(fail(`invalid arguments for '${command}': ${describeIssues(args.error)}`, 'BAD_ARGS'));
      }
      try {
        const result = await session.handle(command, args.data);
        return { ok: true, result };
      } catch (err) {
        return { ok: false, error: toCommandError(err) };
      }
    },
  };
}

/**
 * Registers the bridge on COMMAND_CHANNEL only; returns the unregister function. An invoke on
 * any other channel finds no handler, which Electron itself rejects.
 */
export function registerCommandBridge(ipc: IpcRegistrar, bridge: CommandBridge): () => void {
  ipc.handle(COMMAND_CHANNEL, (event, ...args) =>
    args.length === 1 ? bridge.invoke(COMMAND_CHANNEL, event, args[0]) : Promise.resolve(fail('invalid request: expected exactly one payload', 'BAD_REQUEST')),
  );
  return () => ipc.removeHandler(COMMAND_CHANNEL);
}

/** Where events go: a webContents-like target (or several). */
export interface EventSink {
  send(channel: string, event: SessionEvent): void;
}

/**
 * A listener for the session's event feed: validates each event and sends it on EVENT_CHANNEL to
 * the current sinks (windows come and go; `sinks` is read per event). Invalid events are dropped
 * and reported, never forwarded.
 */
export function eventForwarder(sinks: () => Iterable<EventSink>, onInvalid?: (message: string) => void): (event: unknown) => void {
  return (event) => {
    const parsed = SessionEvent.safeParse(event);
    if (!parsed.success) {
      const type = typeof event === 'object' && event !== null ? String((event as { type?: unknown }).type) : typeof event;
      onInvalid?.(`dropped an invalid session event (${type}): ${describeIssues(parsed.error)}`);
      return;
    }
    for (const sink of sinks()) sink.send(EVENT_CHANNEL, parsed.data);
  };
}
