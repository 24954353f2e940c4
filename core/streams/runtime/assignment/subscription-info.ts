// Kafka Streams' SubscriptionInfo: the user data every stream thread puts in its consumer-protocol
// subscription (Kafka's SubscriptionInfo.java over SubscriptionInfoData.json). Plain Kafka message
// layout, not flexible, so it is a schema table read by core/protocol's one codec:
//
//   v1  version int32, processId uuid, prevTasks [subtopology int32, partition int32], standbyTasks [...]
//   v2  + userEndPoint bytes (application.server, "host:port")
//   v3  + latestSupportedVersion int32 (after version)
//   v7  prev/standby tasks replaced by taskOffsetSums [subtopology, [partition, offsetSum int64]]
//   v8  + uniqueField int8 (makes each rejoin's subscription differ)     v9  + errorCode int32
//   v10 taskOffsetSums flat: [subtopology, partition, offsetSum, namedTopology nullable string]
//   v11 + clientTags [key bytes, value bytes] (rack-aware standbys)
//
// One representation for every version: task offset sums. Versions 1-6 carry only task sets, read
// as Kafka does: a previous active task is LATEST_OFFSET, a standby UNKNOWN_OFFSET_SUM.
// Named topologies (an internal Kafka Streams feature) are dropped: task ids are
// `<subtopology>_<partition>`.
import { decode, encode } from '../../../protocol/codec.js';
import { ProtocolError, Reader } from '../../../protocol/primitives.js';
import { MAX_VERSION as MAX, type FieldSchema, type MessageSchema } from '../../../protocol/schema/types.js';
import { parseTaskId, sortTasks, taskId, type TaskId } from '../tasks.js';
import { processIdFromBytes, processIdToBytes, type ProcessId } from './process-id.js';
import { LATEST_SUPPORTED_VERSION, MIN_NAMED_TOPOLOGY_VERSION, UNKNOWN_VERSION } from './protocol-versions.js';
import { TaskAssignmentError } from './task-assignment-error.js';

/** Task.LATEST_OFFSET: the task runs as an active task on this client right now. */
export const LATEST_OFFSET = -2;
/** SubscriptionInfo.UNKNOWN_OFFSET_SUM: state present, amount unknown (v1-6 standbys; end offsets not fetched). */
export const UNKNOWN_OFFSET_SUM = -3;
/** Task offset sums arrive from version 7 on; before, task sets. */
const MIN_VERSION_OFFSET_SUM_SUBSCRIPTION = 7;

const TASK_ID: readonly FieldSchema[] = [
  { name: 'topicGroupId', type: 'int32', versions: [1, 6] },
  { name: 'partition', type: 'int32', versions: [1, 6] },
];

/** SubscriptionInfoData.json as a table (field names as in the spec). */
export const SubscriptionInfoDataSchema: MessageSchema = {
  name: 'SubscriptionInfoData',
  kind: 'data',
  validVersions: [1, LATEST_SUPPORTED_VERSION],
  flexibleVersions: null,
  fields: [
    { name: 'version', type: 'int32', versions: [1, MAX] },
    { name: 'latestSupportedVersion', type: 'int32', versions: [3, MAX], default: -1 },
    { name: 'processId', type: 'uuid', versions: [1, MAX] },
    { name: 'prevTasks', type: 'array', versions: [1, 6], fields: TASK_ID },
    { name: 'standbyTasks', type: 'array', versions: [1, 6], fields: TASK_ID },
    { name: 'userEndPoint', type: 'bytes', versions: [2, MAX] },
    { name: 'taskOffsetSums', type: 'array', versions: [7, MAX], fields: [
      { name: 'topicGroupId', type: 'int32', versions: [7, MAX] },
      { name: 'partition', type: 'int32', versions: [10, MAX] },
      { name: 'offsetSum', type: 'int64', versions: [10, MAX] },
      { name: 'namedTopology', type: 'string', versions: [10, MAX], nullable: [10, MAX], default: null },
      { name: 'partitionToOffsetSum', type: 'array', versions: [7, 9], fields: [
        { name: 'partition', type: 'int32', versions: [7, 9] },
        { name: 'offsetSum', type: 'int64', versions: [7, 9] },
      ] },
    ] },
    { name: 'uniqueField', type: 'int8', versions: [8, MAX] },
    { name: 'errorCode', type: 'int32', versions: [9, MAX] },
    { name: 'clientTags', type: 'array', versions: [11, MAX], fields: [
      { name: 'key', type: 'bytes', versions: [11, MAX] },
      { name: 'value', type: 'bytes', versions: [11, MAX] },
    ] },
  ],
};

