// Electron main-process entry (built to dist/main/main.js). The core modules are shipped as
// TypeScript and loaded through tsx — the supervisor's worker threads load the app modules the
// same way (core/supervisor/bootstrap.mjs) — so register tsx's ESM loader first, then import the
// app (dist/main/app.js, which imports ../../core/…).
import { register } from 'tsx/esm/api';

register();
const { runApp } = await import('./app.js');
// Not awaited: runApp waits for app 'ready', which Electron emits only after this module (and its
// top-level await) has finished. Its synchronous part — the single-instance lock and the app://
// scheme registration, which must precede 'ready' — runs right here.
runApp().catch((err: unknown) => {
  console.error('streamwatch: the main process failed:', err);
  process.exit(1);
});
