// Kafka Streams' AssignmentInfo: the user data the group leader hands each stream thread with its
// partitions (AssignmentInfo.java, hand-encoded with DataOutputStream: big-endian ints, strings as
// writeUTF = uint16 length + bytes). What each version carries after `version int32`, in order, is
// the table LAYOUT below. Task ids are subtopology int32, partition int32, and from v10 a
// named-topology name (int32 char count + UTF-16 chars; always empty here, dropped when read).
//
// activeTasks lists one task per assigned partition, in the order of the consumer-protocol
// assignment's partitions sorted by topic, then partition (that is how a member maps partitions
// to tasks: activeTaskList / partitionTasks below). Standby tasks carry
// their partitions. partitionsByHost maps each instance's `application.server` to the partitions
// its actives (and, v6+, separately its standbys) own, for interactive queries.
import { ProtocolError, Reader, Writer } from '../../../protocol/primitives.js';
import { parseTaskId, taskId, type TaskId, type TopicPartition } from '../tasks.js';
import { LATEST_SUPPORTED_VERSION, MIN_NAMED_TOPOLOGY_VERSION, UNKNOWN_VERSION } from './protocol-versions.js';
import { TaskAssignmentError } from './task-assignment-error.js';

/** A topic-partition and the active task it belongs to. */
export interface PartitionTask extends TopicPartition {
  task: TaskId;
}

/** Kafka Streams' PARTITION_COMPARATOR: topic (Java's String.compareTo: UTF-16 code units, as JS `<`), then partition. */
export function comparePartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/**
 * The leader's side (StreamsPartitionAssignor.populateActiveTaskAndPartitionsLists): one entry per
 * partition of each active task, sorted by partition, so that `activeTasks[i]` is the task of the
 * i-th partition of the member's assignment in sorted order.
 */
export function activeTaskList(tasks: Iterable<{ task: TaskId; partitions: readonly TopicPartition[] }>): {
  partitions: TopicPartition[];
  activeTasks: TaskId[];
} {
  const pairs = [...tasks].flatMap(({ task, partitions }) => partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition, task })));
  pairs.sort(comparePartitions);
  return { partitions: pairs.map(({ topic, partition }) => ({ topic, partition })), activeTasks: pairs.map((p) => p.task) };
}

/**
 * The member's side (StreamsPartitionAssignor.getActiveTasks): the assigned partitions, sorted,
 * paired with `activeTasks` by position. Null when the two lists are not the same length, so that
 * no partition is paired with a guess.
 */
export function partitionTasks(partitions: readonly TopicPartition[], activeTasks: readonly TaskId[]): PartitionTask[] | null {
  if (partitions.length !== activeTasks.length) return null;
  return [...partitions].sort(comparePartitions).map((tp, i) => ({ topic: tp.topic, partition: tp.partition, task: activeTasks[i]! }));
}

export interface HostPartitions {
  host: string;
  port: number;
  partitions: TopicPartition[];
}

export interface AssignmentInfo {
  version: number;
  /** The newest version every member supports; UNKNOWN_VERSION (-1) in versions 1 and 2. */
  commonlySupportedVersion: number;
  activeTasks: TaskId[];
  standbyTasks: Map<TaskId, TopicPartition[]>;
  partitionsByHost: HostPartitions[];
  standbyPartitionsByHost: HostPartitions[];
  /** AssignorError code: 0 none, 1 incomplete source topic metadata, 2 version probing, ... */
  errorCode: number;
  /** When this member should rejoin (a probing rebalance); 0 = at once; null = never (Long.MAX_VALUE on the wire). */
  nextRebalanceMs: number | null;
}

export type AssignmentInfoInput = Pick<AssignmentInfo, 'activeTasks'> & Partial<Omit<AssignmentInfo, 'version' | 'activeTasks'>>;

const NO_REBALANCE = 0x7fffffffffffffffn; // Long.MAX_VALUE

// Java's writeUTF/readUTF use "modified UTF-8", identical to UTF-8 for strings without NUL or
// characters outside the BMP, which topic names (and host names) never contain.
function writeUtf(w: Writer, s: string): void {
  const n = Buffer.byteLength(s);
  if (n > 0xffff) throw new TaskAssignmentError(`string of ${n} bytes is too long for AssignmentInfo`);
  w.uint16(n).utf8(s, n);
}

