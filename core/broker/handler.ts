// What a request handler is: the API key and version range it serves, and a function from the
// decoded request to the response (or NO_RESPONSE, e.g. Produce with acks=0). The registry of
// handlers is the single source of the ApiVersions answer.
import type { RequestHeader } from '../protocol/headers.js';
import type { Broker } from './broker.js';

export const NO_RESPONSE = Symbol('no response');

export interface ClientInfo {
  readonly id: number;
  readonly remote: string;
  readonly connectedAt: number;
}

export interface RequestContext {
  readonly broker: Broker;
  readonly header: RequestHeader;
  readonly client: ClientInfo;
}

export type HandlerResult<Res> = Res | typeof NO_RESPONSE;

export interface Handler<Req = any, Res = any> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(request: Req, ctx: RequestContext): HandlerResult<Res> | Promise<HandlerResult<Res>>;
}

export function defineHandler<Req, Res>(h: Handler<Req, Res>): Handler<Req, Res> {
  return h;
}