interface TaskIdData { topicGroupId: number; partition: number }
interface TaskOffsetSumData {
  topicGroupId: number;
  partition: number;
  offsetSum: number;
  namedTopology: string | null;
  partitionToOffsetSum: { partition: number; offsetSum: number }[];
}
interface SubscriptionInfoData {
  version: number;
  latestSupportedVersion: number;
  processId: string; // the codec's uuid form (base64url)
  prevTasks: TaskIdData[];
  standbyTasks: TaskIdData[];
  userEndPoint: Buffer;
  taskOffsetSums: TaskOffsetSumData[];
  uniqueField: number;
  errorCode: number;
  clientTags: { key: Buffer; value: Buffer }[];
}

export interface SubscriptionInfo {
  future: false;
  version: number;
  /** UNKNOWN_VERSION (-1) for versions 1 and 2. */
  latestSupportedVersion: number;
  processId: ProcessId;
  /** `application.server` (host:port for interactive queries), or null. */
  userEndPoint: string | null;
  /** Per task with local state: sum of its changelog offsets, LATEST_OFFSET or UNKNOWN_OFFSET_SUM. */
  taskOffsetSums: Map<TaskId, number>;
  uniqueField: number;
  /** AssignorError code (0 none, 1 incomplete source topic metadata, ...). */
  errorCode: number;
  clientTags: Map<string, string>;
}

/** A subscription newer than this code knows: as Kafka Streams, only its two versions are read. */
export interface FutureSubscriptionInfo {
  future: true;
  version: number;
  latestSupportedVersion: number;
}

export type SubscriptionInfoInput = Pick<SubscriptionInfo, 'processId' | 'taskOffsetSums'> &
  Partial<Pick<SubscriptionInfo, 'userEndPoint' | 'uniqueField' | 'errorCode' | 'clientTags' | 'latestSupportedVersion'>>;

/** Tasks this client runs as active right now (offset sum LATEST_OFFSET): SubscriptionInfo.prevTasks(). */
export function previousActiveTasks(taskOffsetSums: ReadonlyMap<TaskId, number>): TaskId[] {
  return sortTasks([...taskOffsetSums].filter(([, sum]) => sum === LATEST_OFFSET).map(([t]) => t));
}

/** Tasks this client holds state for without running them: SubscriptionInfo.standbyTasks(). */
export function previousStandbyTasks(taskOffsetSums: ReadonlyMap<TaskId, number>): TaskId[] {
  return sortTasks([...taskOffsetSums].filter(([, sum]) => sum !== LATEST_OFFSET).map(([t]) => t));
}

function taskIdData(task: TaskId): TaskIdData {
  const { subtopology, partition } = parseTaskId(task);
  return { topicGroupId: subtopology, partition };
}

function offsetSumsData(sums: ReadonlyMap<TaskId, number>, version: number): Partial<TaskOffsetSumData>[] {
  const tasks = sortTasks(sums.keys());
  if (version >= MIN_NAMED_TOPOLOGY_VERSION) {
    return tasks.map((t) => ({ ...taskIdData(t), offsetSum: sums.get(t)!, namedTopology: null }));
  }
  // Versions 7-9 nest partitions under their subtopology.
  const bySubtopology = new Map<number, { partition: number; offsetSum: number }[]>();
  for (const t of tasks) {
    const { topicGroupId, partition } = taskIdData(t);
    const list = bySubtopology.get(topicGroupId) ?? [];
    list.push({ partition, offsetSum: sums.get(t)! });
    bySubtopology.set(topicGroupId, list);
  }
  return [...bySubtopology].map(([topicGroupId, partitionToOffsetSum]) => ({ topicGroupId, partitionToOffsetSum }));
}

