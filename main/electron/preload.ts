// Sandboxed preload: built by main/build.ts into ONE CommonJS file (dist/main/preload.cjs) whose
// only require is 'electron'. Exposes window.streamwatch = { command, onEvent } and nothing
// else — never ipcRenderer itself.
// First: imports evaluate in order, and zod must be jitless before the contract's schemas exist.
import '../../core/session/zod-jitless.js';
import { contextBridge, ipcRenderer } from 'electron';
import { buildStreamwatchApi } from './preload-api.js';

contextBridge.exposeInMainWorld('streamwatch', buildStreamwatchApi(ipcRenderer));
