// One plaintext TCP connection to one broker for the requests kafkajs cannot make (ListOffsets
// with read_uncommitted, Fetch of raw batches, ListTransactions, DescribeTransactions):
// size-prefixed frames, correlation ids, a timeout per request, and the broker's ApiVersions
// read once on connect so callers can pick a version both sides speak. No SASL, no TLS.
import { connect, type Socket } from 'node:net';
import { API_SCHEMAS, ApiKey } from '../protocol/apis.js';
import { decode, encode } from '../protocol/codec.js';
import { errorName } from '../protocol/errors.js';
import { readResponseHeader, writeRequestHeader } from '../protocol/headers.js';
import { Reader, Writer } from '../protocol/primitives.js';
import type { ApiVersionsResponse } from '../protocol/schema/generated/index.js';

export interface RawConnectionOptions {
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

interface Pending {
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RawConnection {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closedWith: Error | null = null;
  private versions = new Map<number, { min: number; max: number }>();

  private constructor(
    private readonly socket: Socket,
    private readonly opts: RawConnectionOptions,
  ) {
    socket.on('data', (d) => this.receive(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  /** Connects and reads the broker's supported API versions. */
  static async open(host: string, port: number, opts: RawConnectionOptions): Promise<RawConnection> {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }));
      }, opts.connectionTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const conn = new RawConnection(socket, opts);
    try {
      // v0 because every broker answers it, whatever it supports.
      const res = await conn.request<ApiVersionsResponse>(ApiKey.ApiVersions, 0, {});
      if (res.errorCode !== 0) throw new Error(`ApiVersions failed: ${errorName(res.errorCode)}`);
      conn.versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      return conn;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** The highest version in [min, max] the broker also supports, or null. */
  versionFor(apiKey: number, min: number, max: number): number | null {
    const theirs = this.versions.get(apiKey);
    if (!theirs) return null;
    const v = Math.min(max, theirs.max);
    return v >= Math.max(min, theirs.min) ? v : null;
  }

  request<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const api = API_SCHEMAS.get(apiKey);
    if (!api) return Promise.reject(new Error(`no schema for API key ${apiKey}`));
    const correlationId = this.nextCorrelationId++;
    const w = new Writer();
    w.int32(0);
    writeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId: this.opts.clientId });
    w.raw(encode(api.request, version, body));
    const frame = w.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`${api.name} request timed out after ${this.opts.requestTimeoutMs} ms`));
      }, this.opts.requestTimeoutMs);
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.fail(new Error('connection closed'));
  }

  private receive(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    for (;;) {
      if (this.buffered < 4) return;
      let all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [all];
      const size = all.readInt32BE(0);
      if (this.buffered < 4 + size) return;
      const frame = all.subarray(4, 4 + size);
      all = all.subarray(4 + size);
      this.chunks = all.length > 0 ? [all] : [];
      this.buffered = all.length;
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (!p) return; // answered after its timeout
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      readResponseHeader(r, p.apiKey, p.version);
      p.resolve(decode(API_SCHEMAS.get(p.apiKey)!.response, p.version, r));
    } catch (e) {
      p.reject(e as Error);
    }
  }

  private fail(e: Error): void {
    if (this.closedWith) return;
    this.closedWith = e;
    this.socket.destroy();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }
}
