/** Printed on stdout by the Electron main process once the window is shown; main/start.ts waits for it. */
export const READY_MARKER = 'streamwatch: window ready';
