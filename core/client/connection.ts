// One connection to one broker (the Java client's KafkaChannel + the in-flight part of
// NetworkClient): TCP or TLS, size-prefixed frames, correlation ids, any number of requests in
// flight (the broker answers them in order), a timeout per request that closes the connection as
// the Java client does (a late answer could no longer be matched), then ApiVersions to learn what
// the broker speaks, and SASL when configured. Versions are negotiated per request: the highest
// both our schema table and the broker support.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsOptions } from 'node:tls';
import { API_SCHEMAS, ApiKey, apiName } from '../protocol/apis.js';
import { decode, encode } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { readResponseHeader, writeRequestHeader } from '../protocol/headers.js';
import { Reader, Writer } from '../protocol/primitives.js';
import type { ApiVersionsResponse } from '../protocol/schema/generated/index.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';

export interface BrokerEndpoint {
  host: string;
  port: number;
}

export interface ConnectionOptions {
  clientId: string;
  /** true for the system's trust store, or Node's TLS options (ca, cert, key, servername, …). */
  ssl?: boolean | TlsOptions;
  /** Runs after ApiVersions and before any other request (see sasl.ts). */
  authenticate?: (conn: BrokerConnection) => Promise<void>;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface VersionRange {
  min?: number;
  max?: number;
}

interface InFlight {
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

const CLIENT_SOFTWARE = { clientSoftwareName: 'streamwatch', clientSoftwareVersion: '0.1.0' };
const API_VERSIONS_MAX = 3;

export class BrokerConnection {
  private nextCorrelationId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closedWith: Error | null = null;
  private readonly closeListeners = new Set<(e: Error) => void>();
  private brokerVersions = new Map<number, { min: number; max: number }>();
  readonly address: string;

  private constructor(
    private readonly socket: Socket,
    readonly endpoint: BrokerEndpoint,
    private readonly opts: ConnectionOptions,
  ) {
    this.address = `${endpoint.host}:${endpoint.port}`;
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      this.fail(new KafkaConnectionError(`connection to ${this.address} failed: ${e.message}`, e.code ?? 'ERROR', this.address, { cause: e })),
    );
    socket.on('close', () => this.fail(new KafkaConnectionError(`connection to ${this.address} closed by the broker`, 'CLOSED', this.address)));
  }

