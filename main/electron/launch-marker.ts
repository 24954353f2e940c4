// What npm start (main/start.ts) and the Electron main process say to each other.

/** Printed on stdout by the Electron main process once the window is shown; main/start.ts waits for it. */
export const READY_MARKER = 'streamwatch: window ready';

/**
 * Set by npm start where a signal cannot ask Electron to quit (Windows: child.kill() terminates
 * the process outright): the main process then reads its stdin, and a QUIT_REQUEST line quits the
 * app the graceful way (before-quit: instances stopped, the embedded broker closed).
 */
export const QUIT_ON_STDIN_ENV = 'STREAMWATCH_QUIT_ON_STDIN';
export const QUIT_REQUEST = 'quit';
