import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OffsetCheckpoint } from './checkpoint-file.js';
import { LOCK_FILE_NAME, PROCESS_FILE_NAME, StateDirectory, TaskDirLockedError } from './state-directory.js';

let root: string;
const dirs: StateDirectory[] = [];
const open = (app = 'app') => {
  const d = new StateDirectory(root, app);
  dirs.push(d);
  return d;
};
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'state-dir-'));
});
afterEach(() => {
  for (const d of dirs.splice(0)) d.close();
  rmSync(root, { recursive: true, force: true });
});

describe('StateDirectory', () => {
  it('keeps the process id in the metadata file, the same for every instance on the directory', () => {
    const first = open().processId;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(JSON.parse(readFileSync(join(root, 'app', PROCESS_FILE_NAME), 'utf8'))).toEqual({ processId: first });
    expect(open().processId).toBe(first);
    expect(open('other-app').processId).not.toBe(first);
  });

  it('makes a new process id when the metadata file is unreadable', () => {
    const d = open();
    writeFileSync(join(d.appDir, PROCESS_FILE_NAME), 'not json');
    const id = open().processId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(open().processId).toBe(id);
  });

  it('lays task directories out as <state dir>/<app>/<task> and lists them in task order', () => {
    const d = open();
    expect(d.taskDir('1_0')).toBe(join(root, 'app', '1_0'));
    d.taskDir('0_10');
    d.taskDir('0_2');
    mkdirSync(join(d.appDir, 'not-a-task'));
    expect(d.listTaskDirs()).toEqual(['0_2', '0_10', '1_0']);
    expect(d.storeDir('0_2', 'counts')).toBe(join(root, 'app', '0_2', 'lmdb', 'counts'));
    expect(() => d.taskDir('../x')).toThrow(RangeError);
  });

  it('lets one owner at a time hold a task, across instances of the class', () => {
    const a = open();
    const b = open();
    expect(a.lock('0_0', 'thread-1')).toBe(true);
    expect(a.lock('0_0', 'thread-1')).toBe(true); // again, by its holder
    expect(b.lock('0_0', 'thread-2')).toBe(false);
    expect(b.lockOwner('0_0')).toBe('thread-1');
    expect(JSON.parse(readFileSync(join(a.taskDir('0_0'), LOCK_FILE_NAME), 'utf8'))).toMatchObject({ owner: 'thread-1', pid: process.pid });
    b.unlock('0_0', 'thread-2'); // not its lock: nothing happens
    expect(b.lock('0_0', 'thread-2')).toBe(false);
    a.unlock('0_0', 'thread-1');
    expect(existsSync(join(a.taskDir('0_0'), LOCK_FILE_NAME))).toBe(false);
    expect(b.lock('0_0', 'thread-2')).toBe(true);
  });

  it('refuses a task whose lock file another live process holds, and takes over one of a dead process', () => {
    const d = open();
    const lockFile = join(d.taskDir('0_1'), LOCK_FILE_NAME);
    writeFileSync(lockFile, JSON.stringify({ owner: 'other', pid: process.ppid, threadId: 0, processId: null, since: '' }));
    expect(d.lock('0_1', 'me')).toBe(false);
    expect(() => d.wipeTask('0_1')).toThrow(TaskDirLockedError);
    // A pid above the kernel's pid_max: no such process.
    writeFileSync(lockFile, JSON.stringify({ owner: 'dead', pid: 2 ** 22 + 7, threadId: 0, processId: null, since: '' }));
    expect(d.lock('0_1', 'me')).toBe(true);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).owner).toBe('me');
  });

  it('takes over a lock file of this process that no one here holds (an owner that never unlocked, a killed worker)', () => {
    const d = open();
    // As a StateDirectory of this thread writes it, but no one here holds it in memory.
    writeFileSync(join(d.taskDir('0_3'), LOCK_FILE_NAME), JSON.stringify({ owner: 'gone', pid: process.pid, threadId, processId: null, since: '' }));
    expect(d.lock('0_3', 'new')).toBe(true);
    // So is one of another worker thread of this process: a terminated (killed) instance's.
    writeFileSync(join(d.taskDir('0_4'), LOCK_FILE_NAME), JSON.stringify({ owner: 'worker', pid: process.pid, threadId: threadId + 1, processId: null, since: '' }));
    expect(d.lock('0_4', 'new')).toBe(true);
  });

  it('wipes a task: all of it when no one holds it, all but the lock while its holder does', () => {
    const d = open();
    new OffsetCheckpoint(d.checkpointFile('0_0')).write([{ topic: 't', partition: 0, offset: 1 }]);
    mkdirSync(d.storeDir('0_0', 's'), { recursive: true });
    expect(d.taskDirIsEmpty('0_0')).toBe(false);
    d.wipeTask('0_0');
    expect(existsSync(join(d.appDir, '0_0'))).toBe(false);
    expect(d.listTaskDirs()).toEqual([]);
    expect(d.lock('0_0', 'me')).toBe(true);
    mkdirSync(d.storeDir('0_0', 's'), { recursive: true });
    d.wipeTask('0_0');
    expect(d.taskDirIsEmpty('0_0')).toBe(true);
    expect(existsSync(join(d.taskDir('0_0'), LOCK_FILE_NAME))).toBe(true);
  });

  it('reads task offset sums from the checkpoints of tasks it does not run', () => {
    const d = open();
    new OffsetCheckpoint(d.checkpointFile('0_0')).write([{ topic: 'a', partition: 0, offset: 9 }, { topic: 'b', partition: 0, offset: 4 }]);
    new OffsetCheckpoint(d.checkpointFile('0_1')).write([{ topic: 'a', partition: 1, offset: 3 }]);
    writeFileSync(d.checkpointFile('0_2'), 'garbage');
    expect(d.checkpointedOffsetSums(['0_1'])).toEqual(new Map([['0_0', 15]]));
  });
});