function readUtf(r: Reader): string {
  return r.string(r.uint16());
}

function writeTaskId(w: Writer, task: TaskId, version: number): void {
  const { subtopology, partition } = parseTaskId(task);
  w.int32(subtopology).int32(partition);
  if (version >= MIN_NAMED_TOPOLOGY_VERSION) w.int32(0); // no named topology
}

function readTaskId(r: Reader, version: number): TaskId {
  const id = taskId(r.int32(), r.int32());
  if (version >= MIN_NAMED_TOPOLOGY_VERSION) r.skip(2 * r.count(r.int32(), 2)); // named topology: dropped
  return id;
}

function writePartitions(w: Writer, partitions: readonly TopicPartition[]): void {
  w.int32(partitions.length);
  for (const tp of partitions) {
    writeUtf(w, tp.topic);
    w.int32(tp.partition);
  }
}

function readPartitions(r: Reader): TopicPartition[] {
  const n = r.count(r.int32(), 6);
  return Array.from({ length: n }, () => ({ topic: readUtf(r), partition: r.int32() }));
}

function writeTasks(w: Writer, a: AssignmentInfo): void {
  w.int32(a.activeTasks.length);
  for (const t of a.activeTasks) writeTaskId(w, t, a.version);
  w.int32(a.standbyTasks.size);
  for (const [t, partitions] of a.standbyTasks) {
    writeTaskId(w, t, a.version);
    writePartitions(w, partitions);
  }
}

function readTasks(r: Reader, a: AssignmentInfo): void {
  const active = r.count(r.int32(), 8);
  for (let i = 0; i < active; i++) a.activeTasks.push(readTaskId(r, a.version));
  const standby = r.count(r.int32(), 12);
  for (let i = 0; i < standby; i++) a.standbyTasks.set(readTaskId(r, a.version), readPartitions(r));
}

function writeHosts(w: Writer, hosts: readonly HostPartitions[], writeList: (w: Writer, tps: readonly TopicPartition[]) => void): void {
  w.int32(hosts.length);
  for (const h of hosts) {
    writeUtf(w, h.host);
    w.int32(h.port);
    writeList(w, h.partitions);
  }
}

function readHosts(r: Reader, readList: (r: Reader) => TopicPartition[]): HostPartitions[] {
  const n = r.count(r.int32(), 10);
  return Array.from({ length: n }, () => ({ host: readUtf(r), port: r.int32(), partitions: readList(r) }));
}

// Versions 5+: topic names once in a dictionary (index int32, name), partitions as (index, partition).
function writeDictionaryHosts(w: Writer, ...hostMaps: (readonly HostPartitions[])[]): void {
  const index = new Map<string, number>();
  for (const hosts of hostMaps) for (const h of hosts) for (const tp of h.partitions) if (!index.has(tp.topic)) index.set(tp.topic, index.size);
  w.int32(index.size);
  for (const [topic, i] of index) writeUtf(w.int32(i), topic);
  const writeList = (w: Writer, tps: readonly TopicPartition[]) => {
    w.int32(tps.length);
    for (const tp of tps) w.int32(index.get(tp.topic)!).int32(tp.partition);
  };
  for (const hosts of hostMaps) writeHosts(w, hosts, writeList);
}

function readDictionaryHosts(r: Reader, count: number): HostPartitions[][] {
  const topics = new Map<number, string>();
  const size = r.count(r.int32(), 6);
  for (let i = 0; i < size; i++) topics.set(r.int32(), readUtf(r));
  const readList = (r: Reader) => {
    const n = r.count(r.int32(), 8);
    return Array.from({ length: n }, () => {
      const i = r.int32();
      const topic = topics.get(i);
      if (topic === undefined) throw new TaskAssignmentError(`cannot decode AssignmentInfo: topic index ${i} is not in its dictionary`);
      return { topic, partition: r.int32() };
    });
  };
  return Array.from({ length: count }, () => readHosts(r, readList));
}

interface Section {
  write(w: Writer, a: AssignmentInfo): void;
  read(r: Reader, a: AssignmentInfo): void;
}

