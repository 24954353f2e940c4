// Request and response headers. Request header v1 for non-flexible versions, v2 (adds a tag
// buffer) for flexible ones. Response header v1 (tag buffer) for flexible versions, except
// ApiVersions, whose response header is always v0 so any client can read the fallback.
import { ApiKey, API_SCHEMAS } from './apis.js';
import { isFlexible } from './codec.js';
import { Reader, Writer } from './primitives.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads api key, version and correlation id: enough to answer even an unsupported version. */
export function peekRequestHeader(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number } | null {
  if (frame.length < 8) return null;
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/**
 * The client id of any request, even at a version we do not serve: every request header from v1
 * on puts it right after the correlation id. Null if absent or cut short.
 */
export function peekClientId(frame: Buffer): string | null {
  if (frame.length < 10) return null;
  const n = frame.readInt16BE(8);
  if (n < 0 || frame.length < 10 + n) return null;
  return frame.toString('utf8', 10, 10 + n);
}

export function requestIsFlexible(apiKey: number, apiVersion: number): boolean {
  const api = API_SCHEMAS.get(apiKey);
  return api !== undefined && isFlexible(api.request, apiVersion);
}

/** Decodes the header of a supported request; the reader is left at the body. */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const n = r.int16(); // client id is a non-compact nullable string even in header v2
  const clientId = n < 0 ? null : r.string(n);
  if (requestIsFlexible(apiKey, apiVersion)) skipTaggedFields(r);
  return { apiKey, apiVersion, correlationId, clientId };
}

export function writeRequestHeader(w: Writer, h: RequestHeader): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (h.clientId === null) w.int16(-1);
  else w.int16(Buffer.byteLength(h.clientId)).utf8(h.clientId, Buffer.byteLength(h.clientId));
  if (requestIsFlexible(h.apiKey, h.apiVersion)) w.uvarint(0);
}

export function responseHeaderHasTags(apiKey: number, apiVersion: number): boolean {
  return apiKey !== ApiKey.ApiVersions && requestIsFlexible(apiKey, apiVersion);
}

export function writeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  w.int32(correlationId);
  if (responseHeaderHasTags(apiKey, apiVersion)) w.uvarint(0);
}

export function readResponseHeader(r: Reader, apiKey: number, apiVersion: number): number {
  const correlationId = r.int32();
  if (responseHeaderHasTags(apiKey, apiVersion)) skipTaggedFields(r);
  return correlationId;
}

export function skipTaggedFields(r: Reader): void {
  const n = r.count(r.uvarint(), 2);
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.slice(r.uvarint());
  }
}
