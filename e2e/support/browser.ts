// Which Chromium the web journeys (and `npm run bench:ui`) drive. In this order, the first that
// runs (`<binary> --version` exits 0; on Windows: the file exists):
//   1. STREAMWATCH_BROWSER: a path to a Chrome/Chromium binary — or `system`, `playwright`, `npm`
//      to allow only that step. When set, nothing else is tried.
//   2. a system Chromium/Chrome: chromium, chromium-browser, google-chrome-stable, google-chrome on
//      PATH, then the standard locations (/usr/bin/chromium, /snap/bin/chromium,
//      /opt/google/chrome/chrome; /Applications/… on macOS; Program Files / LocalAppData on Windows).
//   3. Playwright's own browser, if one was installed (`npx playwright install chromium`, under
//      ~/.cache/ms-playwright or PLAYWRIGHT_BROWSERS_PATH): its Chromium, else its headless shell.
//   4. the Chromium inside the npm package @sparticuz/chromium (a devDependency; Linux x64 only):
//      decompressed once into <tmpdir>/streamwatch-chromium-<version>-<uid>/ and reused from there.
// `chooseBrowser` is the decision, pure given its probe and npm step (browser.test.ts);
// `browserForJourneys` runs it against this machine, once per test run: the choice travels to
// Playwright's workers (which evaluate playwright.config.ts again) in an environment variable.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve, win32 } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';

/** The flags every journey browser gets (headless; Playwright adds its own). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const SETTING = 'STREAMWATCH_BROWSER';
/** Internal: the main test-runner process's choice, inherited by its workers. */
const CACHE = 'STREAMWATCH_E2E_BROWSER_CHOICE';

export type BrowserSource = 'setting' | 'system' | 'playwright' | 'npm';
const STEPS = ['system', 'playwright', 'npm'] as const;
type Step = (typeof STEPS)[number];

export interface BrowserChoice {
  ok: true;
  source: BrowserSource;
  executablePath: string;
  /** First line of `--version` ('' where not probed). */
  version: string;
  /** Why this one: the step, and what the earlier steps found. */
  reason: string;
}
export interface NoBrowser {
  ok: false;
  /** One line: what was tried, and what to install. */
  message: string;
}
export type BrowserDecision = BrowserChoice | NoBrowser;

export type ProbeResult = { runs: true; version: string } | { runs: false; why: string };
/** The npm step's outcome: the extracted binary, or why there is none. */
export type NpmChromium = { path: string; label: string } | { error: string };

export interface DiscoveryInput {
  /** STREAMWATCH_BROWSER, as set (undefined or '' = not set). */
  setting: string | undefined;
  platform: NodeJS.Platform;
  arch: string;
  /** Step 2, in order (systemBrowserPaths). */
  systemPaths: string[];
  /** Step 3, in order: Playwright's Chromium, then its headless shell (playwrightPaths). */
  playwrightPaths: string[];
  /** Step 4; called only when steps 2 and 3 found nothing that runs. */
  npm: () => NpmChromium;
  probe: (path: string) => ProbeResult;
  /** For resolving a relative STREAMWATCH_BROWSER path. */
  cwd: string;
}

const STEP_LABEL: Record<Step, string> = {
  system: 'system Chromium/Chrome',
  playwright: "Playwright's own Chromium",
  npm: 'the npm package @sparticuz/chromium',
};

/** The decision: the first candidate, in the documented order, that runs. */
export function chooseBrowser(input: DiscoveryInput): BrowserDecision {
  const setting = input.setting?.trim() ?? '';
  const tried: string[] = [];

  if (setting !== '' && !(STEPS as readonly string[]).includes(setting)) {
    const path = input.platform === 'win32' ? win32.resolve(input.cwd, setting) : posix.resolve(input.cwd, setting);
    const probed = input.probe(path);
    if (probed.runs) return { ok: true, source: 'setting', executablePath: path, version: probed.version, reason: `${SETTING} is set` };
    return { ok: false, message: `e2e: no browser for the web journeys: ${SETTING}=${setting} does not run (${probed.why}); point it at a Chrome/Chromium binary, or unset it to let the journeys find one` };
  }
  const steps: readonly Step[] = setting === '' ? STEPS : [setting as Step];

  for (const step of steps) {
    if (step === 'npm') {
      if (input.platform !== 'linux' || input.arch !== 'x64') {
        tried.push(`${STEP_LABEL.npm}: Linux x64 only (this is ${input.platform}-${input.arch})`);
        continue;
      }
      const npm = input.npm();
      if ('error' in npm) {
        tried.push(`${STEP_LABEL.npm}: ${npm.error}`);
        continue;
      }
      const probed = input.probe(npm.path);
      if (probed.runs) return found('npm', npm.path, probed.version, `${npm.label}${because(tried)}`, setting);
      tried.push(`${STEP_LABEL.npm}: ${npm.path} does not run (${probed.why})`);
      continue;
    }
    const paths = step === 'system' ? input.systemPaths : input.playwrightPaths;
    const failures: string[] = [];
    for (const path of paths) {
      const probed = input.probe(path);
      if (probed.runs) return found(step, path, probed.version, `${STEP_LABEL[step]}${because(tried)}`, setting);
      if (probed.why !== 'not found') failures.push(`${path} does not run (${probed.why})`);
    }
    if (step === 'system') tried.push(failures.length > 0 ? `${STEP_LABEL.system}: ${failures.join(', ')}` : `no ${STEP_LABEL.system} (${SYSTEM_SEARCH[input.platform] ?? 'no known locations'})`);
    else tried.push(failures.length > 0 ? `${STEP_LABEL.playwright}: ${failures.join(', ')}` : `no Playwright browser (${paths[0] ?? 'unknown location'} not installed)`);
  }
  const only = setting === '' ? '' : ` (${SETTING}=${setting} allows only that step)`;
  return { ok: false, message: `e2e: no browser for the web journeys${only}: ${tried.join('; ')}. Install one: ${installHint(input.platform, tried.join(' '))}` };
}

