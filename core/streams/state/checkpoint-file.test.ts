import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointFileError, OFFSET_UNKNOWN, OffsetCheckpoint } from './checkpoint-file.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
  file = join(dir, '.checkpoint');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('OffsetCheckpoint', () => {
  it("writes Kafka's format and reads it back", () => {
    const cp = new OffsetCheckpoint(file);
    const entries = [
      { topic: 'app-counts-changelog', partition: 3, offset: 41 },
      { topic: 'app-sums-changelog', partition: 3, offset: OFFSET_UNKNOWN },
      { topic: 'app-zero-changelog', partition: 0, offset: 0 },
    ];
    cp.write(entries);
    expect(readFileSync(file, 'utf8')).toBe('0\n3\napp-counts-changelog 3 41\napp-sums-changelog 3 -4\napp-zero-changelog 0 0\n');
    expect(cp.read()).toEqual(entries);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  it('reads no offsets when there is no file; writing none deletes the file', () => {
    const cp = new OffsetCheckpoint(file);
    expect(cp.read()).toEqual([]);
    cp.write([{ topic: 't', partition: 0, offset: 1 }]);
    cp.write([]);
    expect(existsSync(file)).toBe(false);
  });

  it('replaces the file whole: a leftover temp file from a crash changes nothing', () => {
    const cp = new OffsetCheckpoint(file);
    cp.write([{ topic: 't', partition: 0, offset: 1 }]);
    writeFileSync(`${file}.tmp`, '0\n1\nt 0'); // a write cut short before its rename
    expect(cp.read()).toEqual([{ topic: 't', partition: 0, offset: 1 }]);
    cp.write([{ topic: 't', partition: 0, offset: 2 }, { topic: 'u', partition: 0, offset: 5 }]);
    expect(cp.read()).toEqual([{ topic: 't', partition: 0, offset: 2 }, { topic: 'u', partition: 0, offset: 5 }]);
    expect(readFileSync(file, 'utf8')).toBe('0\n2\nt 0 2\nu 0 5\n');
  });

  it('refuses to write a negative offset other than OFFSET_UNKNOWN, leaving the old file', () => {
    const cp = new OffsetCheckpoint(file);
    cp.write([{ topic: 't', partition: 0, offset: 1 }]);
    expect(() => cp.write([{ topic: 't', partition: 0, offset: -1 }])).toThrow(RangeError);
    expect(cp.read()).toEqual([{ topic: 't', partition: 0, offset: 1 }]);
  });

  it('reads CRLF line ends and skips (and does not count) other negative offsets, as Kafka does', () => {
    writeFileSync(file, '0\r\n2\r\nt 0 7\r\nu 1 -1\r\n');
    expect(new OffsetCheckpoint(file).read()).toEqual([{ topic: 't', partition: 0, offset: 7 }]);
  });

  it.each([
    ['an empty file', ''],
    ['an unknown version', '1\n1\nt 0 7\n'],
    ['a version that is not a number', 'x\n1\nt 0 7\n'],
    ['no count', '0\n'],
    ['fewer entries than counted', '0\n2\nt 0 7\n'],
    ['more entries than counted', '0\n1\nt 0 7\nu 0 8\n'],
    ['a line with two fields', '0\n1\nt 7\n'],
    ['an offset that is not a number', '0\n1\nt 0 seven\n'],
    ['a blank line', '0\n1\n\nt 0 7\n'],
    ['the same partition twice', '0\n2\nt 0 7\nt 0 8\n'],
  ])('rejects %s as corrupt', (_what, text) => {
    writeFileSync(file, text);
    expect(() => new OffsetCheckpoint(file).read()).toThrow(CheckpointFileError);
  });
});
