// Why a request at a version (or of an API) this broker does not serve is refused, in words the
// user of an old client can act on. Kafka 4.x closes such a connection without an answer (only
// ApiVersions gets UNSUPPORTED_VERSION) and logs "Received request for api with key 1 (FETCH) and
// unsupported version 2" (SocketServer.Processor.parseRequestHeader); an old client then
// reconnects and retries, several times a second, with nothing to tell its user why. The
// connection logs this once, as the reason it closes.
import { apiName, KAFKA_4_FIRST_VERSION, KIP_896_BASELINE_RELEASE } from '../protocol/apis.js';

export interface ServedVersions {
  readonly minVersion: number;
  readonly maxVersion: number;
}

export interface RefusedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The client id from the request header, when it could be read. */
  readonly clientId: string | null;
}

/** The sentence the connection logs when it closes over `req`; `served` undefined: no handler. */
export function unsupportedRequestReason(req: RefusedRequest, served: ServedVersions | undefined): string {
  const client = req.clientId ? `client "${req.clientId}"` : 'a client';
  const name = apiName(req.apiKey);
  if (!served) {
    return name.startsWith('Unknown(')
      ? `${client} sent unknown API key ${req.apiKey}; closing the connection as Kafka does`
      : `${client} sent ${name} (API key ${req.apiKey}), which this broker does not serve; closing the connection as Kafka does`;
  }
  const range = `${name} v${served.minVersion} to v${served.maxVersion}`;
  if (req.apiVersion > served.maxVersion) {
    // A client asking above what ApiVersions listed did not negotiate (or ignored the answer).
    return `${client} sent ${name} v${req.apiVersion}; this broker serves ${range}, as its ApiVersions answer says`;
  }
  const kafka4First = KAFKA_4_FIRST_VERSION.get(req.apiKey);
  if (kafka4First !== undefined && req.apiVersion < kafka4First) {
    return (
      `${client} sent ${name} v${req.apiVersion}; this broker serves ${range} and, like Kafka 4.0 (KIP-896), ` +
      `no longer ${name} ${kafka4First === 1 ? 'v0' : `v0-v${kafka4First - 1}`}: upgrade the client or set its Kafka version to ` +
      `${KIP_896_BASELINE_RELEASE} or later`
    );
  }
  return `${client} sent ${name} v${req.apiVersion}; this broker serves ${range}`;
}
