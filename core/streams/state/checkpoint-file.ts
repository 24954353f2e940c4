// Kafka Streams' OffsetCheckpoint file (a task's `.checkpoint`): how far into each changelog
// partition the task's persistent stores are, in Kafka's text format so either side can read
// the other's:
//
//   0                      version
//   2                      number of entries
//   app-counts-changelog 3 41
//   app-sums-changelog 3 7
//
// An offset is the changelog offset of the last record the store holds (restoring resumes at
// offset + 1), or OFFSET_UNKNOWN (-4) for a store whose position is not known. The file is
// replaced atomically — a temp file written and fsynced, renamed over it, the directory fsynced
// — so a crash leaves the old file or the new one, never half of one. Reading checks the version,
// the count and every line; a file that fails is a CheckpointFileError, which a state manager
// treats as having no checkpoint.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export const CHECKPOINT_VERSION = 0;
/** Kafka's sentinel for a store whose changelog position is unknown (not -1, -2, -3: those mean other things). */
export const OFFSET_UNKNOWN = -4;

export interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

export class CheckpointFileError extends Error {
  override readonly name = 'CheckpointFileError';
}

const isValidOffset = (offset: number) => Number.isSafeInteger(offset) && (offset >= 0 || offset === OFFSET_UNKNOWN);

export class OffsetCheckpoint {
  constructor(readonly file: string) {}

  /**
   * Replaces the file with these offsets (each >= 0 or OFFSET_UNKNOWN); with none, deletes it, as
   * Kafka does. Throws a RangeError for any other offset, writing nothing.
   */
  write(entries: readonly CheckpointEntry[]): void {
    if (entries.length === 0) {
      this.delete();
      return;
    }
    const seen = new Set<string>();
    for (const e of entries) {
      if (!isValidOffset(e.offset)) throw new RangeError(`checkpoint ${this.file}: offset ${e.offset} of ${e.topic}-${e.partition} is not >= 0 nor OFFSET_UNKNOWN`);
      if (!/^[a-zA-Z0-9._-]+$/.test(e.topic)) throw new RangeError(`checkpoint ${this.file}: '${e.topic}' is not a topic name`);
      if (!Number.isInteger(e.partition) || e.partition < 0) throw new RangeError(`checkpoint ${this.file}: bad partition ${e.partition}`);
      const key = `${e.topic}\0${e.partition}`;
      if (seen.has(key)) throw new RangeError(`checkpoint ${this.file}: ${e.topic}-${e.partition} given twice`);
      seen.add(key);
    }
    const text = `${CHECKPOINT_VERSION}\n${entries.length}\n${entries.map((e) => `${e.topic} ${e.partition} ${e.offset}\n`).join('')}`;
    const temp = `${this.file}.tmp`;
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    syncDirectory(dirname(this.file));
  }

  /**
   * The offsets in the file; none when there is no file. A file that is not a valid version-0
   * checkpoint throws a CheckpointFileError. Negative offsets other than OFFSET_UNKNOWN are
   * skipped (and not counted), as Kafka skips them.
   */
  read(): CheckpointEntry[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    const fail = (why: string): never => {
      throw new CheckpointFileError(`checkpoint ${this.file}: ${why}`);
    };
    const int = (line: string | undefined, what: string): number => {
      if (line === undefined) return fail(`file ended before its ${what}`);
      if (!/^[+-]?\d{1,10}$/.test(line)) return fail(`${what} '${line}' is not a number`);
      return Number(line);
    };
    const version = int(lines[0], 'version');
    if (version !== CHECKPOINT_VERSION) fail(`unknown version ${version}`);
    let expected = int(lines[1], 'entry count');
    const out = new Map<string, CheckpointEntry>();
    for (const line of lines.slice(2)) {
      const pieces = line.split(/\s+/);
      if (pieces.length !== 3) fail(`malformed line '${line}'`);
      const [topic, partitionText, offsetText] = pieces as [string, string, string];
      if (!/^[+-]?\d+$/.test(partitionText) || !/^[+-]?\d+$/.test(offsetText)) fail(`malformed line '${line}'`);
      const partition = Number(partitionText);
      const offset = Number(offsetText);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(partition) || partition < 0) fail(`malformed line '${line}'`);
      if (isValidOffset(offset)) out.set(`${topic}\0${partition}`, { topic, partition, offset });
      else expected--;
    }
    if (out.size !== expected) fail(`expected ${expected} entries but found ${out.size}`);
    return [...out.values()];
  }

  delete(): void {
    rmSync(this.file, { force: true });
  }
}

/** Makes a rename in `dir` durable (Kafka's atomicMoveWithFallback flushes the parent too). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not every platform lets a directory be opened or fsynced (Windows): the rename stands.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