  /** Connects, learns the broker's API versions and authenticates. */
  static async open(endpoint: BrokerEndpoint, opts: ConnectionOptions): Promise<BrokerConnection> {
    const socket = await dial(endpoint, opts);
    const conn = new BrokerConnection(socket, endpoint, opts);
    try {
      await conn.negotiateApiVersions().catch((e: unknown) => {
        // A broker that hangs up on ApiVersions is, nearly always, a listener that expects
        // something else first: TLS spoken to in plaintext, or the reverse.
        if (e instanceof KafkaConnectionError && e.code === 'CLOSED') {
          throw new KafkaConnectionError(
            `${e.message} before answering ApiVersions: is it a ${opts.ssl ? 'plaintext' : 'TLS'} listener? (this client speaks ${opts.ssl ? 'TLS' : 'plaintext'})`,
            'CLOSED',
            conn.address,
            { cause: e },
          );
        }
        throw e;
      });
      if (opts.authenticate) await opts.authenticate(conn);
      return conn;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  onClose(fn: (e: Error) => void): () => void {
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  /** The broker's own range for an API, or undefined when it does not advertise it. */
  brokerRange(apiKey: number): { min: number; max: number } | undefined {
    return this.brokerVersions.get(apiKey);
  }

  /** The highest version both sides speak within `range`, or null. */
  versionFor(apiKey: number, range: VersionRange = {}): number | null {
    const ours = API_SCHEMAS.get(apiKey)?.request.validVersions;
    const theirs = this.brokerVersions.get(apiKey);
    if (!ours || !theirs) return null;
    const max = Math.min(ours[1], theirs.max, range.max ?? Infinity);
    const min = Math.max(ours[0], theirs.min, range.min ?? 0);
    return max >= min ? max : null;
  }

  /** versionFor, or an error that says what is missing. */
  version(apiKey: number, range: VersionRange = {}): number {
    const v = this.versionFor(apiKey, range);
    if (v !== null) return v;
    const theirs = this.brokerVersions.get(apiKey);
    const wanted = `${apiName(apiKey)} v${range.min ?? 0}${range.max !== undefined ? `–${range.max}` : '+'}`;
    throw new KafkaResponseError(
      ErrorCode.UNSUPPORTED_VERSION,
      apiName(apiKey),
      theirs ? `the broker at ${this.address} speaks v${theirs.min}–${theirs.max}, this client needs ${wanted}` : `the broker at ${this.address} does not support ${apiName(apiKey)}`,
    );
  }

  /** Sends at the highest common version in `range`. */
  request<T>(apiKey: number, body: unknown, range: VersionRange = {}, timeoutMs?: number): Promise<T> {
    let version: number;
    try {
      version = this.version(apiKey, range);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.requestAt<T>(apiKey, version, body, timeoutMs);
  }

  /** Sends at exactly `version`; `timeoutMs` extends the request timeout (a long-poll Fetch). */
  requestAt<T>(apiKey: number, version: number, body: unknown, timeoutMs?: number): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const api = API_SCHEMAS.get(apiKey);
    if (!api) return Promise.reject(new Error(`no schema for API key ${apiKey}`));
    const correlationId = this.nextCorrelationId++;
    const frame = requestFrame(apiKey, version, correlationId, this.opts.clientId, body);
    return new Promise<T>((resolve, reject) => {
      const ms = timeoutMs ?? this.opts.requestTimeoutMs;
      const entry: InFlight = { apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer: null };
      entry.timer = setTimeout(
        () => this.fail(new KafkaConnectionError(`${api.name} to ${this.address} timed out after ${ms} ms`, 'TIMEOUT', this.address)),
        ms,
      );
      this.inFlight.set(correlationId, entry);
      this.socket.write(frame);
    });
  }

  /** A request the broker does not answer (Produce with acks=0). */
  send(apiKey: number, version: number, body: unknown): void {
    if (this.closedWith) throw this.closedWith;
    this.socket.write(requestFrame(apiKey, version, this.nextCorrelationId++, this.opts.clientId, body));
  }

  close(): void {
    this.fail(new KafkaConnectionError(`connection to ${this.address} closed`, 'CLOSED', this.address));
  }

  /**
   * ApiVersions at our highest version; a broker that does not speak it answers
   * UNSUPPORTED_VERSION in a v0 body with its own range, and we ask again at that (KIP-511).
   */
  private async negotiateApiVersions(): Promise<void> {
    let version = API_VERSIONS_MAX;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.requestAt<ApiVersionsResponse>(ApiKey.ApiVersions, version, CLIENT_SOFTWARE);
      this.brokerVersions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      if (res.errorCode === 0) return;
      if (res.errorCode !== ErrorCode.UNSUPPORTED_VERSION) throw new KafkaResponseError(res.errorCode, 'ApiVersions');
      version = Math.min(API_VERSIONS_MAX, this.brokerVersions.get(ApiKey.ApiVersions)?.max ?? 0);
    }
    throw new KafkaResponseError(ErrorCode.UNSUPPORTED_VERSION, 'ApiVersions', `no version in common with ${this.address}`);
  }

  /**
   * Frames out of the byte stream. Chunks are only joined once a whole frame is there, so a
   * large response arriving in many chunks is copied once, not once per chunk.
   */
  private receive(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : Buffer.concat(this.chunks, 4);
      const size = head.readInt32BE(0);
      if (this.buffered < 4 + size) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.dispatch(frame);
      if (this.closedWith) return;
    }
  }

  private dispatch(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const entry = this.inFlight.get(correlationId);
    if (!entry) {
      this.fail(new KafkaConnectionError(`${this.address} answered correlation id ${correlationId}, which no request is waiting for`, 'PROTOCOL', this.address));
      return;
    }
    this.inFlight.delete(correlationId);
    if (entry.timer) clearTimeout(entry.timer);
    try {
      const r = new Reader(frame);
      readResponseHeader(r, entry.apiKey, entry.version);
      const api = API_SCHEMAS.get(entry.apiKey)!;
      // An unsupported ApiVersions version is answered in a v0 body (the error code comes first in all).
      const version =
        entry.apiKey === ApiKey.ApiVersions && frame.length >= 6 && frame.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION ? 0 : entry.version;
      entry.resolve(decode(api.response, version, r));
    } catch (e) {
      entry.reject(e as Error);
    }
  }

  private fail(e: Error): void {
    if (this.closedWith) return;
    this.closedWith = e;
    this.socket.destroy();
    for (const entry of this.inFlight.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(e);
    }
    this.inFlight.clear();
    for (const fn of this.closeListeners) fn(e);
    this.closeListeners.clear();
  }
}

/** A whole request frame: size prefix, header, body. */
export function requestFrame(apiKey: number, version: number, correlationId: number, clientId: string | null, body: unknown): Buffer {
  const api = API_SCHEMAS.get(apiKey);
  if (!api) throw new Error(`no schema for API key ${apiKey}`);
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId });
  w.raw(encode(api.request, version, body));
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

function dial(endpoint: BrokerEndpoint, opts: ConnectionOptions): Promise<Socket> {
  const address = `${endpoint.host}:${endpoint.port}`;
  return new Promise<Socket>((resolve, reject) => {
    const tls = opts.ssl === true ? {} : opts.ssl || null;
    const socket = tls
      ? connectTls({ host: endpoint.host, port: endpoint.port, servername: isIp(endpoint.host) ? undefined : endpoint.host, ...tls })
      : connectTcp({ host: endpoint.host, port: endpoint.port });
    const ready = tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new KafkaConnectionError(`connecting to ${address} timed out after ${opts.connectionTimeoutMs} ms`, 'ETIMEDOUT', address));
    }, opts.connectionTimeoutMs);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new KafkaConnectionError(`cannot connect to ${address}: ${describeSocketError(e)}`, e.code ?? 'ERROR', address, { cause: e }));
    });
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

function describeSocketError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return e.message;
  }
}
