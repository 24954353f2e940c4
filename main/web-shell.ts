// The web shell: the console in any browser. One HTTP server on 127.0.0.1 serves the built
// renderer (dist/renderer) and a WebSocket at /ws that speaks the contract's frames
// (ClientFrame in, ServerFrame out) to the same Session the Electron shell uses.
//
// Access: a random token, required on every request. The address printed at start-up carries it
// (?token=…); a page loaded with it also gets it as an HttpOnly, SameSite=Strict cookie so its
// assets load, and the renderer passes it on to /ws in the query string. The Host header must
// name this server (no DNS rebinding) and a WebSocket's Origin, when sent, must be this server.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, resolve, sep } from 'node:path';
import { contentType } from './content-types.js';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { ClientFrame } from '../core/session/api.js';
import type { CommandError, ServerFrame, SessionEvent } from '../core/session/api.js';
import { issuesText } from '../core/session/errors.js';

/** What the shell needs of the session (core/session's Session is one). */
export interface WebShellSession {
  handle(command: string, args: unknown): Promise<unknown>;
  onEvent(listener: (event: SessionEvent) => void): () => void;
}

export interface WebShellOptions {
  session: WebShellSession;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** The access token; a fresh random one by default. */
  token?: string;
  /** A client whose unsent frames pass this many bytes is disconnected (it catches up with events.history); 16 MiB by default. */
  maxBufferedBytes?: number;
}

export interface WebShell {
  /** http://127.0.0.1:PORT/?token=… — the address to open. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_FRAME_BYTES = 1 << 20;

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Streamwatch</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Streamwatch</h1>
<p>The console's user interface has not been built yet. Run</p>
<pre>npm run build:renderer</pre>
<p>and reload this page. The service itself is running: the WebSocket API at <code>/ws</code> works.</p>
</body></html>
`;

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticDir = resolve(options.staticDir);
  const maxBuffered = options.maxBufferedBytes ?? 16 << 20;
  const session = options.session;
  let port = 0;
  const cookieName = () => `streamwatch_token_${port}`;

  const tokenBuffer = Buffer.from(token);
  /** 'ok', 'missing' or 'wrong', from the query string or (for the page's assets) the cookie. */
  const checkToken = (req: IncomingMessage, url: URL): 'ok' | 'missing' | 'wrong' => {
    const given = url.searchParams.get('token') ?? cookieValue(req.headers.cookie, cookieName());
    if (given === null || given === '') return 'missing';
    const b = Buffer.from(given);
    return b.length === tokenBuffer.length && timingSafeEqual(b, tokenBuffer) ? 'ok' : 'wrong';
  };
  const hostAllowed = (req: IncomingMessage): boolean => {
    const host = req.headers.host;
    return host === `${HOST}:${port}` || host === `localhost:${port}`;
  };

  const server: Server = createServer((req, res) => {
    void serveHttp(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req)) return plain(res, 403, 'Forbidden: unexpected Host header');
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const access = checkToken(req, url);
    if (access === 'missing') return plain(res, 401, 'Unauthorized: open the address Streamwatch printed at start-up (it ends in ?token=…)');
    if (access === 'wrong') return plain(res, 403, 'Forbidden: wrong token; open the address Streamwatch printed at start-up');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'Method Not Allowed');
    }
    if (url.searchParams.has('token')) {
      res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname === '/ws') return plain(res, 426, 'Upgrade Required: /ws is the WebSocket endpoint');

    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return plain(res, 400, 'Bad Request: malformed path');
    }
    const file = resolve(staticDir, `.${pathname}`);
    if (file !== staticDir && !file.startsWith(staticDir + sep)) return plain(res, 404, 'Not Found');
    const found = await fileAt(file);
    if (found !== null) return sendFile(req, res, found);
    // The single page app: any path that is not a file (no extension) is the page itself.
    if (extname(pathname) !== '' && pathname !== '/') return plain(res, 404, 'Not Found');
    const index = await fileAt(resolve(staticDir, 'index.html'));
    if (index === null) {
      res.writeHead(503, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
      return;
    }
    return sendFile(req, res, index);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!hostAllowed(req)) return refuseUpgrade(socket, 403, 'unexpected Host header');
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'the WebSocket endpoint is /ws');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return refuseUpgrade(socket, 403, `origin ${origin} is not allowed`);
    const access = checkToken(req, url);
    if (access === 'missing') return refuseUpgrade(socket, 401, 'a token is required (/ws?token=…)');
    if (access === 'wrong') return refuseUpgrade(socket, 403, 'wrong token');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    const send = (frame: ServerFrame): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBuffered) {
        ws.close(1013, 'too slow: events backed up; reconnect and catch up with events.history');
        return;
      }
      ws.send(JSON.stringify(frame));
    };
    const unsubscribe = session.onEvent((event) => send({ kind: 'event', event }));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return send({ kind: 'error', id: -1, error: { message: 'invalid frame: binary frames are not accepted; send JSON text', code: 'invalid_frame' } });
      let json: unknown;
      try {
        json = JSON.parse(rawText(data));
      } catch {
        return send({ kind: 'error', id: -1, error: { message: 'invalid frame: not JSON', code: 'invalid_frame' } });
      }
      const parsed = ClientFrame.safeParse(json);
      if (!parsed.success) {
        const rawId = (json as { id?: unknown } | null)?.id;
        const id = typeof rawId === 'number' && Number.isInteger(rawId) ? rawId : -1;
        return send({ kind: 'error', id, error: { message: `invalid frame: ${issuesText(parsed.error.issues)}; expected { id, command, args }`, code: 'invalid_frame' } });
      }
      const { id, command, args } = parsed.data;
      session.handle(command, args).then(
        (result) => send({ kind: 'result', id, result }),
        (error: unknown) => send({ kind: 'error', id, error: toCommandError(error) }),
      );
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => {
      // the close event follows
    });
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${options.port} on ${HOST} is already in use; choose another with --port`) : e),
    );
    server.listen(options.port ?? 0, HOST, () => resolvePromise());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    token,
    port,
    close() {
      closing ??= new Promise<void>((resolvePromise) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** A failure as it crosses the socket: message and code only, never a stack. */
export function toCommandError(error: unknown): CommandError {
  if (error !== null && typeof error === 'object') {
    const { message, code } = error as { message?: unknown; code?: unknown };
    if (typeof message === 'string') return typeof code === 'string' ? { message, code } : { message };
  }
  return { message: String(error) };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
}

async function fileAt(path: string): Promise<{ path: string; size: number } | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size } : null;
  } catch {
    return null;
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: { path: string; size: number }): void {
  const type = contentType(file.path);
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': type,
    'Content-Length': String(file.size),
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404, message: string): void {
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  const body = `${reason}: ${message}\n`;
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => {
      clearTimeout(timer);
      socket.destroy();
    },
  );
}

/**
 * For a process that hosts one web shell and its session (test and benchmark children): a close
 * that runs once — shell, then session, then exit 0 — and exits 1 if that hangs past hardStopMs.
 */
export function closeOnce(shell: WebShell, session: { close(): Promise<void> }, hardStopMs: number, onClosing?: (why: string) => void): (why: string) => Promise<void> {
  let closing = false;
  return async (why) => {
    if (closing) return;
    closing = true;
    onClosing?.(why);
    setTimeout(() => process.exit(1), hardStopMs).unref();
    try {
      await shell.close();
      await session.close();
    } finally {
      process.exit(0);
    }
  };
}
