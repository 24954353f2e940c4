// ListOffsets for the start or end of partitions, asked of each partition's leader (the Java
// client's OffsetFetcher for seekToBeginning / seekToEnd and auto.offset.reset). v2+ carries the
// isolation level, so "latest" under read_committed is the last stable offset. Leader errors
// refresh the metadata and ask again until the client's request timeout; what is still failing
// then, or failed for good, is returned as that partition's error.
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ListOffsetsResponse } from '../protocol/schema/generated/index.js';
import { groupByTopic, partitionKey, type TopicPartition } from './assigned-partitions.js';
import { backoffDelay, sleep, type BackoffSettings } from './backoff.js';
import type { KafkaClient } from './client.js';
import { ISOLATION_LEVEL_CODE, type IsolationLevel } from './completed-fetch.js';
import { KafkaConnectionError, KafkaResponseError } from './errors.js';

export type OffsetSpec = 'earliest' | 'latest';
const TIMESTAMP: Record<OffsetSpec, number> = { earliest: -2, latest: -1 };

/** By partitionKey: the offset, or why there is none. */
export type ListedOffsets = Map<string, number | Error>;

export async function listOffsets(
  client: KafkaClient,
  partitions: readonly TopicPartition[],
  spec: OffsetSpec,
  isolationLevel: IsolationLevel,
  retryBackoff: BackoffSettings = { initialMs: 100, maxMs: 1000 },
): Promise<ListedOffsets> {
  const out: ListedOffsets = new Map();
  let pending = [...partitions];
  const deadline = Date.now() + client.requestTimeoutMs;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const retry: TopicPartition[] = [];
    const lastErrors = new Map<string, Error>();
    const byLeader = new Map<number, TopicPartition[]>();
    for (const tp of pending) {
      try {
        const leader = await client.leaderFor(tp.topic, tp.partition);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), tp]);
      } catch (e) {
        out.set(partitionKey(tp.topic, tp.partition), e as Error);
      }
    }
    await Promise.all(
      [...byLeader].map(async ([leader, tps]) => {
        try {
          const res = await client.nodeRequest<ListOffsetsResponse>(
            leader,
            ApiKey.ListOffsets,
            {
              replicaId: -1,
              isolationLevel: ISOLATION_LEVEL_CODE[isolationLevel],
              topics: [...groupByTopic(tps)].map(([name, ps]) => ({
                name,
                partitions: ps.map((p) => ({ partitionIndex: p.partition, timestamp: TIMESTAMP[spec], currentLeaderEpoch: -1 })),
              })),
            },
            { min: 2 },
          );
          const answered = new Set<string>();
          for (const t of res.topics) {
            for (const p of t.partitions) {
              const key = partitionKey(t.name, p.partitionIndex);
              answered.add(key);
              if (p.errorCode === ErrorCode.NONE && p.offset >= 0) {
                out.set(key, p.offset);
                continue;
              }
              const error = new KafkaResponseError(p.errorCode || ErrorCode.UNKNOWN_SERVER_ERROR, 'ListOffsets', `${t.name}-${p.partitionIndex}`);
              if (error.action === 'refresh-metadata') client.leaderMoved(t.name, p.partitionIndex);
              if (error.action === 'refresh-metadata' || error.action === 'retry') {
                retry.push({ topic: t.name, partition: p.partitionIndex });
                lastErrors.set(key, error);
              } else {
                out.set(key, error);
              }
            }
          }
          for (const tp of tps) if (!answered.has(partitionKey(tp.topic, tp.partition))) retry.push(tp);
        } catch (e) {
          if (!(e instanceof KafkaConnectionError) || e.code === 'AUTH') throw e;
          for (const tp of tps) {
            client.leaderMoved(tp.topic, tp.partition);
            retry.push(tp);
            lastErrors.set(partitionKey(tp.topic, tp.partition), e);
          }
        }
      }),
    );
    pending = retry;
    if (pending.length === 0) break;
    if (Date.now() >= deadline) {
      for (const tp of pending) {
        const key = partitionKey(tp.topic, tp.partition);
        out.set(key, lastErrors.get(key) ?? new KafkaResponseError(ErrorCode.REQUEST_TIMED_OUT, 'ListOffsets', `${tp.topic}-${tp.partition}`));
      }
      break;
    }
    await client.refreshMetadata(pending.map((tp) => tp.topic)).catch(() => {});
    await sleep(backoffDelay(retryBackoff, attempt));
  }
  return out;
}