function found(source: Step, path: string, version: string, reason: string, setting: string): BrowserChoice {
  return { ok: true, source, executablePath: path, version, reason: setting === '' ? reason : `${reason} (${SETTING}=${setting})` };
}

function because(tried: string[]): string {
  return tried.length === 0 ? '' : `, since ${tried.join('; ')}`;
}

/** Where step 2 looks, in words (systemBrowserPaths has the paths). */
const SYSTEM_SEARCH: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'chromium, chromium-browser, google-chrome-stable, google-chrome: none on PATH, in /usr/bin, /snap/bin or /opt/google/chrome',
  darwin: 'chromium, google-chrome: none on PATH; no Google Chrome.app or Chromium.app in /Applications or ~/Applications',
  win32: 'no Google\\Chrome or Chromium chrome.exe under LocalAppData or Program Files',
};

/** The libraries the npm Chromium links against that a bare Debian may lack, and their packages. */
const LIBRARY_PACKAGES: Record<string, string> = {
  'libnss3.so': 'libnss3',
  'libnssutil3.so': 'libnss3',
  'libnspr4.so': 'libnspr4',
  'libplc4.so': 'libnspr4',
  'libplds4.so': 'libnspr4',
  'libexpat.so.1': 'libexpat1',
};

/** What to install, for the one line printed where no browser runs. */
export function installHint(platform: NodeJS.Platform, tried: string): string {
  const elsewhere = `or, where there is network, \`npx playwright install chromium\`; or set ${SETTING} to a Chrome/Chromium binary`;
  if (platform === 'linux') {
    const lib = /error while loading shared libraries: (?:\S*\/)?([^\s/:]+):/.exec(tried)?.[1];
    const pkg = lib === undefined ? undefined : LIBRARY_PACKAGES[lib];
    const npmFix = pkg === undefined ? '' : ` (or \`apt install ${pkg}\`, which the npm Chromium lacks)`;
    return `\`apt install chromium\` (Debian; Ubuntu: \`snap install chromium\`) or Google Chrome${npmFix}, ${elsewhere}`;
  }
  if (platform === 'darwin') return `Google Chrome (https://www.google.com/chrome/) or \`brew install --cask chromium\`, ${elsewhere}`;
  if (platform === 'win32') return `Google Chrome (https://www.google.com/chrome/), ${elsewhere}`;
  return `Chromium or Google Chrome, ${elsewhere}`;
}

/** Step 2's candidates, in order: well-known names on PATH, then the standard install locations. */
export function systemBrowserPaths(platform: NodeJS.Platform, env: Record<string, string | undefined>): string[] {
  const paths: string[] = [];
  const add = (p: string): void => {
    if (!paths.includes(p)) paths.push(p);
  };
  if (platform === 'win32') {
    for (const base of [env['LOCALAPPDATA'], env['PROGRAMFILES'], env['PROGRAMFILES(X86)'], env['ProgramFiles'], env['ProgramFiles(x86)']]) {
      if (base === undefined || base === '') continue;
      add(win32.join(base, 'Google', 'Chrome', 'Application', 'chrome.exe'));
      add(win32.join(base, 'Chromium', 'Application', 'chrome.exe'));
    }
    return paths;
  }
  const dirs = (env['PATH'] ?? '').split(':').filter((d) => d.startsWith('/'));
  const names = platform === 'darwin' ? ['chromium', 'google-chrome'] : ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
  for (const name of names) for (const dir of dirs) add(posix.join(dir, name));
  if (platform === 'darwin') {
    const apps = ['/Applications', ...(env['HOME'] ? [posix.join(env['HOME'], 'Applications')] : [])];
    for (const dir of apps) {
      add(posix.join(dir, 'Google Chrome.app', 'Contents', 'MacOS', 'Google Chrome'));
      add(posix.join(dir, 'Chromium.app', 'Contents', 'MacOS', 'Chromium'));
    }
    return paths;
  }
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome', '/snap/bin/chromium', '/opt/google/chrome/chrome']) add(p);
  return paths;
}

/**
 * Step 3's candidates: Playwright's Chromium (`chromium.executablePath()`, e.g.
 * ~/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome), then the headless shell of the
 * same revision beside it (chromium_headless_shell-1255/chrome-headless-shell-linux64/
 * chrome-headless-shell), which `npx playwright install --only-shell` installs alone.
 */
