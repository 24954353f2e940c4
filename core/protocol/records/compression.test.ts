import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compress, decompress } from './compression.js';
import { lz4CompressFrame, lz4DecompressFrames, xxh32 } from './lz4.js';
import { snappyCompressXerial, snappyDecompress, snappyDecompressRaw } from './snappy.js';
import { zstdStoreFrame } from './zstd.js';

const require = createRequire(import.meta.url);
const lz4js = require('lz4js') as { decompress(b: Uint8Array): Uint8Array };
const lz4jsXxh32 = require('lz4js/xxh32.js') as { hash(seed: number, buf: Uint8Array, offset: number, len: number): number };
const snappyjs = require('snappyjs') as { uncompress(b: Buffer): Buffer };

const SMALL = Buffer.from('hello kafka lz4 frame! '.repeat(6) + 'the end.');
const MAX = 1 << 30;

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const samples: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([7])],
  ['short text', SMALL],
  ['random 100 KiB', randomBytes(100 * 1024)],
  ['zeros 300 KiB', Buffer.alloc(300 * 1024)],
  ['mixed 200 KiB', Buffer.concat(Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? randomBytes(512) : Buffer.alloc(512, i))))],
];

describe('codec round trips', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    for (const [name, data] of samples) {
      it(`${codec}: ${name}`, () => {
        expect(decompress(codec, compress(codec, data)).equals(data)).toBe(true);
      });
    }
  }

  it('compression actually compresses where a real encoder exists', () => {
    const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(2000));
    for (const codec of ['gzip', 'snappy', 'lz4'] as const) expect(compress(codec, text).length).toBeLessThan(text.length / 5);
  });
});

describe('lz4 frames', () => {
  it('xxh32 agrees with known values and with lz4js', () => {
    expect(xxh32(Buffer.alloc(0))).toBe(0x02cc5d05);
    for (const n of [1, 3, 15, 16, 17, 100, 1000]) {
      const b = randomBytes(n);
      expect(xxh32(b)).toBe(lz4jsXxh32.hash(0, b, 0, n) >>> 0);
    }
  });

  // Written by the lz4 1.9.4 CLI from SMALL (146 bytes), 64 KiB blocks.
  const cliFrames: [string, string][] = [
    ['block checksums + content checksum (-BX)', '04224d187440bd25000000ff0868656c6c6f206b61666b61206c7a34206672616d6521201700608074686520656e642e2d299dc200000000c3589bde'],
    ['content size, no content checksum', '04224d18684092000000000000004225000000ff0868656c6c6f206b61666b61206c7a34206672616d6521201700608074686520656e642e00000000'],
    ['dependent blocks (-BD)', '04224d186440a725000000ff0868656c6c6f206b61666b61206c7a34206672616d6521201700608074686520656e642e00000000c3589bde'],
  ];
  for (const [name, hex] of cliFrames) {
    it(`decodes a CLI frame: ${name}`, () => {
      expect(lz4DecompressFrames(Buffer.from(hex, 'hex'), MAX).toString()).toBe(SMALL.toString());
    });
  }

  it('detects damaged checksums and sizes', () => {
    const withSums = Buffer.from(cliFrames[0]![1], 'hex');
    const badBlock = Buffer.from(withSums);
    badBlock[20] = badBlock[20]! ^ 1;
    expect(() => lz4DecompressFrames(badBlock, MAX)).toThrow(/checksum|lz4/);
    const badHeader = Buffer.from(withSums);
    badHeader[6] = badHeader[6]! ^ 1;
    expect(() => lz4DecompressFrames(badHeader, MAX)).toThrow(/header checksum/);
    expect(() => lz4DecompressFrames(withSums.subarray(0, 30), MAX)).toThrow(/truncated/);
    expect(() => lz4DecompressFrames(Buffer.from('not lz4 at all'), MAX)).toThrow(/magic/);
    expect(() => lz4DecompressFrames(lz4CompressFrame(Buffer.alloc(100_000)), 1000)).toThrow(/exceeds/);
  });

  it('writes independent 64 KiB blocks with a valid header checksum', () => {
    const frame = lz4CompressFrame(Buffer.alloc(10));
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60); // version 01, block independence
    expect(frame[5]).toBe(0x40); // 64 KiB
    expect(frame[6]).toBe((xxh32(frame.subarray(4, 6)) >>> 8) & 0xff);
  });

  it('is readable by lz4js', () => {
    for (const [, data] of samples) expect(Buffer.from(lz4js.decompress(lz4CompressFrame(data))).equals(data)).toBe(true);
  });

  it('decodes concatenated frames and skips skippable frames', () => {
    const skippable = Buffer.from('502a4d1803000000414243', 'hex');
    const joined = Buffer.concat([lz4CompressFrame(Buffer.from('ab')), skippable, lz4CompressFrame(Buffer.from('cd'))]);
    expect(lz4DecompressFrames(joined, MAX).toString()).toBe('abcd');
  });

  it('never throws anything but an Error on mutated frames', () => {
    const frame = lz4CompressFrame(samples[5]![1]);
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(frame);
      b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      try {
        lz4DecompressFrames(b, 1 << 24);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
  });

  const cli = hasTool('lz4');
  const dir = mkdtempSync(join(tmpdir(), 'sw-lz4-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!cli)('round-trips through the lz4 CLI both ways, in every frame variant', () => {
    const data = samples[5]![1];
    writeFileSync(join(dir, 'ours.lz4'), lz4CompressFrame(data));
    execFileSync('lz4', ['-q', '-d', '-f', join(dir, 'ours.lz4'), join(dir, 'ours.out')]);
    expect(readFileSync(join(dir, 'ours.out')).equals(data)).toBe(true);
    writeFileSync(join(dir, 'in.bin'), data);
    for (const flags of [['-B4'], ['-B4', '-BX'], ['-B4', '-BD'], ['-B5', '--content-size'], ['-B7', '--no-frame-crc'], ['-B4', '-BD', '-BX', '-9']]) {
      execFileSync('lz4', ['-q', '-f', ...flags, join(dir, 'in.bin'), join(dir, 'cli.lz4')]);
      expect(lz4DecompressFrames(readFileSync(join(dir, 'cli.lz4')), MAX).equals(data)).toBe(true);
    }
  });
});

