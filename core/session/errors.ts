// Failures as they leave the session: a CommandError message a Kafka user understands, never a
// stack trace. kafkajs wraps errors (retriers add `originalError`, Error `cause`), so the
// description walks the chain to the socket- or protocol-level cause.
import type { CommandError } from './api.js';
import { errorName } from '../protocol/errors.js';

export type CommandErrorCode =
  | 'unknown_command'
  | 'invalid_args'
  | 'invalid_result'
  | 'not_connected'
  | 'unreachable'
  | 'auth_failed'
  | 'not_found'
  | 'conflict'
  | 'timeout'
  | 'unsupported'
  | 'internal';

/** A command failed; `message` is what the operator reads. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    message: string,
    readonly code: CommandErrorCode = 'internal',
  ) {
    super(message);
  }

  toCommandError(): CommandError {
    return { message: this.message, code: this.code };
  }
}

interface MaybeKafkaError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  type?: unknown;
  originalError?: unknown;
  cause?: unknown;
}

function chain(err: unknown): MaybeKafkaError[] {
  const seen = new Set<unknown>();
  const out: MaybeKafkaError[] = [];
  let e = err;
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    out.push(e as MaybeKafkaError);
    const next = e as MaybeKafkaError;
    e = next.originalError ?? next.cause;
  }
  return out;
}

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  EADDRNOTAVAIL: 'address not available',
};

/** The plain-words reason of a connection-level failure, or null when it is not one. */
export function connectionReason(err: unknown): string | null {
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && SOCKET_CODES[e.code] !== undefined) return SOCKET_CODES[e.code]!;
  }
  for (const e of chain(err)) {
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (name === 'KafkaJSConnectionClosedError' || /Closed connection/i.test(message)) return 'connection closed by the server (is it a Kafka listener, and does it expect TLS?)';
    if (/Connection timeout/i.test(message)) return 'connection timed out';
    if (name === 'KafkaJSRequestTimeoutError' || /Broker not connected|Request .*timed out/i.test(message)) return 'no answer from a Kafka broker (request timed out)';
    if (/SSL|TLS|certificate|self[- ]signed|wrong version number/i.test(message)) return `TLS handshake failed: ${message.replace(/^Connection error: /, '')}`;
    if (name === 'KafkaJSConnectionError') return message.replace(/^Connection error: /, '');
  }
  return null;
}

/** True when the failure is the server refusing the credentials (SASL). */
export function isAuthFailure(err: unknown): boolean {
  return chain(err).some((e) => e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED' || e.type === 'ILLEGAL_SASL_STATE' || e.type === 'UNSUPPORTED_SASL_MECHANISM');
}

/** The innermost meaningful message of an error chain, without kafkajs' prefixes. */
export function plainMessage(err: unknown): string {
  const links = chain(err);
  // Prefer a Kafka error type (e.g. TOPIC_ALREADY_EXISTS) or the innermost message.
  for (const e of links) {
    if (typeof e.type === 'string' && e.type !== 'UNKNOWN' && typeof e.message === 'string') return `${e.message} (${e.type})`;
  }
  const inner = links[links.length - 1];
  const message = typeof inner?.message === 'string' && inner.message.length > 0 ? inner.message : err instanceof Error ? err.message : String(err);
  return message.replace(/^Connection error: /, '');
}

/**
 * A CommandFailure for a failed cluster call: "cannot reach 127.0.0.1:1: connection refused",
 * "authentication failed for alice: …", or "<what>: <reason>".
 */
export function describeKafkaFailure(err: unknown, what: string, bootstrap: string): CommandFailure {
  if (err instanceof CommandFailure) return err;
  if (isAuthFailure(err)) return new CommandFailure(`authentication to ${bootstrap} failed: ${plainMessage(err)}`, 'auth_failed');
  const reason = connectionReason(err);
  if (reason !== null) return new CommandFailure(`cannot reach ${bootstrap}: ${reason}`, 'unreachable');
  return new CommandFailure(`${what} failed: ${plainMessage(err)}`, 'internal');
}

/**
 * Why the group coordinator refused to remove a member on its behalf (LeaveGroup), in words.
 * Kafka answers UNKNOWN_MEMBER_ID both for a member it does not hold and for a group that does
 * not exist (GroupMetadataManager.classicGroupLeave), so the caller says which it found.
 */
export function memberRemovalFailure(errorCode: number, member: string, groupId: string, groupExists: boolean): CommandFailure {
  switch (errorName(errorCode)) {
    case 'UNKNOWN_MEMBER_ID':
      return groupExists
        ? new CommandFailure(`${member} is not a member of group ${groupId} (any more): it has left, timed out or been removed already`, 'not_found')
        : new CommandFailure(`group ${groupId} not found on the cluster`, 'not_found');
    case 'GROUP_ID_NOT_FOUND':
      return new CommandFailure(`group ${groupId} not found on the cluster`, 'not_found');
    case 'FENCED_INSTANCE_ID':
      return new CommandFailure(`${member}: its group.instance.id is held by another member id now (the instance rejoined); look again and retry`, 'conflict');
    case 'GROUP_AUTHORIZATION_FAILED':
      return new CommandFailure(`not authorized to remove members of group ${groupId} (GROUP_AUTHORIZATION_FAILED)`, 'auth_failed');
    case 'UNSUPPORTED_VERSION':
      return new CommandFailure(`the cluster cannot remove ${member}: removing a static member needs LeaveGroup v3 (Kafka 2.4 or later)`, 'unsupported');
    default:
      return new CommandFailure(`removing ${member} from group ${groupId} failed: ${errorName(errorCode)}`, 'internal');
  }
}

/** Rejects with a CommandFailure (code timeout) when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandFailure(`${what} timed out after ${formatMs(ms)}`, 'timeout')), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** zod issues in a line: "count: too big: expected number to be <=16; app: required". */
export function issuesText(issues: readonly { path: readonly PropertyKey[]; message: string }[], max = 5): string {
  const text = issues.slice(0, max).map((i) => {
    const message = /^Invalid input: expected \w+, received undefined$/.test(i.message) ? 'required' : i.message;
    return `${i.path.map(String).join('.') || '(value)'}: ${message}`;
  });
  if (issues.length > max) text.push(`and ${issues.length - max} more`);
  return text.join('; ');
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
