// `node --import ./register-fake-electron.mjs dist/main/main.js`: runs the built main process
// under plain Node with 'electron' resolved to fake-electron.mjs (tests only).
import { register } from 'node:module';

register(new URL('./fake-electron-hooks.mjs', import.meta.url));
