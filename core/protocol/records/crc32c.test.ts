import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

const require = createRequire(import.meta.url);
// kafkajs's pure-JS CRC-32C, an independent implementation to compare against.
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('is unsigned and 0 for empty input', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeGreaterThan(0);
  });

  it('accepts plain Uint8Arrays', () => {
    expect(crc32c(new Uint8Array(Buffer.from('123456789')))).toBe(0xe3069283);
  });

  it('agrees with kafkajs on random buffers', () => {
    for (let i = 0; i < 50; i++) {
      const b = randomBytes(i * 37);
      expect(crc32c(b)).toBe(kafkajsCrc32c(b));
    }
  });
});
