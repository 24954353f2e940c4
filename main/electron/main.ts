// Electron main-process entry (dist/main/main.js, built by main/build.ts). Everything before the
// import of the app proper must hold even when that import fails:
// - stdout/stderr may outlive their reader (npm start gone): a broken pipe is not a crash;
// - the app's own name and userData are set before the single-instance lock (identity.ts);
// - the app (electron-app.js) is imported inside a try: a missing module or bad import must not
//   leave a windowless process behind (npm start would wait for its window for ever), so it is
//   logged and the process exits 1, which npm start takes as "Electron could not run here".
import { join } from 'node:path';
import { app } from 'electron';
import { APP_NAME, userDataDir } from './identity.js';
import { ignoreBrokenStdio } from './stdio-guard.js';

ignoreBrokenStdio([process.stdout, process.stderr]);
app.setName(APP_NAME);
app.setPath('userData', userDataDir(app.getPath('appData'), process.env, join));

// A variable, so the bundler leaves it an import at run time: electron-app.js is built beside main.js.
const APP_MODULE = './electron-app.js';
try {
  const { runApp } = (await import(APP_MODULE)) as typeof import('./app.js');
  // Not awaited: runApp waits for 'ready', which Electron emits only after this module (and its
  // top-level await) has finished. Its synchronous part — the single-instance lock and the app://
  // scheme registration, which must precede 'ready' — runs right here.
  runApp().catch((err: unknown) => {
    console.error('streamwatch: the main process failed:', err);
    app.exit(1);
  });
} catch (err) {
  console.error('streamwatch: could not load the main process:', err);
  app.exit(1);
}
