// Sandboxed preload: built by main/electron/build.ts into ONE CommonJS file (dist/main/preload.cjs)
// whose only require is 'electron'. Exposes window.streamwatch = { command, onEvent } and nothing
// else — never ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { buildStreamwatchApi } from './preload-api.js';

// The page's CSP forbids eval; stop zod from probing for it (its JIT would be refused anyway).
z.config({ jitless: true });

contextBridge.exposeInMainWorld('streamwatch', buildStreamwatchApi(ipcRenderer));
