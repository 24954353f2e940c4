// SEAM: how the Electron shell opens the core Session. core/session/session.ts is being written
// concurrently; until it lands this throws, and app.ts shows the message and quits.
import type { SessionEvent } from '../../core/session/api.js';
import type { CommandTarget } from './ipc-bridge.js';
import type { SecretStore } from './secret-store.js';

export interface ConsoleSession extends CommandTarget {
  onEvent(listener: (event: SessionEvent) => void): () => void;
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Where profiles and the embedded cluster's data live (Electron's userData). */
  stateDir: string;
  secrets: SecretStore;
}

export async function openSession(_options: OpenSessionOptions): Promise<ConsoleSession> {
  throw new Error('the console session (core/session/session.ts) is not part of this build yet');
}
