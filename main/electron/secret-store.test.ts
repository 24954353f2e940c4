import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeStorageSecretStore, SecretsUnavailableError, encryptionUnavailableReason, type SafeStorageLike } from './secret-store.js';

/** safeStorage stand-in: reversible, but visibly not the plain text. */
function fakeSafeStorage(available = true, backend?: string): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(`enc:${[...s].reverse().join('')}`),
    decryptString: (b) => {
      const s = b.toString();
      if (!s.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext');
      return [...s.slice(4)].reverse().join('');
    },
    ...(backend !== undefined ? { getSelectedStorageBackend: () => backend } : {}),
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sw-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SafeStorageSecretStore', () => {
  it('stores passwords encrypted, reads them back, deletes them', async () => {
    const file = join(dir, 'sub', 'profile-secrets.json');
    const store = new SafeStorageSecretStore(file, fakeSafeStorage(), 'linux');
    await store.set('prod', 'hunter2');
    await store.set('staging', 's3cret');
    expect(await store.get('prod')).toBe('hunter2');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toMatchObject({ version: 1, secrets: { prod: expect.any(String), staging: expect.any(String) } });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    await store.delete('prod');
    expect(await store.get('prod')).toBeNull();
    expect(await store.get('staging')).toBe('s3cret');
    expect(await store.get('nobody')).toBeNull();
  });

  it('refuses to save a secret when encryption is not available, saying why', async () => {
    const store = new SafeStorageSecretStore(join(dir, 's.json'), fakeSafeStorage(false), 'linux');
    const attempt = store.set('prod', 'hunter2');
    await expect(attempt).rejects.toBeInstanceOf(SecretsUnavailableError);
    await expect(store.set('prod', 'hunter2')).rejects.toThrow(/cannot save the password of profile 'prod': no OS keychain/);
    await expect(readFile(join(dir, 's.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("treats Linux's basic_text backend (a built-in key) as no encryption", async () => {
    expect(encryptionUnavailableReason(fakeSafeStorage(true, 'basic_text'), 'linux')).toMatch(/built-in key/);
    expect(encryptionUnavailableReason(fakeSafeStorage(true, 'gnome_libsecret'), 'linux')).toBeNull();
    expect(encryptionUnavailableReason(fakeSafeStorage(false), 'darwin')).toMatch(/isEncryptionAvailable/);
    const store = new SafeStorageSecretStore(join(dir, 's.json'), fakeSafeStorage(true, 'basic_text'), 'linux');
    await expect(store.set('p', 'x')).rejects.toThrow(/not real encryption/);
  });

  it('returns null for a secret it can no longer decrypt', async () => {
    const file = join(dir, 's.json');
    await new SafeStorageSecretStore(file, fakeSafeStorage(), 'linux').set('prod', 'hunter2');
    const other: SafeStorageLike = { ...fakeSafeStorage(), decryptString: () => { throw new Error('bad key'); } };
    expect(await new SafeStorageSecretStore(file, other, 'linux').get('prod')).toBeNull();
    expect(await new SafeStorageSecretStore(file, fakeSafeStorage(false), 'linux').get('prod')).toBeNull();
  });
});
