// Streamwatch's own identity in Electron. Started as `electron dist/main/main.js` (npm start, e2e)
// Electron runs the script through its default app, whose name is "Electron": userData — the
// profiles, their secrets, the embedded cluster's data and the single-instance lock — would be
// ~/.config/Electron, shared with anything else started that way. So the name and userData are
// set before anything uses them: before the lock is taken and before 'ready'.

export const APP_NAME = 'Streamwatch';

/** userData: $STREAMWATCH_STATE_DIR when set (e2e runs and tests get their own), else <appData>/Streamwatch. */
export function userDataDir(appData: string, env: Readonly<Record<string, string | undefined>>, join: (...parts: string[]) => string): string {
  const explicit = env.STREAMWATCH_STATE_DIR;
  return explicit !== undefined && explicit !== '' ? explicit : join(appData, APP_NAME);
}
