// The IPC vocabulary between the Electron main process and the preload: two channels and the
// reply envelope. Pure (no Node, no Electron): bundled into the sandboxed preload as well.
import { CommandError } from '../../core/session/api.js';

/** The ONE invoke channel: payload { command, args }, reply IpcReply. */
export const COMMAND_CHANNEL = 'streamwatch:command';
/** Main → renderer: one validated SessionEvent per message. */
export const EVENT_CHANNEL = 'streamwatch:event';

/**
 * What the command handler resolves with. Failures travel as data rather than as a thrown error:
 * Electron wraps errors thrown in ipcMain.handle as "Error invoking remote method …", and the
 * preload rethrows the clean message instead.
 */
export type IpcReply = { ok: true; result: unknown } | { ok: false; error: CommandError };

export function isIpcReply(value: unknown): value is IpcReply {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.ok === true) return 'result' in v;
  if (v.ok === false) return CommandError.safeParse(v.error).success;
  return false;
}
