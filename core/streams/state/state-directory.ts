// Kafka Streams' StateDirectory: where an application's local state lives on this machine.
//
//   <state.dir>/<application.id>/
//     kafka-streams-process-metadata    {"processId":"<uuid>"}: this instance's process id, kept
//                                       across restarts so the assignor sees the same client
//     <subtopology>_<partition>/        one directory per task with state
//       .lock                           who has the task open (owner, pid, thread)
//       .checkpoint                     changelog offsets of the persistent stores
//       lmdb/<store>/data.mdb           each persistent store (Kafka: rocksdb/<store>/)
//
// A task directory is opened by one owner at a time: the lock is held in this thread's memory
// and in the `.lock` file, so a second owner in this thread, or another process on the same
// directory, is refused. A lock file whose process is gone is stale and taken over; so is one of
// this process that this thread does not hold: worker threads cannot see each other's memory, and
// a terminated worker (a killed instance) cannot release its files — the supervisor runs one
// worker per instance state directory at a time, so such a file is always a dead worker's.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { OFFSET_UNKNOWN, OffsetCheckpoint, syncDirectory } from './checkpoint-file.js';

export const PROCESS_FILE_NAME = 'kafka-streams-process-metadata';
export const CHECKPOINT_FILE_NAME = '.checkpoint';
export const LOCK_FILE_NAME = '.lock';
/** Where a task's persistent stores live, under its directory (Kafka's is `rocksdb`). */
export const STORES_DIR_NAME = 'lmdb';
const TASK_DIR = /^\d+_\d+$/;
/** A lock file still being written (or left half-written) is taken as held for this long. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;

export class TaskDirLockedError extends Error {
  override readonly name = 'TaskDirLockedError';
}

interface LockFile {
  owner: string;
  pid: number;
  threadId: number;
  processId: string | null;
  since: string;
}

/** Locks held by this thread, by lock file path: shared by every StateDirectory of the thread. */
const heldLocks = new Map<string, string>();

export class StateDirectory {
  readonly appDir: string;
  #processId: string | null = null;

  constructor(
    readonly stateDir: string,
    readonly applicationId: string,
  ) {
    if (!/^[a-zA-Z0-9._-]+$/.test(applicationId)) throw new RangeError(`'${applicationId}' is not an application id`);
    this.appDir = join(stateDir, applicationId);
    mkdirSync(this.appDir, { recursive: true, mode: 0o750 });
  }

