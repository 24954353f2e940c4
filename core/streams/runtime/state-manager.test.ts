// ProcessorStateManager with a state directory: persistent stores in the task directory, the
// `.checkpoint` read on open and written on checkpoint / clean close, Kafka's exactly-once rules.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Serdes } from '../serdes.js';
import { OFFSET_UNKNOWN, OffsetCheckpoint } from '../state/checkpoint-file.js';
import { InMemoryKeyValueStore } from '../state/key-value-store.js';
import { LmdbKeyValueStore } from '../state/lmdb-key-value-store.js';
import { StateDirectory } from '../state/state-directory.js';
import { Stores } from '../state/stores.js';
import { StreamsBuilder } from '../topology/streams-builder.js';
import { OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT, ProcessorStateManager, TaskDirLockedError } from './state-manager.js';

const b = (s: string) => Buffer.from(s);
const COUNTS = 'app-counts-changelog';
const MEMORY = 'app-memory-changelog';

function topology() {
  const builder = new StreamsBuilder();
  const words = builder.stream('words', { key: Serdes.String(), value: Serdes.String() });
  words.groupByKey().count('counts');
  words.groupByKey().count(Stores.inMemoryKeyValueStore('memory'));
  return builder.build({ applicationId: 'app' });
}

let root: string;
let dir: StateDirectory;
const managers: ProcessorStateManager[] = [];
const open = (options: { eos?: boolean; owner?: string; directory?: StateDirectory | null } = {}) => {
  const m = new ProcessorStateManager('0_1', topology(), { stateDirectory: options.directory === undefined ? dir : options.directory, eos: options.eos, owner: options.owner });
  managers.push(m);
  return m;
};
const rows = (m: ProcessorStateManager, store: string) => [...m.store(store)!.all()].map(([k, v]) => [k.toString(), v.toString()]);
const checkpointFile = () => join(root, 'app', '0_1', '.checkpoint');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'state-manager-'));
  dir = new StateDirectory(root, 'app');
});
afterEach(() => {
  for (const m of managers.splice(0)) if (!m.closed) m.close({ clean: false });
  dir.close();
  rmSync(root, { recursive: true, force: true });
});

describe('ProcessorStateManager without a state directory', () => {
  it('keeps every store in memory and writes nothing', () => {
    const m = open({ directory: null });
    expect(m.store('counts')).toBeInstanceOf(InMemoryKeyValueStore);
    expect(m.taskDir).toBeNull();
    expect(m.opened.checkpoint).toBe('in-memory');
    m.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    m.checkpoint();
    m.close({ clean: true });
    expect(dir.listTaskDirs()).toEqual([]);
  });
});

