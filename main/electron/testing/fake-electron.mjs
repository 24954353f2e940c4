// Just enough of Electron's main-process API to run dist/main/main.js under Node, and a script
// that plays the user: the window loads, the renderer sends commands over the IPC channel, then
// the app quits. What happens is reported as `FAKE {json}` lines on stdout (tests only).
import { EventEmitter } from 'node:events';

const report = (what, data = {}) => process.stdout.write(`FAKE ${JSON.stringify({ what, ...data })}\n`);
const APP_URL = 'app://streamwatch/index.html';

const ipcHandlers = new Map();
let protocolHandler = null;
const sent = [];

class FakeApp extends EventEmitter {
  isPackaged = false;
  #ready = false;
  requestSingleInstanceLock() { return process.env.SW_FAKE_SECOND_INSTANCE !== '1'; }
  setName(name) { report('app.setName', { name }); }
  enableSandbox() { report('app.enableSandbox'); }
  getPath(name) { return name === 'userData' ? process.env.SW_FAKE_USERDATA : '/tmp'; }
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
  } catch (err) {
    report('error', { message: String(err?.stack ?? err) });
  }
  win.emit('closed');
  app.emit('window-all-closed');
}

export default { app, BrowserWindow, ipcMain, protocol, session, Menu, dialog, safeStorage, shell };
