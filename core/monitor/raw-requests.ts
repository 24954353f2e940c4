// The raw requests the monitor makes, each at the highest version both it and the broker speak.
import { ApiKey } from '../protocol/apis.js';
import { errorName } from '../protocol/errors.js';
import type {
  DescribeTransactionsRequestInput,
  DescribeTransactionsResponse,
  DescribeTransactionsResponseTransactionState,
  FetchResponse,
  ListOffsetsRequestInput,
  ListOffsetsResponse,
  ListTransactionsRequestInput,
  ListTransactionsResponse,
} from '../protocol/schema/generated/index.js';
import type { BrokerConnection } from '../client/connection.js';
import { fetchRequestBody } from '../client/fetch-request.js';

const ISOLATION = { read_uncommitted: 0, read_committed: 1 } as const;
const LATEST = -1;

/** High watermarks (ListOffsets latest, read_uncommitted; v2+ has the isolation level). */
export function highWatermarks(conn: BrokerConnection, topics: Map<string, number[]>): Promise<Map<string, Map<number, number>>> {
  return latestOffsets(conn, topics, 'read_uncommitted');
}

/** Last stable offsets (ListOffsets latest, read_committed). */
export function lastStableOffsets(conn: BrokerConnection, topics: Map<string, number[]>): Promise<Map<string, Map<number, number>>> {
  return latestOffsets(conn, topics, 'read_committed');
}

async function latestOffsets(
  conn: BrokerConnection,
  topics: Map<string, number[]>,
  isolation: keyof typeof ISOLATION,
): Promise<Map<string, Map<number, number>>> {
  const version = conn.version(ApiKey.ListOffsets, { min: 2, max: 8 });
  const body: ListOffsetsRequestInput = {
    replicaId: -1,
    isolationLevel: ISOLATION[isolation],
    topics: [...topics].map(([name, partitions]) => ({
      name,
      partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: LATEST })),
    })),
  };
  const res = await conn.requestAt<ListOffsetsResponse>(ApiKey.ListOffsets, version, body);
  const out = new Map<string, Map<number, number>>();
  for (const t of res.topics) {
    const byPartition = new Map<number, number>();
    for (const p of t.partitions) if (p.errorCode === 0 && p.offset >= 0) byPartition.set(p.partitionIndex, p.offset);
    out.set(t.name, byPartition);
  }
  return out;
}

/**
 * Raw record batches of one partition from `offset`, read_uncommitted (markers and aborted
 * data included). Never waits for data. v4–12: v13+ address topics by id.
 */
export async function fetchBatches(
  conn: BrokerConnection,
  topic: string,
  partition: number,
  offset: number,
  maxBytes: number,
): Promise<Buffer> {
  const version = conn.version(ApiKey.Fetch, { min: 4, max: 12 });
  const body = fetchRequestBody(
    version,
    [{ topic, partition, fetchOffset: offset, currentLeaderEpoch: -1 }],
    { maxWaitMs: 0, minBytes: 0, maxBytes, maxPartitionBytes: maxBytes, isolationLevel: 'read_uncommitted' },
    () => undefined,
  );
  const res = await conn.requestAt<FetchResponse>(ApiKey.Fetch, version, body);
  if (res.errorCode !== 0) throw new Error(`Fetch failed: ${errorName(res.errorCode)}`);
  const p = res.responses[0]?.partitions[0];
  if (!p) throw new Error(`Fetch returned no data for ${topic}-${partition}`);
  if (p.errorCode !== 0) throw new Error(`Fetch ${topic}-${partition} at ${offset}: ${errorName(p.errorCode)}`);
  return p.records ?? Buffer.alloc(0);
}

export function supportsTransactionApis(conn: BrokerConnection): boolean {
  return conn.versionFor(ApiKey.ListTransactions, { max: 1 }) !== null && conn.versionFor(ApiKey.DescribeTransactions, { max: 0 }) !== null;
}

/** Every transactional id this broker coordinates, described. */
export async function transactionsOf(conn: BrokerConnection): Promise<DescribeTransactionsResponseTransactionState[]> {
  const listVersion = conn.version(ApiKey.ListTransactions, { min: 0, max: 1 });
  const listBody: ListTransactionsRequestInput = { stateFilters: [], producerIdFilters: [], durationFilter: -1 };
  const listed = await conn.requestAt<ListTransactionsResponse>(ApiKey.ListTransactions, listVersion, listBody);
  if (listed.errorCode !== 0) throw new Error(`ListTransactions failed: ${errorName(listed.errorCode)}`);
  if (listed.transactionStates.length === 0) return [];
  const describeBody: DescribeTransactionsRequestInput = { transactionalIds: listed.transactionStates.map((t) => t.transactionalId) };
  const described = await conn.requestAt<DescribeTransactionsResponse>(ApiKey.DescribeTransactions, 0, describeBody);
  // An id can end (and expire) between the two requests; it is simply not there this time.
  return described.transactionStates.filter((t) => t.errorCode === 0);
}
