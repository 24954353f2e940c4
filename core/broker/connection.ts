// One client connection: splits the byte stream into size-prefixed frames, hands each request
// to its handler at once (so pipelined requests are all in progress), and writes the responses
// strictly in request order even while an earlier one (a long-poll Fetch) is still waiting.
import type { Socket } from 'node:net';
import { decode, encodeInto } from '../protocol/codec.js';
import { peekRequestHeader, readRequestHeader, writeResponseHeader } from '../protocol/headers.js';
import { ProtocolError, Reader, Writer } from '../protocol/primitives.js';
import { ApiKey, API_SCHEMAS, apiName } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Broker } from './broker.js';
import type { BrokerNode, Listener } from './cluster.js';
import { NO_RESPONSE, type ClientInfo, type HandlerResult } from './handler.js';

interface Slot {
  done: boolean;
  out: Buffer[] | null;
}

export class Connection {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private queue: Slot[] = [];
  private closed = false;
  readonly info: ClientInfo;

  constructor(
    private socket: Socket,
    private broker: Broker,
    id: number,
    /** The node and listener this client reached; every request's context carries them. */
    readonly node: BrokerNode,
    readonly listener: Listener,
  ) {
    this.info = { id, remote: `${socket.remoteAddress}:${socket.remotePort}`, connectedAt: broker.now() };
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason) {
      this.broker.stats.rejected++;
      this.broker.log('warn', `closing connection ${this.info.remote}: ${reason}`);
    }
    this.socket.destroy();
    this.buffered = [];
    this.queue = [];
    this.broker.connectionClosed(this);
  }

  private onData(chunk: Buffer): void {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    while (!this.closed && this.bufferedBytes >= 4) {
      const head = this.peek(4);
      const size = head.readInt32BE(0);
      const max = this.broker.options.socketRequestMaxBytes;
      if (size < 0 || size > max) {
        // Kafka closes the connection rather than reading an oversized frame.
        return this.close(`request size ${size} is outside 0..${max} (socket.request.max.bytes)`);
      }
      if (this.bufferedBytes < 4 + size) return;
      const all = this.take(4 + size);
      this.onFrame(all.subarray(4));
    }
  }

  private peek(n: number): Buffer {
    if (this.buffered[0]!.length >= n) return this.buffered[0]!;
    this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0]!;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.buffered.shift();
    else this.buffered[0] = first.subarray(n);
    this.bufferedBytes -= n;
    return out;
  }

  private onFrame(frame: Buffer): void {
    this.broker.stats.frames++;
    const peek = peekRequestHeader(frame);
    if (!peek) return this.close('request shorter than its header');
    const { apiKey, apiVersion, correlationId } = peek;
    const handler = this.broker.registry.get(apiKey);
    if (!handler || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(correlationId);
      // A real broker cannot parse such a request either; it closes the connection.
      return this.close(
        handler
          ? `${apiName(apiKey)} v${apiVersion} is not supported (${handler.minVersion}..${handler.maxVersion})`
          : `unknown API key ${apiKey}`,
      );
    }
    const api = API_SCHEMAS.get(apiKey)!;
    let request: unknown;
    let header;
    try {
      const r = new Reader(frame);
      header = readRequestHeader(r);
      request = decode(api.request, apiVersion, r);
    } catch (e) {
      if (e instanceof ProtocolError) return this.close(`malformed ${api.name} v${apiVersion} request: ${e.message}`);
      throw e;
    }
    const slot: Slot = { done: false, out: null };
    this.queue.push(slot);
    const ctx = { broker: this.broker, header, client: this.info, node: this.node, listener: this.listener };
    let result: HandlerResult<unknown> | Promise<HandlerResult<unknown>>;
    try {
      result = handler.handle(request, ctx);
    } catch (e) {
      return this.failed(api.name, e);
    }
    if (result instanceof Promise) {
      result.then(
        (res) => this.complete(slot, apiKey, apiVersion, correlationId, res),
        (e) => this.failed(api.name, e),
      );
    } else {
      this.complete(slot, apiKey, apiVersion, correlationId, result);
    }
  }

  /** A handler bug must not take the broker down: log it and drop this one connection. */
  private failed(api: string, e: unknown): void {
    this.broker.log('error', `${api} handler failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    this.close(`internal error in ${api}`);
  }

  private complete(slot: Slot, apiKey: number, version: number, correlationId: number, res: HandlerResult<unknown>): void {
    if (this.closed) return;
    if (res !== NO_RESPONSE) {
      const w = new Writer();
      w.int32(0); // size, patched below
      writeResponseHeader(w, apiKey, version, correlationId);
      try {
        encodeInto(w, API_SCHEMAS.get(apiKey)!.response, version, res);
      } catch (e) {
        return this.failed(apiName(apiKey), e);
      }
      const chunks = w.chunksOut();
      chunks[0]!.writeInt32BE(w.length - 4, 0);
      slot.out = chunks;
    }
    slot.done = true;
    this.flush();
  }

  /** ApiVersions with a version we do not know: error 35 in a v0 body, which every client can read. */
  private unsupportedApiVersions(correlationId: number): void {
    const h = this.broker.registry.get(ApiKey.ApiVersions)!;
    const slot: Slot = { done: false, out: null };
    this.queue.push(slot);
    this.complete(slot, ApiKey.ApiVersions, 0, correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: h.minVersion, maxVersion: h.maxVersion }],
    });
  }

  private flush(): void {
    const s = this.socket;
    let wrote = false;
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      if (!slot.out) continue;
      if (!wrote) s.cork();
      wrote = true;
      for (const c of slot.out) s.write(c);
    }
    if (wrote) {
      s.uncork();
      // Stop reading from a client that does not read its responses.
      if (s.writableNeedDrain) s.pause();
    }
  }
}
