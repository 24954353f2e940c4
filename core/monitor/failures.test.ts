import { describe, expect, it } from 'vitest';
import { backoffMs, describeFailure } from './failures.js';

// Errors shaped as kafkajs 2.2.4 throws them (checked against a refused and an unknown host).
const kafkajsError = (name: string, message: string, inner?: object) => Object.assign(new Error(message), { name, originalError: inner });

describe('describeFailure', () => {
  it('names the address and the reason, not the stack', () => {
    const refused = kafkajsError(
      'KafkaJSNumberOfRetriesExceeded',
      'Connection error: connect ECONNREFUSED 127.0.0.1:1',
      Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED', broker: '127.0.0.1:1' }),
    );
    expect(describeFailure(refused, ['127.0.0.1:1'])).toBe('cannot reach 127.0.0.1:1 — connection refused');
    const unknownHost = kafkajsError(
      'KafkaJSNumberOfRetriesExceeded',
      'Connection error: getaddrinfo ENOTFOUND kafka.invalid',
      Object.assign(new Error('Connection error: getaddrinfo ENOTFOUND kafka.invalid'), { name: 'KafkaJSConnectionError', code: 'ENOTFOUND' }),
    );
    expect(describeFailure(unknownHost, ['kafka.invalid:9092', 'b:9092'])).toBe('cannot reach kafka.invalid:9092, b:9092 — host not found');
  });

  it('reads Node socket errors and kafkajs time-outs and authentication failures', () => {
    const node = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9092'), { code: 'ECONNREFUSED', address: '10.0.0.1', port: 9092 });
    expect(describeFailure(node, ['x:1'])).toBe('cannot reach 10.0.0.1:9092 — connection refused');
    expect(describeFailure(kafkajsError('KafkaJSConnectionError', 'Connection timeout'), ['h:9092'])).toBe('cannot reach h:9092 — connection timed out');
    expect(describeFailure(kafkajsError('KafkaJSSASLAuthenticationError', 'SASL PLAIN authentication failed'), ['h:9092'])).toBe(
      'h:9092: authentication failed — SASL PLAIN authentication failed',
    );
    expect(describeFailure(new Error('This server does not host this topic-partition'), ['h:9092'])).toBe(
      'h:9092: This server does not host this topic-partition',
    );
  });
});

describe('backoffMs', () => {
  it('doubles from 1 s and stays at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
});
