// One client connection: splits the byte stream into size-prefixed frames, hands each request
// to its handler at once (so pipelined requests are all in progress), and writes the responses
// strictly in request order even while an earlier one (a long-poll Fetch) is still waiting.
import type { Socket } from 'node:net';
import { decode, encodeInto } from '../protocol/codec.js';
import { peekClientId, peekRequestHeader, readRequestHeader, writeResponseHeader } from '../protocol/headers.js';
import { ProtocolError, Reader, Writer } from '../protocol/primitives.js';
import { ApiKey, API_SCHEMAS, apiName } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Broker } from './broker.js';
import type { BrokerNode, Listener } from './cluster.js';
import { NO_RESPONSE, type ClientInfo, type HandlerResult } from './handler.js';
import { SaslAuthenticator } from './sasl-authenticator.js';
import { unsupportedRequestReason } from './unsupported-version.js';

interface Slot {
  done: boolean;
  out: Buffer[] | null;
}

export class Connection {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private queue: Slot[] = [];
  private closed = false;
  /** Set once authentication failed: the answer and the close wait for it (see failAuthentication). */
  private failedAuthClose: NodeJS.Timeout | null = null;
  readonly info: ClientInfo;
  /** On a SASL listener, the connection's authentication; null on a plaintext one. */
  readonly sasl: SaslAuthenticator | null;

  constructor(
    private socket: Socket,
    private broker: Broker,
    id: number,
    /** The node and listener this client reached; every request's context carries them. */
    readonly node: BrokerNode,
    readonly listener: Listener,
  ) {
    this.info = { id, remote: `${socket.remoteAddress}:${socket.remotePort}`, connectedAt: broker.now() };
    this.sasl = listener.securityProtocol === 'SASL_PLAINTEXT' ? new SaslAuthenticator(broker.sasl!) : null;
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
    if (this.failedAuthClose) clearTimeout(this.failedAuthClose);
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
    if (this.failedAuthClose) return; // authentication failed: nothing more is read
    if (this.sasl?.rawTokens) return this.onRawToken(frame);
    const peek = peekRequestHeader(frame);
    if (!peek) return this.close('request shorter than its header');
    const { apiKey, apiVersion, correlationId } = peek;
    const handler = this.broker.registry.get(apiKey);
    if (!handler || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(correlationId);
      // Kafka closes the connection without an answer; the reason, logged once as it closes, says
      // what the client's user can do about it.
      return this.close(unsupportedRequestReason({ apiKey, apiVersion, clientId: peekClientId(frame) }, handler));
    }
    const refused = this.sasl?.admit(apiKey);
    if (refused) {
      return refused.authentication ? this.failAuthentication(refused.reason, null) : this.close(refused.reason);
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
    const ctx = { broker: this.broker, header, client: this.info, node: this.node, listener: this.listener, sasl: this.sasl };
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

  /**
   * A handler bug must not take the broker down: log it and drop this one connection. A
   * ProtocolError is a request Kafka refuses while parsing it (e.g. an ACL filter naming the
   * UNKNOWN type): Kafka closes the connection, and so do we, with no internal error logged.
   */
  private failed(api: string, e: unknown): void {
    if (e instanceof ProtocolError) return this.close(`invalid ${api} request: ${e.message}`);
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
    if (this.sasl?.failure && !this.failedAuthClose) {
      // This answer (UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED) is the last one.
      this.queue.splice(this.queue.indexOf(slot), 1);
      this.flush();
      return this.failAuthentication(this.sasl.failure, slot.out);
    }
    this.flush();
  }

  /** A bare SASL token after SaslHandshake v0, answered with a bare token (none on failure). */
  private onRawToken(token: Buffer): void {
    const answer = this.sasl!.rawToken(token);
    if (answer === null) return this.failAuthentication(this.sasl!.failure!, null);
    const size = Buffer.alloc(4);
    size.writeInt32BE(answer.length, 0);
    this.queue.push({ done: true, out: [size, answer] });
    this.flush();
  }

  /**
   * Kafka logs a failed authentication, then sends the failure answer (if any) and closes only
   * after connection.failed.authentication.delay.ms, to slow down password guessing
   * (clients/.../network/Selector.java, maybeDelayCloseOnAuthenticationFailure).
   */
  private failAuthentication(reason: string, answer: Buffer[] | null): void {
    this.broker.log('info', `Failed authentication with ${this.info.remote} (${reason})`);
    this.socket.pause();
    this.failedAuthClose = setTimeout(() => {
      if (this.closed) return;
      if (answer) for (const c of answer) this.socket.write(c);
      this.socket.end(() => this.close());
    }, this.broker.options.failedAuthenticationDelayMs);
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
