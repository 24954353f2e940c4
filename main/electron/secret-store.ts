// SASL passwords of saved connection profiles, encrypted with Electron's safeStorage (the OS
// keychain: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) and kept as base64
// ciphertext in one JSON file in the user-data directory. Where no real encryption is available
// it refuses to save a secret, with a message saying so, instead of writing it in the clear.
// safeStorage is passed in (structurally typed) so tests run without Electron.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { SecretStore } from '../../core/session/profiles.js';


/** The slice of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron; 'basic_text' means a hard-coded key, i.e. no real protection. */
  getSelectedStorageBackend?(): string;
}

export class SecretsUnavailableError extends Error {
  override readonly name = 'SecretsUnavailableError';
  readonly code = 'unsupported';
}

const SecretsFile = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string()) });

/** Why secrets cannot be stored encrypted here, or null when they can. */
export function encryptionUnavailableReason(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): string | null {
  if (!storage.isEncryptionAvailable()) {
    return platform === 'linux'
      ? 'no OS keychain is available (safeStorage needs gnome-keyring/libsecret or kwallet)'
      : 'the OS keychain is not available (safeStorage.isEncryptionAvailable() is false)';
  }
  if (platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text') {
    return 'no OS keychain is available (safeStorage fell back to a built-in key, which is not real encryption)';
  }
  return null;
}

export class SafeStorageSecretStore implements SecretStore {
  constructor(
    readonly file: string,
    readonly storage: SafeStorageLike,
    readonly platform: NodeJS.Platform = process.platform,
  ) {}

  async get(profileName: string): Promise<string | null> {
    const secrets = await this.#read();
    const cipher = secrets[profileName];
    if (cipher === undefined) return null;
    if (!this.storage.isEncryptionAvailable()) return null; // can't decrypt now; the user types it again
    try {
      return this.storage.decryptString(Buffer.from(cipher, 'base64'));
    } catch {
      return null; // keychain changed (another user, reinstall): the password has to be entered again
    }
  }

  async set(profileName: string, secret: string): Promise<void> {
    const reason = encryptionUnavailableReason(this.storage, this.platform);
    if (reason !== null) {
      throw new SecretsUnavailableError(
        `cannot save the password of profile '${profileName}': ${reason}. Save the profile without a password and enter it when connecting.`,
      );
    }
    const secrets = await this.#read();
    secrets[profileName] = this.storage.encryptString(secret).toString('base64');
    await this.#write(secrets);
  }

  async delete(profileName: string): Promise<void> {
    const secrets = await this.#read();
    if (!Object.hasOwn(secrets, profileName)) return;
    delete secrets[profileName];
    await this.#write(secrets);
  }

  async #read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read saved passwords from ${this.file}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`the saved-passwords file ${this.file} is not valid JSON; delete it and enter the passwords again`);
    }
    const parsed = SecretsFile.safeParse(json);
    if (!parsed.success) throw new Error(`the saved-passwords file ${this.file} is not in the expected shape; delete it and enter the passwords again`);
    return { ...parsed.data.secrets };
  }

  async #write(secrets: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, secrets }, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
