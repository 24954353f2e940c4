import { commandAvailable } from '../../testing/commands.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Compression } from './batch.js';
import { compress, decompress } from './compression.js';
import { lz4CompressFrame, lz4DecompressFrames } from './lz4.js';
import { snappyCompressXerial, snappyDecompress, snappyDecompressRaw } from './snappy.js';
import { zstdCompress, zstdDecompress } from './zstd.js';

// Independent decoders, as witnesses that our output is what other implementations read.
const require = createRequire(import.meta.url);
const lz4js = require('lz4js') as { decompress(b: Uint8Array): Uint8Array };
const snappyjs = require('snappyjs') as { uncompress(b: Buffer): Buffer };

const SMALL = Buffer.from('hello kafka lz4 frame! '.repeat(6) + 'the end.');
const MAX = 1 << 30;
const SKIPPABLE = Buffer.from('502a4d1803000000414243', 'hex'); // the same magic range in lz4 and zstd


/** Deterministic PRNG (xorshift32), so a failing mutation can be replayed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return Math.floor(((s >>> 0) / 0x1_0000_0000) * n);
  };
}

const samples: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([7])],
  ['short text', SMALL],
  ['random 100 KiB', randomBytes(100 * 1024)],
  ['zeros 300 KiB', Buffer.alloc(300 * 1024)],
  ['mixed 200 KiB', Buffer.concat(Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? randomBytes(512) : Buffer.alloc(512, i))))],
];
const MIXED = samples[5]![1];

describe('codec round trips', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    for (const [name, data] of samples) {
      it(`${codec}: ${name}`, () => {
        expect(decompress(codec, compress(codec, data)).equals(data)).toBe(true);
      });
    }
  }

  it('every codec compresses', () => {
    const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(2000));
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) expect(compress(codec, text).length).toBeLessThan(text.length / 5);
  });

  it('compresses from a view into a larger buffer', () => {
    const backing = Buffer.concat([Buffer.alloc(100, 1), SMALL, Buffer.alloc(100, 2)]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 100, SMALL.length);
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) expect(decompress(codec, compress(codec, view)).equals(SMALL)).toBe(true);
  });

  // Random damage to valid payloads: each codec either decodes something or throws an Error,
  // never crashes the process or throws a non-Error.
  for (const codec of ['snappy', 'lz4', 'zstd'] as const satisfies Compression[]) {
    it(`${codec}: mutated payloads decode or throw an Error`, () => {
      const rand = prng(0x5eed + codec.length);
      const valid = compress(codec, MIXED);
      let rejected = 0;
      for (let i = 0; i < 400; i++) {
        const b = Buffer.from(valid);
        for (let k = 1 + rand(3); k > 0; k--) b[rand(b.length)] = rand(256);
        const cut = rand(4) === 0 ? b.subarray(0, rand(b.length)) : b;
        try {
          decompress(codec, cut, 1 << 24);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          rejected++;
        }
      }
      expect(rejected).toBeGreaterThan(0);
    });
  }
});

describe('lz4 frames', () => {
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

  it('detects damaged checksums, sizes and framing', () => {
    const withSums = Buffer.from(cliFrames[0]![1], 'hex');
    const badBlock = Buffer.from(withSums);
    badBlock[20] = badBlock[20]! ^ 1;
    expect(() => lz4DecompressFrames(badBlock, MAX)).toThrow(/lz4: corrupt frame/);
    const badContent = Buffer.from(withSums);
    badContent[badContent.length - 1] = badContent[badContent.length - 1]! ^ 1;
    expect(() => lz4DecompressFrames(badContent, MAX)).toThrow(/lz4: corrupt frame/);
    const badHeader = Buffer.from(withSums);
    badHeader[6] = badHeader[6]! ^ 1;
    expect(() => lz4DecompressFrames(badHeader, MAX)).toThrow(/lz4: corrupt frame \(HeaderChecksum/);
    expect(() => lz4DecompressFrames(withSums.subarray(0, 30), MAX)).toThrow(/truncated/);
    expect(() => lz4DecompressFrames(Buffer.alloc(0), MAX)).toThrow(/empty/);
    expect(() => lz4DecompressFrames(Buffer.from('not lz4 at all'), MAX)).toThrow(/magic/);
    expect(() => lz4DecompressFrames(Buffer.concat([withSums, Buffer.from('junk')]), MAX)).toThrow(/magic/);
    expect(() => lz4DecompressFrames(lz4CompressFrame(Buffer.alloc(100_000)), 1000)).toThrow(/exceeds 1000/);
  });

  it('writes version-1 frames of independent blocks with the KIP-57 header checksum', () => {
    const frame = lz4CompressFrame(SMALL);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60); // version 01, block independence, no checksums or content size
    expect(frame[5]).toBe(0x40); // 64 KiB blocks
    expect(frame[6]).toBe(0x82); // what `lz4 -B4 --no-frame-crc` writes for these two bytes
  });

  it('is readable by lz4js', () => {
    for (const [, data] of samples) expect(Buffer.from(lz4js.decompress(lz4CompressFrame(data))).equals(data)).toBe(true);
  });

  it('decodes concatenated frames and skips skippable frames', () => {
    const joined = Buffer.concat([lz4CompressFrame(Buffer.from('ab')), SKIPPABLE, lz4CompressFrame(Buffer.from('cd'))]);
    expect(lz4DecompressFrames(joined, MAX).toString()).toBe('abcd');
  });

  const cli = commandAvailable('lz4');
  const dir = mkdtempSync(join(tmpdir(), 'sw-lz4-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!cli)('round-trips through the lz4 CLI both ways, in every frame variant', () => {
    for (const [, data] of samples) {
      writeFileSync(join(dir, 'ours.lz4'), lz4CompressFrame(data));
      execFileSync('lz4', ['-q', '-d', '-f', join(dir, 'ours.lz4'), join(dir, 'ours.out')]);
      expect(readFileSync(join(dir, 'ours.out')).equals(data)).toBe(true);
    }
    writeFileSync(join(dir, 'in.bin'), MIXED);
    for (const flags of [['-B4'], ['-B4', '-BX'], ['-B4', '-BD'], ['-B5', '--content-size'], ['-B7', '--no-frame-crc'], ['-B4', '-BD', '-BX', '-9']]) {
      execFileSync('lz4', ['-q', '-f', ...flags, join(dir, 'in.bin'), join(dir, 'cli.lz4')]);
      expect(lz4DecompressFrames(readFileSync(join(dir, 'cli.lz4')), MAX).equals(MIXED)).toBe(true);
    }
  });
});

describe('snappy', () => {
  it('decodes hand-made raw snappy', () => {
    // length 5, literal "hello"
    expect(snappyDecompressRaw(Buffer.from('051068656c6c6f', 'hex'), MAX).toString()).toBe('hello');
    // length 12, literal "abc", then a 1-byte-offset copy of 9 bytes from 3 back (overlapping)
    expect(snappyDecompressRaw(Buffer.from('0c086162631503', 'hex'), MAX).toString()).toBe('abcabcabcabc');
  });

  it('rejects corrupt raw snappy', () => {
    expect(() => snappyDecompressRaw(Buffer.from('0c0861626315', 'hex'), MAX)).toThrow(/snappy: corrupt input/); // truncated copy
    expect(() => snappyDecompressRaw(Buffer.from('0c086162631504', 'hex'), MAX)).toThrow(/offset/);
    expect(() => snappyDecompressRaw(Buffer.from('0d086162631503', 'hex'), MAX)).toThrow(/expected 13/);
    expect(() => snappyDecompressRaw(Buffer.from('0c08616263', 'hex'), MAX)).toThrow(/snappy: corrupt input/); // short
    expect(() => snappyDecompressRaw(Buffer.from('ffffffffff0f', 'hex'), MAX)).toThrow(/bad uncompressed length/);
    expect(() => snappyDecompressRaw(Buffer.alloc(0), MAX)).toThrow(/bad uncompressed length/);
    expect(() => snappyDecompressRaw(Buffer.from('051068656c6c6f', 'hex'), 4)).toThrow(/exceeds/);
  });

  it('rejects a block whose copy reaches past the end of the view it is given', () => {
    // The literal "hello" sits beyond the view: the decoder must not read it.
    const backing = Buffer.from('051068656c6c6f', 'hex');
    expect(() => snappyDecompressRaw(backing.subarray(0, 4), MAX)).toThrow(/snappy: corrupt input/);
  });

  it("writes the xerial framing with snappy-java's header", () => {
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

  it('rejects damaged xerial framing and corrupt blocks inside it', () => {
    const good = snappyCompressXerial(MIXED);
    expect(() => snappyDecompress(good.subarray(0, 18), MAX)).toThrow(/truncated xerial block length/);
    const long = Buffer.from(good);
    long.writeInt32BE(good.length, 16);
    expect(() => snappyDecompress(long, MAX)).toThrow(/runs past the data/);
    const inner = Buffer.from(good);
    inner[22] = inner[22]! ^ 0xff;
    expect(() => snappyDecompress(inner, MAX)).toThrow(/snappy/);
    expect(() => snappyDecompress(good, MIXED.length - 1)).toThrow(/exceeds/);
  });

  it('reads raw snappy (single block) as well as xerial', () => {
    const raw = Buffer.from('0c086162631503', 'hex');
    expect(snappyDecompress(raw, MAX).toString()).toBe('abcabcabcabc');
    expect(decompress('snappy', raw).toString()).toBe('abcabcabcabc');
  });
});

describe('zstd', () => {
  // Written by the zstd 1.5.4 CLI from SMALL.
  const cliFrame = Buffer.from('28b52ffd2492350100f868656c6c6f206b61666b61206c7a34206672616d65212074686520656e642e0100a1a6b30982f73d63', 'hex');

  it('decodes a real zstd frame', () => {
    expect(decompress('zstd', cliFrame).equals(SMALL)).toBe(true);
  });

  it('writes single-segment frames that declare their size', () => {
    const frame = zstdCompress(SMALL);
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(frame[4]! & 0x20).toBe(0x20); // single segment
  });

  it('decodes concatenated frames and skips skippable frames', () => {
    const joined = Buffer.concat([cliFrame, SKIPPABLE, zstdCompress(Buffer.from('!'))]);
    expect(decompress('zstd', joined).toString()).toBe(SMALL.toString() + '!');
  });

  it('refuses output beyond the limit, declared or not', () => {
    expect(() => zstdDecompress(zstdCompress(Buffer.alloc(300_000)), 100_000)).toThrow(/declare 300000 bytes, which exceeds 100000/);
    // No content size (as streaming writers leave it): raw block of 200 bytes, RLE block of 100 000.
    const raw = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50]), Buffer.from([(200 << 3) & 0xff, 200 >> 5, 0]), Buffer.alloc(200, 7)]);
    const rleHeader = 1 | (1 << 1) | (100_000 << 3);
    const unsized = Buffer.concat([raw, Buffer.from([rleHeader & 0xff, (rleHeader >> 8) & 0xff, rleHeader >> 16, 9])]);
    expect(zstdDecompress(unsized, MAX).equals(Buffer.concat([Buffer.alloc(200, 7), Buffer.alloc(100_000, 9)]))).toBe(true);
    expect(() => zstdDecompress(unsized, 100_000)).toThrow(/may decode to 100200 bytes, which exceeds 100000/);
  });

  it('rejects damaged frames with a clear error', () => {
    expect(() => zstdDecompress(Buffer.alloc(0), MAX)).toThrow(/empty/);
    expect(() => zstdDecompress(Buffer.from('garbage garbage'), MAX)).toThrow(/bad frame magic/);
    expect(() => zstdDecompress(cliFrame.subarray(0, 20), MAX)).toThrow(/truncated block/);
    expect(() => zstdDecompress(Buffer.concat([cliFrame, Buffer.from('junk')]), MAX)).toThrow(/magic/);
    const badSum = Buffer.from(cliFrame);
    badSum[badSum.length - 1] = badSum[badSum.length - 1]! ^ 1;
    expect(() => zstdDecompress(badSum, MAX)).toThrow(/zstd: checksum mismatch/);
    const dict = Buffer.from(cliFrame);
    dict[4] = dict[4]! | 0x01;
    expect(() => zstdDecompress(dict, MAX)).toThrow(/dictionary/);
    // Inside a compressed block (no checksum in our frames, as in librdkafka's: the batch CRC
    // covers the payload), damage surfaces as corrupt data or a size that does not add up.
    const damaged = zstdCompress(Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: i, name: `user ${i % 37}` })))));
    expect(damaged[7]! & 6).toBe(4); // after magic, descriptor and 2-byte size: a compressed block
    for (let i = 20; i < 60; i++) damaged[i] = 0xaa;
    expect(() => zstdDecompress(damaged, MAX)).toThrow(/^zstd: (corrupt data|frame decodes to more than it declares|wrong compressed size)/);
  });

  const cli = commandAvailable('zstd');
  it.skipIf(!cli)('round-trips through the zstd CLI both ways, with and without a declared size', () => {
    const run = (args: string[], input: Buffer) => execFileSync('zstd', ['-q', ...args], { input, maxBuffer: 1 << 26 });
    for (const [, data] of samples) {
      expect(run(['-d', '-c'], zstdCompress(data)).equals(data)).toBe(true);
      // From a pipe the CLI streams: no content size in the header.
      for (const flags of [['-3'], ['-1', '--no-check'], ['-19'], ['--fast=5']]) expect(zstdDecompress(run(['-c', ...flags], data), MAX).equals(data)).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'sw-zstd-'));
    try {
      writeFileSync(join(dir, 'in.bin'), MIXED);
      execFileSync('zstd', ['-q', '-f', join(dir, 'in.bin'), '-o', join(dir, 'in.zst')]); // from a file: size declared
      const sized = readFileSync(join(dir, 'in.zst'));
      expect(zstdDecompress(sized, MAX).equals(MIXED)).toBe(true);
      expect(zstdDecompress(Buffer.concat([sized, sized]), MAX).equals(Buffer.concat([MIXED, MIXED]))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
