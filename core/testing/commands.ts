// Command-line tools some tests use as independent witnesses (kcat, the lz4 and zstd CLIs). CI
// installs them; a developer's fresh machine may not have them, so such a test runs only where
// the tool actually starts.
import { execFileSync } from 'node:child_process';

const available = new Map<string, boolean>();

/** Whether `name versionArgs…` runs; checked once per tool per test file. */
export function commandAvailable(name: string, versionArgs: readonly string[] = ['--version']): boolean {
  let ok = available.get(name);
  if (ok === undefined) {
    try {
      execFileSync(name, [...versionArgs], { stdio: 'ignore', timeout: 20_000 });
      ok = true;
    } catch {
      ok = false;
    }
    available.set(name, ok);
  }
  return ok;
}
