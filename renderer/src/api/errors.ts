// Command failures as the user reads them: the session's CommandError.message, nothing else.
import type { ZodError } from 'zod';
import { CommandError } from './contract';

export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    message: string,
    readonly code?: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Electron wraps errors thrown by ipcMain handlers: "Error invoking remote method 'x': Error: msg". */
const ELECTRON_PREFIX = /^Error invoking remote method '[^']*':\s*(?:[A-Za-z]*Error:\s*)?/;

/** The words to show for anything a command rejected with. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.replace(ELECTRON_PREFIX, '') || err.name;
  const asCommandError = CommandError.safeParse(err);
  if (asCommandError.success) return asCommandError.data.message;
  if (typeof err === 'string') return err.replace(ELECTRON_PREFIX, '');
  return 'Unknown error';
}

export function toFailure(err: unknown, command?: string): CommandFailure {
  if (err instanceof CommandFailure) return err;
  const parsed = CommandError.safeParse(err);
  if (parsed.success) return new CommandFailure(parsed.data.message, parsed.data.code, command);
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  return new CommandFailure(errorMessage(err), code, command);
}

/** "bootstrapServers.0: expected host:port" — zod issues in form-field words. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
