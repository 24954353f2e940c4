// How the Electron shell opens the core Session: its state (profiles, the embedded cluster's data)
// in Electron's userData directory, SASL passwords in the safeStorage-backed SecretStore.
import { Session } from '../../core/session/session.js';
import type { SessionEvent } from '../../core/session/api.js';
import type { CommandTarget } from './ipc-bridge.js';
import type { SecretStore } from '../../core/session/profiles.js';

export interface ConsoleSession extends CommandTarget {
  onEvent(listener: (event: SessionEvent) => void): () => void;
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Where profiles and the embedded cluster's data live (Electron's userData). */
  stateDir: string;
  secrets: SecretStore;
}

export async function openSession(options: OpenSessionOptions): Promise<ConsoleSession> {
  return new Session({ stateDir: options.stateDir, secretStore: options.secrets });
}
