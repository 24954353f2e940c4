// The Electron runtime is not an install step (package.json's allowScripts denies electron's
// postinstall, so `npm install` needs nothing but the npm registry). `npm start` obtains it on
// first start instead, where it can: electron's own installer library (@electron/get, a
// dependency of the electron package, with its cache and ELECTRON_MIRROR) fetches the release
// with progress shown here, then electron's own install.js extracts it from that cache into
// node_modules/electron/dist and writes path.txt, exactly as its postinstall would have.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type InstallResult = { ok: true } | { ok: false; reason: string };

export interface InstallOptions {
  /** node_modules/electron/package.json */
  electronPackageJson: string;
  /** One line at a time: what is happening, with the download's progress. */
  onProgress: (line: string) => void;
  /** Give up when no byte arrives for this long (default 60 s). */
  stallMs?: number;
}

interface Progress {
  percent: number;
  transferred: number;
  total?: number;
}

type DownloadArtifact = (details: Record<string, unknown>) => Promise<string>;

const MB = 1024 * 1024;

/** "41 % of 104.9 MB" — the line shown while the release downloads. */
export function progressLine(version: string, p: Progress): string {
  const total = p.total !== undefined && p.total > 0 ? ` of ${(p.total / MB).toFixed(1)} MB` : ` (${(p.transferred / MB).toFixed(1)} MB)`;
  return `streamwatch: downloading Electron ${version}: ${Math.floor(p.percent * 100)} %${total}`;
}

/** The first line of an error, without a stack: what the one-line fallback reason quotes. */
export function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('at ')) ?? text.trim();
  return line.replace(/^(Request)?Error: /, '');
}

export async function installElectronRuntime({ electronPackageJson, onProgress, stallMs = 60_000 }: InstallOptions): Promise<InstallResult> {
  const dir = dirname(electronPackageJson);
  const { version } = JSON.parse(readFileSync(electronPackageJson, 'utf8')) as { version: string };
  const require = createRequire(electronPackageJson);
  let downloadArtifact: DownloadArtifact;
  try {
    ({ downloadArtifact } = require('@electron/get') as { downloadArtifact: DownloadArtifact });
  } catch (err) {
    return { ok: false, reason: `electron's installer (@electron/get) is not installed: ${firstLine(String(err))}` };
  }

  onProgress(`streamwatch: downloading the Electron ${version} runtime (first start only; npm start -- --web skips it)`);
  let lastShown = 0;
  let lastByteAt = Date.now();
  let stallTimer: NodeJS.Timeout | undefined;
  const stalled = new Promise<InstallResult>((resolve) => {
    stallTimer = setInterval(() => {
      if (Date.now() - lastByteAt > stallMs) resolve({ ok: false, reason: `the download of Electron ${version} stalled (no data for ${Math.round(stallMs / 1000)} s)` });
    }, 1000);
  });
  // Same artifact, checksums and cache as electron's install.js, so that script finds it cached.
  const download = downloadArtifact({
    version,
    artifactName: 'electron',
    platform: process.env.npm_config_platform ?? process.platform,
    arch: process.env.npm_config_arch ?? process.arch,
    cacheRoot: process.env.electron_config_cache,
    checksums: process.env.electron_use_remote_checksums ? undefined : (require('./checksums.json') as Record<string, string>),
    downloadOptions: {
      quiet: true,
      getProgressCallback: (p: Progress) => {
        lastByteAt = Date.now();
        if (Date.now() - lastShown >= 2000 || p.percent >= 1) {
          lastShown = Date.now();
          onProgress(progressLine(version, p));
        }
      },
    },
  }).then(
    (): InstallResult => ({ ok: true }),
    (err: unknown): InstallResult => ({ ok: false, reason: `Electron ${version} could not be downloaded (${firstLine(err instanceof Error ? err.message : String(err))})` }),
  );
  const fetched = await Promise.race([download, stalled]);
  clearInterval(stallTimer);
  if (!fetched.ok) return fetched;

  onProgress(`streamwatch: installing Electron ${version} into ${join(dir, 'dist')}`);
  return runInstallScript(join(dir, 'install.js'));
}

/** electron's own install.js: finds the release in the cache, extracts it, writes path.txt. */
function runInstallScript(script: string): Promise<InstallResult> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_GET_NO_PROGRESS: '1' };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
    const child = spawn(process.execPath, [script], { cwd: dirname(script), env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
    child.once('error', (err) => resolve({ ok: false, reason: `electron's install script could not run (${err.message})` }));
    child.once('exit', (code) =>
      resolve(code === 0 ? { ok: true } : { ok: false, reason: `electron's install script failed (${firstLine(stderr) || `exit code ${code}`})` }),
    );
  });
}
