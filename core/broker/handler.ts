// What a request handler is: the API key and version range it serves, and a function from the
// decoded request to the response (or NO_RESPONSE, e.g. Produce with acks=0). The registry of
// handlers is the single source of the ApiVersions answer.
import type { RequestHeader } from '../protocol/headers.js';
import type { Broker } from './broker.js';
import type { BrokerNode, Listener } from './cluster.js';
import type { SaslAuthenticator } from './sasl-authenticator.js';

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
  /** The node the client reached, and the listener it came in through. */
  readonly node: BrokerNode;
  readonly listener: Listener;
  /** The connection's authentication on a SASL listener; null on a plaintext one. */
  readonly sasl: SaslAuthenticator | null;
}

/** Kafka's NOT_LEADER_OR_FOLLOWER test: does the node this request reached lead the partition? */
export function leadsHere(ctx: RequestContext, topic: string, partition: number): boolean {
  return ctx.broker.cluster.leaderOf(topic, partition) === ctx.node.nodeId;
}

/**
 * Kafka's NOT_COORDINATOR test for a group. An empty group id is left to the handler, which
 * answers INVALID_GROUP_ID first, as Kafka's GroupCoordinatorService does.
 */
export function coordinatesGroupHere(ctx: RequestContext, groupId: string): boolean {
  return groupId === '' || ctx.broker.cluster.groupCoordinator(groupId) === ctx.node.nodeId;
}

/** The same for a transactional id (an empty one is INVALID_REQUEST, answered by the handler). */
export function coordinatesTransactionHere(ctx: RequestContext, transactionalId: string): boolean {
  return transactionalId === '' || ctx.broker.cluster.transactionCoordinator(transactionalId) === ctx.node.nodeId;
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