export function playwrightPaths(chromiumPath: string | undefined, platform: NodeJS.Platform): string[] {
  if (chromiumPath === undefined || chromiumPath === '') return [];
  const path = platform === 'win32' ? win32 : posix;
  const parts = chromiumPath.split(path.sep);
  const at = parts.findIndex((p) => /^chromium-\d+$/.test(p));
  const dir = parts[at + 1];
  if (at < 0 || dir === undefined || !dir.startsWith('chrome-')) return [chromiumPath];
  const shell = [...parts.slice(0, at), parts[at]!.replace('chromium-', 'chromium_headless_shell-'), dir.replace(/^chrome-/, 'chrome-headless-shell-'), platform === 'win32' ? 'chrome-headless-shell.exe' : 'chrome-headless-shell'];
  return [chromiumPath, shell.join(path.sep)];
}

// ——— this machine ———

/** Runs `<path> --version` (Windows: only checks the file — chrome.exe prints nothing there). */
export function probeBrowser(path: string): ProbeResult {
  try {
    if (!statSync(path).isFile()) return { runs: false, why: 'not a file' };
  } catch {
    return { runs: false, why: 'not found' };
  }
  if (process.platform === 'win32') return { runs: true, version: '' };
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return { runs: false, why: 'not executable' };
  }
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { runs: true, version: out.trim().split('\n')[0] ?? '' };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    const line = (e.stderr ?? '').trim().split('\n').find((l) => l.trim() !== '') ?? e.message.split('\n')[0]!;
    return { runs: false, why: line.trim() };
  }
}

const require = createRequire(import.meta.url);

/** Step 4 on this machine: @sparticuz/chromium's binary, decompressed once per boot (per tmpdir). */
export function extractNpmChromium(): NpmChromium {
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium'); // <pkg>/build/cjs/index.cjs
  } catch {
    return { error: 'not installed (it is a devDependency: npm ci installs it)' };
  }
  const pkgDir = resolve(dirname(entry), '..', '..');
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const label = `@sparticuz/chromium ${version} from node_modules`;
  const dir = join(tmpdir(), `streamwatch-chromium-${version}-${process.getuid?.() ?? 'user'}`);
  const exe = join(dir, 'chromium');
  if (existsSync(exe)) return { path: exe, label };
  // Decompress into a private directory (the package writes `chromium`, `fonts/` and the
  // SwiftShader libraries straight into os.tmpdir()), then rename it into place: another run
  // never sees a half-written binary, and a lost race just reuses the winner's copy.
  const staging = mkdtempSync(join(tmpdir(), `streamwatch-chromium-${version}.partial-`));
  try {
    const esm = join(pkgDir, 'build', 'esm', 'index.js');
    const script = 'const m = await import(process.argv[1]); process.stdout.write(await m.default.executablePath());';
    const env = { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging };
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(esm).href], { env, encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (resolve(out.trim()) !== join(staging, 'chromium')) return { error: `decompressed to an unexpected place (${out.trim()})` };
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!existsSync(exe)) throw error;
    }
    return { path: exe, label };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return { error: `could not decompress it (${((e.stderr ?? '').trim().split('\n').pop() || e.message).trim()})` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function playwrightChromiumPath(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined;
  }
}

/** The decision for this machine, computed now. */
export function findBrowser(env: Record<string, string | undefined> = process.env): BrowserDecision {
  return chooseBrowser({
    setting: env[SETTING],
    platform: process.platform,
    arch: process.arch,
    systemPaths: systemBrowserPaths(process.platform, env),
    playwrightPaths: playwrightPaths(playwrightChromiumPath(), process.platform),
    npm: extractNpmChromium,
    probe: probeBrowser,
    cwd: process.cwd(),
  });
}

/**
 * The decision once per test run: the first call (the runner's evaluation of
 * playwright.config.ts) decides and stores it in the environment; the workers, global setup and
 * later evaluations reuse it, as long as STREAMWATCH_BROWSER is unchanged and the binary still exists.
 */
export function browserForJourneys(): BrowserDecision {
  const setting = process.env[SETTING] ?? '';
  const cached = process.env[CACHE];
  if (cached !== undefined) {
    try {
      const { setting: was, decision } = JSON.parse(cached) as { setting: string; decision: BrowserDecision };
      if (was === setting && (!decision.ok || existsSync(decision.executablePath))) return decision;
    } catch {
      // not ours, or stale: decide again
    }
  }
  const decision = findBrowser();
  process.env[CACHE] = JSON.stringify({ setting, decision });
  return decision;
}

/** The line printed before the journeys. */
export function describeChoice(choice: BrowserChoice): string {
  return `e2e: browser ${choice.executablePath}${choice.version ? ` (${choice.version})` : ''}: ${choice.reason}`;
}

// `node --import tsx e2e/support/browser.ts`: print the decision for this machine.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const d = findBrowser();
  console.log(d.ok ? describeChoice(d) : d.message);
  process.exitCode = d.ok ? 0 : 1;
}