describe('snappy', () => {
  it('decodes hand-made raw snappy', () => {
    // length 5, literal "hello"
    expect(snappyDecompressRaw(Buffer.from('051068656c6c6f', 'hex'), 0, 7, MAX).toString()).toBe('hello');
    // length 12, literal "abc", then a 1-byte-offset copy of 9 bytes from 3 back (overlapping)
    expect(snappyDecompressRaw(Buffer.from('0c086162631503', 'hex'), 0, 7, MAX).toString()).toBe('abcabcabcabc');
  });

  it('rejects corrupt raw snappy', () => {
    expect(() => snappyDecompressRaw(Buffer.from('0c0861626315', 'hex'), 0, 6, MAX)).toThrow(/truncated/);
    expect(() => snappyDecompressRaw(Buffer.from('0c086162631504', 'hex'), 0, 7, MAX)).toThrow(/offset/);
    expect(() => snappyDecompressRaw(Buffer.from('0d086162631503', 'hex'), 0, 7, MAX)).toThrow(/declares 13/);
    expect(() => snappyDecompressRaw(Buffer.from('051068656c6c6f', 'hex'), 0, 7, 4)).toThrow(/exceeds/);
  });

  it('writes the xerial framing with snappy-java\'s header', () => {
    const out = snappyCompressXerial(Buffer.alloc(70_000, 1));
    expect(out.subarray(0, 16).toString('hex')).toBe('82534e4150505900' + '00000001' + '00000001');
    // 70 000 bytes → blocks of 32 KiB, 32 KiB, 4464 bytes, each readable by snappyjs.
    let pos = 16;
    const sizes: number[] = [];
    while (pos < out.length) {
      const n = out.readInt32BE(pos);
      sizes.push(snappyjs.uncompress(out.subarray(pos + 4, pos + 4 + n)).length);
      pos += 4 + n;
    }
    expect(sizes).toEqual([32768, 32768, 4464]);
  });

  it('reads raw snappy (single block) as well as xerial', () => {
    const raw = Buffer.from('0c086162631503', 'hex');
    expect(snappyDecompress(raw, MAX).toString()).toBe('abcabcabcabc');
    expect(decompress('snappy', raw).toString()).toBe('abcabcabcabc');
  });
});

describe('zstd', () => {
  // Written by the zstd 1.5.4 CLI from SMALL.
  const cliFrame = '28b52ffd2492350100f868656c6c6f206b61666b61206c7a34206672616d65212074686520656e642e0100a1a6b30982f73d63';

  it('decodes a real zstd frame', () => {
    expect(decompress('zstd', Buffer.from(cliFrame, 'hex')).equals(SMALL)).toBe(true);
  });

  it('decodes concatenated frames', () => {
    const two = Buffer.concat([Buffer.from(cliFrame, 'hex'), zstdStoreFrame(Buffer.from('!'))]);
    expect(decompress('zstd', two).toString()).toBe(SMALL.toString() + '!');
  });

  it('refuses output beyond the limit', () => {
    expect(() => decompress('zstd', zstdStoreFrame(Buffer.alloc(300_000)), 100_000)).toThrow(/exceeds/);
  });

  it.skipIf(!hasTool('zstd'))('writes stored-block frames the zstd CLI accepts', () => {
    for (const [, data] of samples) {
      expect(execFileSync('zstd', ['-q', '-d', '-c'], { input: zstdStoreFrame(data), maxBuffer: 1 << 26 }).equals(data)).toBe(true);
    }
  });
});

describe('gzip', () => {
  it('reads multi-member gzip and refuses output beyond the limit', () => {
    const two = Buffer.concat([gzipSync('ab'), gzipSync('cd')]);
    expect(decompress('gzip', two).toString()).toBe('abcd');
    expect(() => decompress('gzip', gzipSync(Buffer.alloc(100_000)), 1000)).toThrow();
  });
});
