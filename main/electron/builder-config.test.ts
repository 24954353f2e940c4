// electron-builder.yml against electron-builder's own schema (packaging itself needs the Electron
// binary, so `npm run dist` cannot run in CI; this keeps the configuration valid).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface BuilderConfig {
  appId?: string;
  productName?: string;
  asar?: boolean;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
  extraMetadata?: { main?: string };
  files?: { filter?: string[] }[];
  linux?: { target?: unknown };
  mac?: { target?: unknown };
  win?: { target?: unknown };
}

describe('electron-builder.yml', () => {
  it('passes electron-builder schema validation and packages what the app loads at run time', async () => {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      getConfig(dir: string, path: string | null, options: null): Promise<BuilderConfig>;
      validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util/out/DebugLogger.js') as { DebugLogger: new (enabled: boolean) => unknown };
    const config = await getConfig(ROOT, null, null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();

    expect(config.productName).toBe('Streamwatch');
    expect(config.extraMetadata?.main).toBe('dist/main/main.js');
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
    // Plain JavaScript from the build only (main/packaged-app.test.ts starts that layout).
    const files = config.files?.flatMap((f) => f.filter ?? []) ?? [];
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/main/**', 'dist/renderer/**', '!**/*.map']));
    expect(files.filter((f) => f.startsWith('core') || f.endsWith('.ts'))).toEqual([]);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(['**/*.node']);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});
