// The Fetch request a consumer sends to one leader, and which version it may use. Full fetches
// only: session id 0 and epoch -1 ask for no KIP-227 fetch session, so every request names all of
// its partitions and every response answers all of them. v4–12 address topics by name; v13+ by
// topic id (KIP-516), so those are offered only when the metadata gave every topic in the
// request an id — as the Java client does, falling back to v12 otherwise.
import { uuidToString } from '../protocol/codec.js';
import type { FetchRequestInput, FetchResponseFetchableTopicResponse } from '../protocol/schema/generated/index.js';
import { groupByTopic, type TopicPartition } from './assigned-partitions.js';
import { ISOLATION_LEVEL_CODE, type IsolationLevel } from './completed-fetch.js';
import type { VersionRange } from './connection.js';

export const ZERO_TOPIC_ID = uuidToString(Buffer.alloc(16));
/** The last version that addresses topics by name. */
const LAST_VERSION_BY_NAME = 12;
const FIRST_VERSION_BY_ID = 13;
/** KIP-74's response byte limit and isolation level are both there from v4. */
const MIN_VERSION = 4;

export interface FetchLimits {
  maxWaitMs: number;
  minBytes: number;
  /** fetch.max.bytes: the whole response. */
  maxBytes: number;
  /** max.partition.fetch.bytes. */
  maxPartitionBytes: number;
  isolationLevel: IsolationLevel;
}

export interface PartitionFetch extends TopicPartition {
  fetchOffset: number;
  /** The leader epoch the metadata knows (-1: unknown), so a stale leader answers FENCED_LEADER_EPOCH. */
  currentLeaderEpoch: number;
}

/** The versions to offer for a request over these topics, given their ids (ZERO_TOPIC_ID or undefined: none). */
export function fetchVersionRange(topics: Iterable<string>, topicIdOf: (topic: string) => string | undefined): VersionRange {
  for (const topic of topics) {
    const id = topicIdOf(topic);
    if (id === undefined || id === ZERO_TOPIC_ID) return { min: MIN_VERSION, max: LAST_VERSION_BY_NAME };
  }
  return { min: MIN_VERSION };
}

export function fetchRequestBody(
  version: number,
  partitions: readonly PartitionFetch[],
  limits: FetchLimits,
  topicIdOf: (topic: string) => string | undefined,
): FetchRequestInput {
  const byId = version >= FIRST_VERSION_BY_ID;
  return {
    replicaId: -1,
    maxWaitMs: limits.maxWaitMs,
    minBytes: limits.minBytes,
    maxBytes: limits.maxBytes,
    isolationLevel: ISOLATION_LEVEL_CODE[limits.isolationLevel],
    sessionId: 0,
    sessionEpoch: -1,
    topics: [...groupByTopic(partitions)].map(([topic, ps]) => ({
      ...(byId ? { topicId: topicIdOf(topic) ?? ZERO_TOPIC_ID } : { topic }),
      partitions: ps.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: p.currentLeaderEpoch,
        fetchOffset: p.fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes: limits.maxPartitionBytes,
      })),
    })),
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** The topic a response entry answers for: its name, or from v13 the name of its id. */
export function responseTopic(version: number, t: FetchResponseFetchableTopicResponse, topicOfId: (id: string) => string | undefined): string | undefined {
  return version >= FIRST_VERSION_BY_ID ? topicOfId(t.topicId) : t.topic;
}
