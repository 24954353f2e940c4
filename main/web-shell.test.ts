// The web shell in-process, over a real Session without a cluster: the token on HTTP and on the
// WebSocket, the Host and Origin checks, the static renderer and its fallback page, command
// round trips, invalid frames and event frames.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ServerFrame } from '../core/session/api.js';
import { Session } from '../core/session/session.js';
import { startWebShell, type WebShell } from './web-shell.js';
import { parseWebArgs } from './web.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP status of a refused upgrade, or 101 when it was accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', (e) => reject(e));
  });
}

class Client {
  readonly frames: ServerFrame[] = [];
  readonly #waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(ServerFrame.parse(JSON.parse(String(data))));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static open(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  async next(match: (f: ServerFrame) => boolean, ms = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

describe('web shell', () => {
  let dir: string;
  let session: Session;
  let shell: WebShell;
  let base: string;
  let wsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamwatch-web-'));
    const staticDir = join(dir, 'renderer');
    await mkdir(join(staticDir, 'assets'), { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>console</title><script src="./assets/app.js"></script>');
    await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1);');
    await writeFile(join(dir, 'secret.txt'), 'not for the web');
    session = new Session({ stateDir: join(dir, 'state'), monitorFactory: null, resourceIntervalMs: 0 });
    shell = await startWebShell({ session, port: 0, staticDir });
    base = `http://127.0.0.1:${shell.port}`;
    wsUrl = `ws://127.0.0.1:${shell.port}/ws?token=${shell.token}`;
  });

  afterAll(async () => {
    await shell?.close();
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a tokened address on 127.0.0.1', () => {
    expect(shell.url).toBe(`${base}/?token=${shell.token}`);
    expect(shell.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('refuses HTTP without the token (401) or with a wrong one (403)', async () => {
    expect((await get(`${base}/`)).status).toBe(401);
    expect((await get(`${base}/assets/app.js`)).status).toBe(401);
    const wrong = await get(`${base}/?token=nope`);
    expect(wrong.status).toBe(403);
    expect(wrong.body).not.toContain(shell.token);
  });

  it('serves the renderer with the token, and its assets with the cookie the page got', async () => {
    const page = await get(shell.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>console</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toBe(`streamwatch_token_${shell.port}=${shell.token}`);
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await get(`${base}/assets/app.js`, { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(`${base}/group?token=${shell.token}`)).body).toContain('<title>console</title>'); // the page, for any view path
    expect((await get(`${base}/assets/missing.js`, { cookie })).status).toBe(404);
    expect((await get(`${base}/%2e%2e/secret.txt`, { cookie })).status).toBe(404);
    expect((await get(shell.url, { host: `attacker.example:${shell.port}` })).status).toBe(403);
  });

  it('says how to build the renderer when it is missing', async () => {
    const bare = await startWebShell({ session, port: 0, staticDir: join(dir, 'nowhere') });
    try {
      const page = await get(bare.url);
      expect(page.status).toBe(503);
      expect(page.body).toContain('npm run build:renderer');
    } finally {
      await bare.close();
    }
  });

  it('refuses WebSocket upgrades without the token, with a wrong one, or from another origin', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${shell.port}/ws`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${shell.port}/ws?token=nope`)).toBe(403);
    expect(await upgradeStatus(wsUrl, { origin: 'http://attacker.example' })).toBe(403);
    expect(await upgradeStatus(wsUrl, { origin: `http://127.0.0.1:${shell.port}` })).toBe(101);
  });

  it('runs commands, answers invalid frames with error frames, and pushes events', async () => {
    const client = await Client.open(wsUrl);
    try {
      client.ws.send(JSON.stringify({ id: 1, command: 'apps.list', args: {} }));
      const result = await client.next((f) => f.kind === 'result' && f.id === 1);
      expect(result).toMatchObject({ kind: 'result', id: 1, result: { apps: [{ name: 'bank-ledger' }, { name: 'word-count' }, { name: 'passthrough' }] } });

      client.ws.send('{not json');
      expect(await client.next((f) => f.kind === 'error' && f.id === -1)).toEqual({ kind: 'error', id: -1, error: { message: 'invalid frame: not JSON', code: 'invalid_frame' } });
      client.ws.send(JSON.stringify({ id: 2, args: {} }));
      expect(await client.next((f) => f.kind === 'error' && f.id === 2)).toMatchObject({ error: { message: expect.stringMatching(/^invalid frame: command: /), code: 'invalid_frame' } });
      client.ws.send(JSON.stringify({ id: 3, command: 'instances.freeze', args: { id: 'a-1', seconds: -1 } }));
      expect(await client.next((f) => f.kind === 'error' && f.id === 3)).toMatchObject({ error: { message: expect.stringMatching(/^invalid arguments for instances.freeze: seconds: /), code: 'invalid_args' } });
      client.ws.send(JSON.stringify({ id: 4, command: 'topics.list' }));
      expect(await client.next((f) => f.kind === 'error' && f.id === 4)).toMatchObject({ error: { message: 'invalid frame: args: required; expected { id, command, args }' } });
      client.ws.send(JSON.stringify({ id: 6, command: 'topics.list', args: {} }));
      expect(await client.next((f) => f.kind === 'error' && f.id === 6)).toMatchObject({ error: { code: 'not_connected' } });
      client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await client.next((f) => f.kind === 'error' && f.error.code === 'invalid_frame' && /binary/.test(f.error.message))).toBeTruthy();

      session.publish({ type: 'progress', task: 'web test', message: 'hello', fraction: 0.5, done: false });
      const event = await client.next((f) => f.kind === 'event');
      expect(event).toMatchObject({ kind: 'event', event: { type: 'progress', task: 'web test', message: 'hello', seq: expect.any(Number), ts: expect.any(Number) } });

      // The server is still fine after all that.
      client.ws.send(JSON.stringify({ id: 5, command: 'events.history', args: { afterSeq: 0 } }));
      expect(await client.next((f) => f.kind === 'result' && f.id === 5)).toMatchObject({ result: { events: [expect.objectContaining({ task: 'web test' })] } });
    } finally {
      client.ws.close();
    }
  });

  it('parses the command line', () => {
    expect(parseWebArgs([])).toMatchObject({ port: 0, embeddedPort: 0, bootstrap: null });
    expect(parseWebArgs(['--port', '8080', '--bootstrap', 'k1:9092,k2:9092', '--state-dir', '/tmp/x'])).toEqual({ port: 8080, embeddedPort: 0, bootstrap: ['k1:9092', 'k2:9092'], stateDir: '/tmp/x' });
    expect(parseWebArgs(['--port', 'eighty'])).toEqual({ error: "--port expects a port number (0-65535), got 'eighty'" });
    expect(parseWebArgs(['--bootstrap', 'nope'])).toEqual({ error: "--bootstrap expects host:port[,host:port…], got 'nope'" });
    expect(parseWebArgs(['--embedded', '--bootstrap', 'k:1'])).toEqual({ error: 'choose one of --embedded and --bootstrap' });
    expect(parseWebArgs(['--frobnicate'])).toHaveProperty('error');
  });
});
