// Connection profiles: a JSON file in the state directory, without secrets. A SASL password goes
// to a SecretStore instead; the Electron shell supplies one backed by the OS keychain
// (safeStorage). Profiles read back (profiles.list) carry an empty password: secrets do not
// travel back to the renderer. A profile used with an empty password gets it from the store.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConnectionProfile } from './api.js';

/** Where SASL passwords live, keyed by profile name. */
export interface SecretStore {
  get(profileName: string): Promise<string | null>;
  set(profileName: string, secret: string): Promise<void>;
  delete(profileName: string): Promise<void>;
}

/**
 * The default: secrets kept in memory for the life of the process, never written anywhere. A
 * saved profile's password is forgotten at exit and has to be typed again; the Electron shell
 * injects a persistent store (OS keychain) instead.
 */
export class MemorySecretStore implements SecretStore {
  readonly #secrets = new Map<string, string>();

  async get(profileName: string): Promise<string | null> {
    return this.#secrets.get(profileName) ?? null;
  }

  async set(profileName: string, secret: string): Promise<void> {
    this.#secrets.set(profileName, secret);
  }

  async delete(profileName: string): Promise<void> {
    this.#secrets.delete(profileName);
  }
}

const ProfilesFile = z.object({ version: z.literal(1), profiles: z.array(ConnectionProfile) });

export class ProfileStore {
  constructor(
    readonly file: string,
    readonly secrets: SecretStore,
  ) {}

  /** Saved profiles, passwords blanked. A missing file is no profiles; a corrupt one is an error that says where. */
  async list(): Promise<ConnectionProfile[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read profiles from ${this.file}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`the profiles file ${this.file} is not valid JSON; fix or delete it`);
    }
    const parsed = ProfilesFile.safeParse(json);
    if (!parsed.success) throw new Error(`the profiles file ${this.file} is not in the expected shape; fix or delete it`);
    return parsed.data.profiles;
  }

  /** Adds or replaces the profile of that name; its password goes to the secret store. */
  async save(profile: ConnectionProfile): Promise<void> {
    const profiles = (await this.list()).filter((p) => p.name !== profile.name);
    if (profile.sasl !== null) {
      if (profile.sasl.password.length > 0) await this.secrets.set(profile.name, profile.sasl.password);
    } else {
      await this.secrets.delete(profile.name);
    }
    profiles.push(blank(profile));
    profiles.sort((a, b) => a.name.localeCompare(b.name));
    await this.#write(profiles);
  }

  /** Removes it; false when there was none of that name. */
  async delete(name: string): Promise<boolean> {
    const profiles = await this.list();
    const kept = profiles.filter((p) => p.name !== name);
    await this.secrets.delete(name);
    if (kept.length === profiles.length) return false;
    await this.#write(kept);
    return true;
  }

  /** The profile as given, its empty password filled from the secret store when there is one. */
  async withSecret(profile: ConnectionProfile): Promise<ConnectionProfile> {
    if (profile.sasl === null || profile.sasl.password.length > 0) return profile;
    const secret = await this.secrets.get(profile.name);
    return secret === null ? profile : { ...profile, sasl: { ...profile.sasl, password: secret } };
  }

  async #write(profiles: ConnectionProfile[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, profiles }, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

function blank(profile: ConnectionProfile): ConnectionProfile {
  return profile.sasl === null ? profile : { ...profile, sasl: { ...profile.sasl, password: '' } };
}