const SECTIONS = {
  commonlySupportedVersion: { write: (w, a) => void w.int32(a.commonlySupportedVersion), read: (r, a) => void (a.commonlySupportedVersion = r.int32()) },
  tasks: { write: writeTasks, read: readTasks },
  partitionsByHost: {
    write: (w, a) => writeHosts(w, a.partitionsByHost, writePartitions),
    read: (r, a) => void (a.partitionsByHost = readHosts(r, readPartitions)),
  },
  partitionsByHostDictionary: {
    write: (w, a) => writeDictionaryHosts(w, a.partitionsByHost),
    read: (r, a) => void ([a.partitionsByHost] = readDictionaryHosts(r, 1) as [HostPartitions[]]),
  },
  activeAndStandbyHostPartitions: {
    write: (w, a) => writeDictionaryHosts(w, a.partitionsByHost, a.standbyPartitionsByHost),
    read: (r, a) => void ([a.partitionsByHost, a.standbyPartitionsByHost] = readDictionaryHosts(r, 2) as [HostPartitions[], HostPartitions[]]),
  },
  errorCode: { write: (w, a) => void w.int32(a.errorCode), read: (r, a) => void (a.errorCode = r.int32()) },
  nextRebalanceMs: {
    write: (w, a) => void w.raw(int64Bytes(a.nextRebalanceMs === null ? NO_REBALANCE : BigInt(a.nextRebalanceMs))),
    read: (r, a) => {
      const v = r.slice(8).readBigInt64BE();
      a.nextRebalanceMs = v === NO_REBALANCE ? null : Number(v);
    },
  },
} satisfies Record<string, Section>;

type SectionName = keyof typeof SECTIONS;

/** AssignmentInfo.encode's switch as data: what follows `version` in each version. */
const LAYOUT: Record<number, readonly SectionName[]> = {
  1: ['tasks'],
  2: ['tasks', 'partitionsByHost'],
  3: ['commonlySupportedVersion', 'tasks', 'partitionsByHost'],
  4: ['commonlySupportedVersion', 'tasks', 'partitionsByHost', 'errorCode'],
  5: ['commonlySupportedVersion', 'tasks', 'partitionsByHostDictionary', 'errorCode'],
  6: ['commonlySupportedVersion', 'tasks', 'activeAndStandbyHostPartitions', 'errorCode'],
};
for (let v = 7; v <= LATEST_SUPPORTED_VERSION; v++) {
  LAYOUT[v] = ['commonlySupportedVersion', 'tasks', 'activeAndStandbyHostPartitions', 'errorCode', 'nextRebalanceMs'];
}

function int64Bytes(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
}

function layoutOf(version: number): readonly SectionName[] {
  const layout = LAYOUT[version];
  if (layout === undefined) {
    throw new TaskAssignmentError(`AssignmentInfo version ${version} is unknown (1 to ${LATEST_SUPPORTED_VERSION} are)`);
  }
  return layout;
}

/** The bytes a Kafka Streams leader of `version` (default: the latest, 11) sends one member. */
export function encodeAssignmentInfo(input: AssignmentInfoInput, version = LATEST_SUPPORTED_VERSION): Buffer {
  const a: AssignmentInfo = {
    version,
    commonlySupportedVersion: input.commonlySupportedVersion ?? LATEST_SUPPORTED_VERSION,
    activeTasks: input.activeTasks,
    standbyTasks: input.standbyTasks ?? new Map(),
    partitionsByHost: input.partitionsByHost ?? [],
    standbyPartitionsByHost: input.standbyPartitionsByHost ?? [],
    errorCode: input.errorCode ?? 0,
    nextRebalanceMs: input.nextRebalanceMs ?? null,
  };
  const w = new Writer();
  w.int32(version);
  for (const s of layoutOf(version)) SECTIONS[s].write(w, a);
  return w.toBuffer();
}

/** Reads any version from 1 to the latest; bytes after the known fields are ignored, as Kafka does. */
export function decodeAssignmentInfo(buf: Buffer): AssignmentInfo {
  try {
    const r = new Reader(buf);
    const a: AssignmentInfo = {
      version: r.int32(),
      commonlySupportedVersion: UNKNOWN_VERSION,
      activeTasks: [],
      standbyTasks: new Map(),
      partitionsByHost: [],
      standbyPartitionsByHost: [],
      errorCode: 0,
      nextRebalanceMs: null,
    };
    for (const s of layoutOf(a.version)) SECTIONS[s].read(r, a);
    return a;
  } catch (e) {
    if (e instanceof ProtocolError) throw new TaskAssignmentError(`cannot decode AssignmentInfo: ${e.message}`);
    throw e;
  }
}
