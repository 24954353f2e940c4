// Just enough of Electron's main-process API to run dist/main/main.js under Node, and a script
// that plays the user: the window loads, the renderer sends commands over the IPC channel, then
// the app quits. What happens is reported as `FAKE {json}` lines on stdout, and appended to
// $SW_FAKE_REPORT_FILE when set (for tests that close stdout) (tests only).
//   SW_FAKE_APPDATA        app.getPath('appData'); userData defaults to <appData>/Electron, as
//                          for a script run through Electron's default app
//   SW_FAKE_SCRIPT=apps    the user also starts one instance of each built-in app, waits for all
//                          to run, and stops them
//   SW_FAKE_STAY=1         the window stays open after the script (quit by signal or stdin)
//   SW_FAKE_SECOND_INSTANCE=1  the single-instance lock is taken
// Like Electron on POSIX, the first SIGINT/SIGTERM asks the app to quit and puts the default
// handler back: a second one kills the process (one shot at a graceful shutdown).
import { EventEmitter } from 'node:events';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const report = (what, data = {}) => {
  const line = `FAKE ${JSON.stringify({ what, ...data })}\n`;
  if (process.env.SW_FAKE_REPORT_FILE) appendFileSync(process.env.SW_FAKE_REPORT_FILE, line);
  process.stdout.write(line);
};
const APP_URL = 'app://streamwatch/index.html';

const ipcHandlers = new Map();
let protocolHandler = null;
const sent = [];

class FakeApp extends EventEmitter {
  isPackaged = false;
  #ready = false;
  #name = 'Electron';
  #paths = new Map();
  requestSingleInstanceLock() {
    report('app.requestSingleInstanceLock', { name: this.#name, userData: this.getPath('userData') });
    return process.env.SW_FAKE_SECOND_INSTANCE !== '1';
  }
  setName(name) { this.#name = name; report('app.setName', { name }); }
  getName() { return this.#name; }
  enableSandbox() { report('app.enableSandbox'); }
  setPath(name, path) {
    if (this.#ready) throw new Error(`app.setPath('${name}') after ready`);
    this.#paths.set(name, path);
    report('app.setPath', { name, path });
  }
  getPath(name) {
    const appData = process.env.SW_FAKE_APPDATA || tmpdir();
    if (this.#paths.has(name)) return this.#paths.get(name);
    if (name === 'appData') return appData;
    if (name === 'userData') return join(appData, 'Electron');
    return tmpdir();
  }
  getVersion() { return '0.0.0-test'; }
  whenReady() {
    return new Promise((resolve) => setTimeout(() => { this.#ready = true; resolve(); }, 10));
  }
  quit() {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', event);
    if (!event.defaultPrevented) {
      report('app.exit', { code: 0 });
      process.exit(0);
    }
  }
  exit(code = 0) {
    report('app.exit', { code });
    process.exit(code);
  }
}
export const app = new FakeApp();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    report('signal', { signal });
    app.quit();
  });
}

class FakeWebContents extends EventEmitter {
  destroyed = false;
  setWindowOpenHandler(handler) { this.openHandler = handler; }
  isDestroyed() { return this.destroyed; }
  send(channel, payload) { sent.push({ channel, payload }); }
  async loadURL(url) {
    this.url = url;
    const response = protocolHandler ? await protocolHandler(new Request(url)) : null;
    report('window.loaded', { url, status: response?.status ?? null, csp: response?.headers.get('content-security-policy') ?? null });
  }
}

export class BrowserWindow extends EventEmitter {
  static windows = [];
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    BrowserWindow.windows.push(this);
    report('window.created', { webPreferences: options.webPreferences });
  }
  async loadURL(url) {
    await this.webContents.loadURL(url);
    this.emit('ready-to-show');
    setTimeout(() => void playUser(this), 0);
  }
  show() {}
  focus() {}
  restore() {}
  isMinimized() { return false; }
  isDestroyed() { return false; }
}

export const ipcMain = {
  handle(channel, handler) { ipcHandlers.set(channel, handler); report('ipc.handle', { channel }); },
  removeHandler(channel) { ipcHandlers.delete(channel); },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) { report('protocol.privileged', { schemes: schemes.map((s) => s.scheme) }); },
  handle(scheme, handler) { protocolHandler = handler; report('protocol.handle', { scheme }); },
};

export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived() {} },
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
  },
};

export const Menu = {
  buildFromTemplate(template) { return { template }; },
  setApplicationMenu(menu) { report('menu', { labels: menu.template.map((m) => m.label ?? m.role) }); },
};

export const dialog = {
  showErrorBox(title, content) { report('dialog.error', { title, content }); },
  async showSaveDialog() { return { canceled: true }; },
  async showMessageBox() { return { response: 0 }; },
};

export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (s) => Buffer.from(`enc:${s}`),
  decryptString: (b) => b.toString().slice(4),
};

