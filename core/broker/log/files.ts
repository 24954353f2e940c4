// Small durable files in a partition directory: the log-start-offset checkpoint and the
// clean-shutdown marker.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_START_OFFSET_FILE = 'log-start-offset.checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
const CHECKPOINT_VERSION = 0;

/** fsync a directory so renames/creations/unlinks in it survive a crash. */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported everywhere (e.g. some platforms refuse fsync on directories): best effort.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Writes `content` to dir/name atomically: temporary file, fsync, rename, fsync the dir. */
export function writeFileAtomic(dir: string, name: string, content: string): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

/** Format, like Kafka's checkpoint files: a version line, then the value. */
export function writeLogStartOffset(dir: string, offset: number): void {
  writeFileAtomic(dir, LOG_START_OFFSET_FILE, `${CHECKPOINT_VERSION}\n${offset}\n`);
}

/** The checkpointed log start offset, or null if there is none (or it is unreadable). */
export function readLogStartOffset(dir: string): number | null {
  const path = join(dir, LOG_START_OFFSET_FILE);
  if (!existsSync(path)) return null;
  const [version, value] = readFileSync(path, 'utf8').split('\n');
  const offset = Number(value);
  if (Number(version) !== CHECKPOINT_VERSION || !Number.isSafeInteger(offset) || offset < 0) return null;
  return offset;
}

/** True if the marker was there; it is removed (durably) so a later crash is not taken as clean. */
export function consumeCleanShutdownMarker(dir: string): boolean {
  const path = join(dir, CLEAN_SHUTDOWN_FILE);
  if (!existsSync(path)) return false;
  unlinkSync(path);
  fsyncDir(dir);
  return true;
}

export function writeCleanShutdownMarker(dir: string): void {
  writeFileAtomic(dir, CLEAN_SHUTDOWN_FILE, `${new Date().toISOString()}\n`);
}
