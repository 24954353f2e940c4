// dist/renderer, built with `npm run build:renderer` when it is missing: what a fresh clone needs
// before `npm start` or `npm run web` can show the console.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RENDERER_INDEX = fileURLToPath(new URL('../dist/renderer/index.html', import.meta.url));

function hasScript(name: string): boolean {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.[name] !== undefined;
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

export async function ensureRenderer(): Promise<void> {
  if (existsSync(RENDERER_INDEX)) return;
  if (!hasScript('build:renderer')) {
    console.log('streamwatch: dist/renderer is missing and there is no build:renderer script; the window will be empty');
    return;
  }
  console.log('streamwatch: building the renderer (dist/renderer is missing)…');
  const code = await run('npm', ['run', '--silent', 'build:renderer']);
  if (code !== 0) throw new Error(`npm run build:renderer failed (exit code ${code})`);
}

