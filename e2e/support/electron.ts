// Can the Electron project run here? The same decision as `npm start` (main/electron/launch.ts):
// require('electron') must name a binary that exists (and is executable), with a display on
// Linux. Without one the electron project runs a single skipped test whose title says why.
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { planLaunch } from '../../main/electron/launch.js';

export type ElectronAvailability = { ok: true; path: string } | { ok: false; reason: string };

export function electronAvailability(): ElectronAvailability {
  const require = createRequire(import.meta.url);
  let electron: { path: string } | { error: string };
  try {
    // The package's index.js returns the binary's path (and throws when it was never downloaded).
    electron = { path: String(require('electron')) };
  } catch (error) {
    electron = { error: (error as Error).message };
  }
  const exists = 'path' in electron && existsSync(electron.path);
  const plan = planLaunch({ electron, electronExists: exists, platform: process.platform, env: process.env, forceWeb: false });
  if (plan.mode === 'web') return { ok: false, reason: plan.reason };
  // The journeys do not download anything: npm start obtains the runtime on first start.
  if (plan.mode === 'install') return { ok: false, reason: 'the Electron runtime is not installed yet (npm start obtains it on first start)' };
  try {
    accessSync(plan.electronPath, constants.X_OK);
  } catch {
    return { ok: false, reason: `the Electron binary is not executable (${plan.electronPath})` };
  }
  return { ok: true, path: plan.electronPath };
}
