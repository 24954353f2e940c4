// The web shell's WebSocket (/ws?token=…): request ids with one promise per command, events as
// they come, reconnect with exponential backoff. Commands issued while the link is down wait for
// it briefly, then fail with words; commands in flight when it drops fail (they may still have run).
import { ServerFrame } from './contract';
import { CommandFailure } from './errors';
import { initialStatus, Listeners, type LinkStatus, type Transport } from './transport';

/** The parts of the DOM WebSocket used here (a fake one in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WsTransportOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a command waits for the link to come up before failing. */
  connectWaitMs?: number;
  /** 0..1, for jitter; Math.random by default. */
  random?: () => number;
}

const OPEN = 1;
const NO_TOKEN = 'the page address has no access token — open the address Streamwatch printed at start-up (it ends in ?token=…)';

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Waiting {
  command: string;
  args: unknown;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: unknown;
}

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + 0.5 * random));
}

const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
};

export class WsTransport implements Transport {
  readonly kind = 'websocket' as const;
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Waiting[] = [];
  private readonly events = new Listeners<unknown>();
  private readonly statuses = new Listeners<LinkStatus>();
  private current: LinkStatus = initialStatus();
  private retryTimer: unknown = null;
  private closed = false;
  private readonly timers: Timers;
  private readonly createSocket: (url: string) => SocketLike;

  constructor(private readonly options: WsTransportOptions) {
    this.timers = options.timers ?? browserTimers;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  }

  status(): LinkStatus {
    return this.current;
  }

  onRawEvent(listener: (raw: unknown) => void): () => void {
    return this.events.add(listener);
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    return this.statuses.add(listener);
  }

  start(): void {
    if (this.socket || this.closed) return;
    this.open();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'closed by the console');
    this.failAll('The console closed its connection to the Streamwatch service.');
    this.setStatus({ ...this.current, state: 'closed', retryAt: null });
  }

  request(command: string, args: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.socket && this.socket.readyState === OPEN) {
        this.send(command, args, resolve, reject);
        return;
      }
      if (this.closed) {
        reject(new CommandFailure('Not connected to the Streamwatch service.', 'DISCONNECTED', command));
        return;
      }
      const waitMs = this.options.connectWaitMs ?? 5000;
      const entry: Waiting = {
        command,
        args,
        resolve,
        reject,
        timer: this.timers.setTimeout(() => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(
            new CommandFailure(
              `Not connected to the Streamwatch service (${this.current.error ?? 'reconnecting'}); '${command}' was not sent.`,
              'DISCONNECTED',
              command,
            ),
          );
        }, waitMs),
      };
      this.waiting.push(entry);
    });
  }

  private send(command: string, args: unknown, resolve: (v: unknown) => void, reject: (e: Error) => void): void {
    const id = this.nextId++;
    this.pending.set(id, { command, resolve, reject });
    try {
      this.socket!.send(JSON.stringify({ id, command, args: args ?? {} }));
    } catch (err) {
      this.pending.delete(id);
      reject(new CommandFailure(`Could not send '${command}': ${err instanceof Error ? err.message : String(err)}`, 'SEND_FAILED', command));
    }
  }

  private open(): void {
    this.setStatus({ ...this.current, state: 'connecting', retryAt: null });
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url);
    } catch (err) {
      this.scheduleRetry(err instanceof Error ? err.message : String(err));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.setStatus({ state: 'open', attempt: 0, retryAt: null, error: null, everOpened: true });
      for (const w of this.waiting.splice(0)) {
        this.timers.clearTimeout(w.timer);
        this.send(w.command, w.args, w.resolve, w.reject);
      }
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.receive(ev.data);
    };
    socket.onerror = () => {
      /* the close event that follows carries what is known */
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.failAll('The connection to the Streamwatch service was lost before it answered; the command may still have run.');
      if (this.closed) return;
      const why =
        ev.code === 1008 || ev.code === 4001 || ev.code === 4003
          ? `the service refused the connection${ev.reason ? `: ${ev.reason}` : ''} (check the token in the address)`
          : ev.reason || (this.current.everOpened ? 'connection lost' : this.hasToken() ? 'service not reachable' : NO_TOKEN);
      this.scheduleRetry(why);
    };
  }

  private scheduleRetry(error: string): void {
    const attempt = this.current.attempt + 1;
    const delay = backoffDelay(attempt, this.options.initialBackoffMs ?? 500, this.options.maxBackoffMs ?? 10_000, (this.options.random ?? Math.random)());
    this.setStatus({ ...this.current, state: 'closed', attempt, retryAt: this.timers.now() + delay, error });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.open();
    }, delay);
  }

  private hasToken(): boolean {
    const query = this.options.url.split('?')[1] ?? '';
    return (new URLSearchParams(query).get('token') ?? '') !== '';
  }

  private receive(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.events.emit({ __unparseable: String(data).slice(0, 500) });
      return;
    }
    const frame = ServerFrame.safeParse(json);
    if (!frame.success) {
      // Not a frame at all: let the client count it as an invalid event.
      this.events.emit(json);
      return;
    }
    const f = frame.data;
    if (f.kind === 'event') {
      this.events.emit(f.event);
      return;
    }
    const pending = this.pending.get(f.id);
    if (!pending) return;
    this.pending.delete(f.id);
    if (f.kind === 'result') pending.resolve(f.result);
    else pending.reject(new CommandFailure(f.error.message, f.error.code, pending.command));
  }

  private failAll(message: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new CommandFailure(message, 'DISCONNECTED', p.command));
    }
    if (this.closed) {
      for (const w of this.waiting.splice(0)) {
        this.timers.clearTimeout(w.timer);
        w.reject(new CommandFailure(message, 'DISCONNECTED', w.command));
      }
    }
  }

  private setStatus(status: LinkStatus): void {
    this.current = status;
    this.statuses.emit(status);
  }
}

/** ws(s)://<host>/ws?token=<token from the page's own query string>. */
export function webSocketUrl(loc: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/ws?token=${encodeURIComponent(token)}`;
}