  /**
   * This instance's process id: read from the metadata file, or made and written there when the
   * file is missing or unreadable (Kafka's initializeProcessId).
   */
  get processId(): string {
    if (this.#processId !== null) return this.#processId;
    const file = join(this.appDir, PROCESS_FILE_NAME);
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { processId?: unknown };
      if (typeof data.processId === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(data.processId)) {
        return (this.#processId = data.processId.toLowerCase());
      }
    } catch {
      // Missing or unreadable: a new id replaces it.
    }
    const processId = randomUUID();
    const temp = `${file}.tmp`;
    writeFileSync(temp, JSON.stringify({ processId }));
    renameSync(temp, file);
    syncDirectory(this.appDir);
    return (this.#processId = processId);
  }

  /** The task's directory, created if missing. */
  taskDir(taskId: string): string {
    if (!TASK_DIR.test(taskId)) throw new RangeError(`'${taskId}' is not a task id`);
    const dir = join(this.appDir, taskId);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    return dir;
  }

  checkpointFile(taskId: string): string {
    return join(this.taskDir(taskId), CHECKPOINT_FILE_NAME);
  }

  /** Directory of one persistent store of a task. */
  storeDir(taskId: string, store: string): string {
    return join(this.taskDir(taskId), STORES_DIR_NAME, store);
  }

  /** Task ids that have a directory here, sorted. */
  listTaskDirs(): string[] {
    if (!existsSync(this.appDir)) return [];
    return readdirSync(this.appDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && TASK_DIR.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => {
        const [as, ap] = a.split('_').map(Number) as [number, number];
        const [bs, bp] = b.split('_').map(Number) as [number, number];
        return as - bs || ap - bp;
      });
  }

  /** True when the task directory holds nothing but its lock and checkpoint (Kafka's directoryForTaskIsEmpty). */
  taskDirIsEmpty(taskId: string): boolean {
    const dir = join(this.appDir, taskId);
    if (!existsSync(dir)) return true;
    return readdirSync(dir).every((name) => name === CHECKPOINT_FILE_NAME || name === LOCK_FILE_NAME || name === `${CHECKPOINT_FILE_NAME}.tmp`);
  }

  /**
   * Takes the task directory for `owner`; true if it now holds it (again), false if another
   * owner — in this thread or another process — has it.
   */
  lock(taskId: string, owner: string): boolean {
    const file = join(this.taskDir(taskId), LOCK_FILE_NAME);
    const holder = heldLocks.get(file);
    if (holder !== undefined) return holder === owner;
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(file, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (!this.#isStale(file)) return false;
        rmSync(file, { force: true });
        continue;
      }
      try {
        const content: LockFile = { owner, pid: process.pid, threadId, processId: this.#processId, since: new Date().toISOString() };
        writeSync(fd, JSON.stringify(content));
      } finally {
        closeSync(fd);
      }
      heldLocks.set(file, owner);
      return true;
    }
    return false;
  }

  /** Gives the task directory up, if `owner` holds it. */
  unlock(taskId: string, owner: string): void {
    const file = join(this.appDir, taskId, LOCK_FILE_NAME);
    if (heldLocks.get(file) !== owner) return;
    heldLocks.delete(file);
    rmSync(file, { force: true });
  }

  /** Who holds the task directory in this thread (null: no one here; another thread or process may). */
  lockOwner(taskId: string): string | null {
    return heldLocks.get(join(this.appDir, taskId, LOCK_FILE_NAME)) ?? null;
  }

  /**
   * Removes the task's state: the whole directory, or everything but the lock file while someone
   * here holds the lock (so the holder keeps it). Refuses a task another owner holds.
   */
  wipeTask(taskId: string): void {
    const dir = join(this.appDir, taskId);
    if (!existsSync(dir)) return;
    const lockFile = join(dir, LOCK_FILE_NAME);
    if (heldLocks.has(lockFile)) {
      for (const name of readdirSync(dir)) if (name !== LOCK_FILE_NAME) rmSync(join(dir, name), { recursive: true, force: true });
      return;
    }
    if (existsSync(lockFile) && !this.#isStale(lockFile)) throw new TaskDirLockedError(`task ${taskId}'s state directory is locked by another owner`);
    rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Task offset sums read from the checkpoints of task directories not in `except` (the tasks
   * this client runs, whose sums come from their state managers) and not held by another owner:
   * what Kafka Streams reports in its subscription for state it has but does not run, so the
   * assignor can give the task back to where its state is. Sums of next offsets, as
   * ProcessorStateManager.offsetSum(); unreadable checkpoints are skipped.
   */
  checkpointedOffsetSums(except: Iterable<string> = []): Map<string, number> {
    const skip = new Set(except);
    const sums = new Map<string, number>();
    for (const taskId of this.listTaskDirs()) {
      if (skip.has(taskId)) continue;
      const lockFile = join(this.appDir, taskId, LOCK_FILE_NAME);
      if (!heldLocks.has(lockFile) && existsSync(lockFile) && !this.#isStale(lockFile)) continue;
      let entries;
      try {
        entries = new OffsetCheckpoint(join(this.appDir, taskId, CHECKPOINT_FILE_NAME)).read();
      } catch {
        continue;
      }
      const known = entries.filter((e) => e.offset !== OFFSET_UNKNOWN);
      if (known.length > 0) sums.set(taskId, known.reduce((sum, e) => sum + e.offset + 1, 0));
    }
    return sums;
  }

  /** Gives up every lock this thread holds under this application directory (shutdown). */
  close(): void {
    for (const [file] of heldLocks) {
      if (!file.startsWith(this.appDir)) continue;
      heldLocks.delete(file);
      rmSync(file, { force: true });
    }
  }

  #isStale(file: string): boolean {
    let lock: LockFile;
    try {
      lock = JSON.parse(readFileSync(file, 'utf8')) as LockFile;
      if (typeof lock.pid !== 'number') throw new Error('no pid');
    } catch {
      try {
        return Date.now() - statSync(file).mtimeMs > UNREADABLE_LOCK_GRACE_MS;
      } catch {
        return true; // gone meanwhile
      }
    }
    // A lock file of this process that this thread does not hold in memory: left by an owner
    // that never unlocked — in this thread, or in a worker thread that was terminated (a killed
    // instance; the supervisor runs one worker per instance state directory at a time, and a
    // terminated thread cannot release its files). Another process's lock holds while it lives.
    if (lock.pid === process.pid) return true;
    return !processAlive(lock.pid);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
