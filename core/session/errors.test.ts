import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/errors.js';
import { CommandFailure, describeKafkaFailure, issuesText, memberRemovalFailure, withTimeout } from './errors.js';

/** kafkajs' shape: a retrier's error wrapping the connection error in originalError. */
function wrapped(inner: object): Error {
  return Object.assign(new Error('Connection error: …'), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: inner });
}

describe('describeKafkaFailure', () => {
  it('names the socket-level reason', () => {
    const refused = wrapped(Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' }));
    expect(describeKafkaFailure(refused, 'x', '127.0.0.1:1')).toMatchObject({ code: 'unreachable', message: 'cannot reach 127.0.0.1:1: connection refused' });
    const dns = wrapped(Object.assign(new Error('getaddrinfo ENOTFOUND kafka'), { name: 'KafkaJSConnectionError', code: 'ENOTFOUND' }));
    expect(describeKafkaFailure(dns, 'x', 'kafka:9092').message).toBe('cannot reach kafka:9092: host not found');
    const timeout = Object.assign(new Error('Request Metadata(key: 3, version: 6) timed out'), { name: 'KafkaJSRequestTimeoutError' });
    expect(describeKafkaFailure(timeout, 'x', 'k:1').message).toBe('cannot reach k:1: no answer from a Kafka broker (request timed out)');
  });

  it('says when the credentials were refused', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA256 authentication failed: invalid credentials'), { name: 'KafkaJSSASLAuthenticationError' });
    expect(describeKafkaFailure(sasl, 'x', 'k:9093')).toMatchObject({ code: 'auth_failed', message: expect.stringMatching(/^authentication to k:9093 failed: SASL SCRAM/) });
  });

  it('keeps a Kafka error type next to its message', () => {
    const e = Object.assign(new Error('Topic with this name already exists'), { name: 'KafkaJSProtocolError', type: 'TOPIC_ALREADY_EXISTS' });
    expect(describeKafkaFailure(e, 'topics.create', 'k:1').message).toBe('topics.create failed: Topic with this name already exists (TOPIC_ALREADY_EXISTS)');
    const mine = new CommandFailure('as it was', 'conflict');
    expect(describeKafkaFailure(mine, 'x', 'k:1')).toBe(mine);
  });
});

describe('withTimeout and issuesText', () => {
  it('bounds a promise with a CommandFailure that says what timed out', async () => {
    await expect(withTimeout(new Promise(() => {}), 20, 'connecting to k:1')).rejects.toMatchObject({ code: 'timeout', message: 'connecting to k:1 timed out after 20 ms' });
    await expect(withTimeout(Promise.resolve(7), 20, 'x')).resolves.toBe(7);
  });

  it('writes zod issues on one line', () => {
    expect(issuesText([{ path: ['args'], message: 'Invalid input: expected nonoptional, received undefined' }, { path: [], message: 'bad' }])).toBe('args: required; (value): bad');
  });
});

describe('memberRemovalFailure', () => {
  // What the group coordinator answers a removal with, as the operator reads it.
  const cases: [number, boolean, string, string][] = [
    [ErrorCode.UNKNOWN_MEMBER_ID, true, 'not_found', 'static member i-1 is not a member of group g (any more): it has left, timed out or been removed already'],
    [ErrorCode.UNKNOWN_MEMBER_ID, false, 'not_found', 'group g not found on the cluster'],
    [ErrorCode.GROUP_ID_NOT_FOUND, true, 'not_found', 'group g not found on the cluster'],
    [ErrorCode.FENCED_INSTANCE_ID, true, 'conflict', 'static member i-1: its group.instance.id is held by another member id now (the instance rejoined); look again and retry'],
    [ErrorCode.GROUP_AUTHORIZATION_FAILED, true, 'auth_failed', 'not authorized to remove members of group g (GROUP_AUTHORIZATION_FAILED)'],
    [ErrorCode.UNSUPPORTED_VERSION, true, 'unsupported', 'the cluster cannot remove static member i-1: removing a static member needs LeaveGroup v3 (Kafka 2.4 or later)'],
    [ErrorCode.REBALANCE_IN_PROGRESS, true, 'internal', 'removing static member i-1 from group g failed: REBALANCE_IN_PROGRESS'],
  ];
  it.each(cases)('error %i (group exists: %s) → %s', (code, exists, kind, message) => {
    expect(memberRemovalFailure(code, 'static member i-1', 'g', exists).toCommandError()).toEqual({ code: kind, message });
  });
});