export const shell = { async openExternal() {} };

async function invoke(channel, payload, url = APP_URL) {
  const handler = ipcHandlers.get(channel);
  if (!handler) return { rejected: `No handler registered for '${channel}'` };
  return handler({ senderFrame: { url } }, payload);
}

const command = async (name, args = {}) => {
  const reply = await invoke('streamwatch:command', { command: name, args });
  if (!reply?.ok) throw new Error(`${name}: ${JSON.stringify(reply)}`);
  return reply.result;
};

/** One instance of every built-in app, each until its streams runtime is RUNNING; then stopped. */
async function startEveryApp() {
  const { apps } = await command('apps.list');
  const ids = [];
  for (const a of apps) ids.push(...(await command('instances.start', { app: a.name, count: 1, guarantee: 'at_least_once', partitions: 2 })).ids);
  report('apps.started', { apps: apps.map((a) => a.name), ids });
  const deadline = Date.now() + 60_000;
  let instances = [];
  while (Date.now() < deadline) {
    ({ instances } = await command('instances.list'));
    const mine = instances.filter((i) => ids.includes(i.id));
    if (mine.some((i) => i.state === 'crashed' || i.state === 'stopped')) break;
    if (mine.length === ids.length && mine.every((i) => i.state === 'running' && i.streamsState === 'RUNNING')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  report('apps.running', { instances: instances.map((i) => ({ id: i.id, app: i.app, state: i.state, streamsState: i.streamsState, lastError: i.lastError })) });
  for (const id of ids) await command('instances.stop', { id });
  ({ instances } = await command('instances.list'));
  report('apps.stopped', { instances: instances.map((i) => ({ id: i.id, state: i.state })) });
}

/** What the renderer would do; each step reported. */
async function playUser(win) {
  try {
    report('reply', { step: 'useEmbedded', reply: await invoke('streamwatch:command', { command: 'cluster.useEmbedded', args: {} }) });
    report('reply', { step: 'topics.create', reply: await invoke('streamwatch:command', { command: 'topics.create', args: { topic: 'fake-electron', partitions: 2 } }) });
    report('reply', { step: 'topics.list', reply: await invoke('streamwatch:command', { command: 'topics.list', args: {} }) });
    report('reply', { step: 'unknown-channel', reply: await invoke('streamwatch:shell', { command: 'topics.list', args: {} }) });
    report('reply', { step: 'bad-args', reply: await invoke('streamwatch:command', { command: 'topics.create', args: { topic: '' } }) });
    report('reply', { step: 'untrusted', reply: await invoke('streamwatch:command', { command: 'topics.list', args: {} }, 'https://evil.example/') });
    report('reply', { step: 'saveProfile', reply: await invoke('streamwatch:command', { command: 'profiles.save', args: { profile: { name: 'p', bootstrapServers: ['127.0.0.1:1'], sasl: { mechanism: 'plain', username: 'u', password: 'pw' } } } }) });
    report('events', { channels: [...new Set(sent.map((s) => s.channel))], types: [...new Set(sent.map((s) => s.payload.type))] });
    if (process.env.SW_FAKE_SCRIPT === 'apps') await startEveryApp();
  } catch (err) {
    report('error', { message: String(err?.stack ?? err) });
  }
  if (process.env.SW_FAKE_STAY === '1') {
    report('staying');
    return;
  }
  win.emit('closed');
  app.emit('window-all-closed');
}

export default { app, BrowserWindow, ipcMain, protocol, session, Menu, dialog, safeStorage, shell };