/** The bytes a Kafka Streams member of `version` (default: the latest, 11) sends. */
export function encodeSubscriptionInfo(info: SubscriptionInfoInput, version = LATEST_SUPPORTED_VERSION): Buffer {
  if (version < 1 || version > LATEST_SUPPORTED_VERSION) {
    throw new TaskAssignmentError(`SubscriptionInfo version must be 1 to ${LATEST_SUPPORTED_VERSION}; was ${version}`);
  }
  const sums = info.taskOffsetSums;
  const data: Partial<SubscriptionInfoData> = {
    version,
    latestSupportedVersion: version >= 3 ? (info.latestSupportedVersion ?? LATEST_SUPPORTED_VERSION) : UNKNOWN_VERSION,
    processId: processIdToBytes(info.processId).toString('base64url'),
    userEndPoint: Buffer.from(info.userEndPoint ?? '', 'utf8'),
    uniqueField: info.uniqueField ?? 0,
    errorCode: info.errorCode ?? 0,
    clientTags: [...(info.clientTags ?? new Map<string, string>())].map(([k, v]) => ({ key: Buffer.from(k), value: Buffer.from(v) })),
  };
  if (version >= MIN_VERSION_OFFSET_SUM_SUBSCRIPTION) {
    data.taskOffsetSums = offsetSumsData(sums, version) as TaskOffsetSumData[];
  } else {
    data.prevTasks = previousActiveTasks(sums).map(taskIdData);
    data.standbyTasks = previousStandbyTasks(sums).map(taskIdData);
  }
  return encode(SubscriptionInfoDataSchema, version, data);
}

function readTaskOffsetSums(data: SubscriptionInfoData): Map<TaskId, number> {
  const sums = new Map<TaskId, number>();
  if (data.version >= MIN_NAMED_TOPOLOGY_VERSION) {
    for (const s of data.taskOffsetSums) sums.set(taskId(s.topicGroupId, s.partition), s.offsetSum);
  } else if (data.version >= MIN_VERSION_OFFSET_SUM_SUBSCRIPTION) {
    for (const s of data.taskOffsetSums) {
      for (const p of s.partitionToOffsetSum) sums.set(taskId(s.topicGroupId, p.partition), p.offsetSum);
    }
  } else {
    for (const t of data.prevTasks) sums.set(taskId(t.topicGroupId, t.partition), LATEST_OFFSET);
    for (const t of data.standbyTasks) sums.set(taskId(t.topicGroupId, t.partition), UNKNOWN_OFFSET_SUM);
  }
  return sums;
}

/** SubscriptionInfo.validateVersions: what a Kafka Streams leader refuses. */
function checkVersions(version: number, latest: number): void {
  if (latest === UNKNOWN_VERSION ? version > 2 : version > latest) {
    throw new TaskAssignmentError(`SubscriptionInfo version ${version} with latest supported version ${latest}`);
  }
}

/** Reads any version; bytes after the known fields are ignored, as Kafka does. */
export function decodeSubscriptionInfo(buf: Buffer): SubscriptionInfo | FutureSubscriptionInfo {
  try {
    const r = new Reader(buf);
    const version = r.int32();
    if (version < 1) throw new TaskAssignmentError(`SubscriptionInfo version ${version} is not a version (1 to ${LATEST_SUPPORTED_VERSION})`);
    if (version > LATEST_SUPPORTED_VERSION) return { future: true, version, latestSupportedVersion: r.int32() };
    const data = decode<SubscriptionInfoData>(SubscriptionInfoDataSchema, version, new Reader(buf));
    checkVersions(version, data.latestSupportedVersion);
    return {
      future: false,
      version,
      latestSupportedVersion: data.latestSupportedVersion,
      processId: processIdFromBytes(Buffer.from(data.processId, 'base64url')),
      userEndPoint: data.userEndPoint.length === 0 ? null : data.userEndPoint.toString('utf8'),
      taskOffsetSums: readTaskOffsetSums(data),
      uniqueField: data.uniqueField,
      errorCode: data.errorCode,
      clientTags: new Map(data.clientTags.map((t) => [t.key.toString('utf8'), t.value.toString('utf8')])),
    };
  } catch (e) {
    if (e instanceof ProtocolError) throw new TaskAssignmentError(`cannot decode SubscriptionInfo: ${e.message}`);
    throw e;
  }
}