describe('ProcessorStateManager with a state directory (at least once)', () => {
  it('opens persistent stores in the task directory and in-memory ones in memory', () => {
    const m = open();
    expect(m.store('counts')).toBeInstanceOf(LmdbKeyValueStore);
    expect(m.store('memory')).toBeInstanceOf(InMemoryKeyValueStore);
    expect(m.taskDir).toBe(join(root, 'app', '0_1'));
    expect(existsSync(join(root, 'app', '0_1', 'lmdb', 'counts', 'data.mdb'))).toBe(true);
    expect(m.opened).toEqual({ checkpoint: 'absent', wiped: null, error: null });
  });

  it("writes Kafka's checkpoint (last record offsets) for the persistent stores only", () => {
    const m = open();
    m.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }, { offset: 1, key: b('b'), value: b('2') }], 2);
    m.apply(MEMORY, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    m.checkpoint();
    expect(readFileSync(checkpointFile(), 'utf8')).toBe(`0\n1\n${COUNTS} 1 1\n`);
    expect((m.store('counts') as LmdbKeyValueStore).pendingWrites).toBe(0);
  });

  it('reopened after a clean close, has the data and resumes the changelog at the checkpoint', () => {
    const first = open();
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.noteWritten(COUNTS, 5);
    first.store('counts')!.put(b('b'), b('2'));
    first.apply(MEMORY, [{ offset: 0, key: b('m'), value: b('1') }], 1);
    first.close({ clean: true });
    expect(existsSync(join(root, 'app', '0_1', '.lock'))).toBe(false);

    const again = open();
    expect(again.opened.checkpoint).toBe('loaded');
    expect(again.changelogOffset(COUNTS)).toBe(5);
    expect(rows(again, 'counts')).toEqual([['a', '1'], ['b', '2']]);
    // The in-memory store starts empty and restores its whole changelog.
    expect(again.changelogOffset(MEMORY)).toBeNull();
    expect(rows(again, 'memory')).toEqual([]);
    expect(again.offsetSum()).toBe(5);
    // The checkpoint stays under at-least-once.
    expect(existsSync(checkpointFile())).toBe(true);
  });

  it('a store whose position was unknown is checkpointed as OFFSET_UNKNOWN and read back as unknown', () => {
    const first = open();
    first.close({ clean: true });
    expect(new OffsetCheckpoint(checkpointFile()).read()).toEqual([{ topic: COUNTS, partition: 1, offset: OFFSET_UNKNOWN }]);
    expect(open().changelogOffset(COUNTS)).toBeNull();
  });

  it('a dirty close drops unflushed writes and keeps the last checkpoint, which matches the disk', () => {
    const first = open();
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.checkpoint();
    first.apply(COUNTS, [{ offset: 1, key: b('b'), value: b('2') }], 2);
    first.close({ clean: false });
    const again = open();
    expect(again.changelogOffset(COUNTS)).toBe(1);
    expect(rows(again, 'counts')).toEqual([['a', '1']]);
  });

  it('keeps data found without a checkpoint and restores the changelog from its start over it', () => {
    const first = open();
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.close({ clean: true });
    rmSync(checkpointFile());
    const again = open();
    expect(again.opened).toEqual({ checkpoint: 'absent', wiped: null, error: null });
    expect(again.changelogOffset(COUNTS)).toBeNull();
    expect(rows(again, 'counts')).toEqual([['a', '1']]);
  });

  it('takes a corrupt checkpoint as none', () => {
    const first = open();
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.close({ clean: true });
    writeFileSync(checkpointFile(), '7\n1\nwhat 0 1\n');
    const again = open();
    expect(again.opened.checkpoint).toBe('unreadable');
    expect(again.opened.error).toMatch(/unknown version 7/);
    expect(again.changelogOffset(COUNTS)).toBeNull();
  });

  it('checkpoints when forced or past the offset threshold (maybeCheckpoint)', () => {
    const m = open();
    m.apply(COUNTS, [], 10);
    expect(m.maybeCheckpoint(false)).toBe(false);
    expect(existsSync(checkpointFile())).toBe(false);
    expect(m.maybeCheckpoint(true)).toBe(true);
    m.apply(COUNTS, [], 10 + OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT);
    expect(m.maybeCheckpoint(false)).toBe(false);
    m.apply(COUNTS, [], 11 + OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT);
    expect(m.maybeCheckpoint(false)).toBe(true);
    expect(new OffsetCheckpoint(checkpointFile()).read()[0]!.offset).toBe(10 + OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT);
  });

  it('holds the task directory while open: a second manager for the task is refused', () => {
    const m = open({ owner: 'thread-1' });
    expect(() => open({ owner: 'thread-2' })).toThrow(TaskDirLockedError);
    // Nor twice by the same owner: close the first one (a task becoming a standby here) first.
    expect(() => open({ owner: 'thread-1' })).toThrow(/already open here/);
    m.close({ clean: true });
    expect(open({ owner: 'thread-2' }).opened.checkpoint).toBe('loaded');
  });

  it('wipe() empties the stores on disk and forgets the offsets and the checkpoint', () => {
    const m = open();
    m.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    m.checkpoint();
    m.wipe();
    expect(m.changelogOffset(COUNTS)).toBeNull();
    expect(m.store('counts')!.size).toBe(0);
    expect(existsSync(checkpointFile())).toBe(false);
    m.close({ clean: false });
    expect(rows(open(), 'counts')).toEqual([]);
  });
});

describe('ProcessorStateManager with a state directory (exactly once)', () => {
  it('deletes the checkpoint as soon as it is loaded, keeping its offsets and data', () => {
    const first = open({ eos: true });
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.noteWritten(COUNTS, 3);
    first.close({ clean: true });
    expect(existsSync(checkpointFile())).toBe(true);

    const again = open({ eos: true });
    expect(existsSync(checkpointFile())).toBe(false);
    expect(again.opened).toEqual({ checkpoint: 'loaded', wiped: null, error: null });
    expect(again.changelogOffset(COUNTS)).toBe(3);
    expect(rows(again, 'counts')).toEqual([['a', '1']]);
  });

  it('wipes stores found with data but no checkpoint (a crash after the checkpoint was deleted) and restores fully', () => {
    const first = open({ eos: true });
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.close({ clean: true });
    const crashed = open({ eos: true }); // deletes the checkpoint on open ...
    crashed.store('counts')!.put(b('uncommitted'), b('x'));
    crashed.flush(); // ... and wrote to disk before "dying"
    // The process dies: its lock is left behind, stale, and the manager is never closed.
    dir.close();
    managers.splice(managers.indexOf(crashed), 1);
    (crashed.store('counts') as LmdbKeyValueStore).abandon();

    const again = open({ eos: true });
    expect(again.opened.wiped).toMatch(/store 'counts' has data but no checkpoint/);
    expect(again.changelogOffset(COUNTS)).toBeNull();
    expect(rows(again, 'counts')).toEqual([]);
  });

  it('a dirty close wipes the task, leaving no checkpoint', () => {
    const first = open({ eos: true });
    first.apply(COUNTS, [{ offset: 0, key: b('a'), value: b('1') }], 1);
    first.checkpoint(); // a suspend's checkpoint, say
    first.close({ clean: false });
    expect(existsSync(checkpointFile())).toBe(false);
    const again = open({ eos: true });
    expect(again.opened).toEqual({ checkpoint: 'absent', wiped: null, error: null });
    expect(rows(again, 'counts')).toEqual([]);
  });

  it('deleteCheckpointIfEos() removes the checkpoint of a resumed task', () => {
    const m = open({ eos: true });
    m.checkpoint();
    expect(existsSync(checkpointFile())).toBe(true);
    m.deleteCheckpointIfEos();
    expect(existsSync(checkpointFile())).toBe(false);
  });
});
