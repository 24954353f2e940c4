// Fetch (1) v4-11. Reads whole batches from each partition's fetch offset, bounded by the
// per-partition and total byte limits (the first batch is returned even when larger, KIP-74),
// up to the high watermark, or the last stable offset for read_committed. When fewer than
// minBytes are ready it parks until an append or maxWaitMs, as Kafka's purgatory does.
// Fetch sessions (v7+) are declined: session id 0 tells the client to send full requests.
// A partition this node does not lead is NOT_LEADER_OR_FOLLOWER (v4-11 predate KIP-951's hints).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  FetchRequest,
  FetchResponseInput,
  FetchResponsePartitionDataInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler, leadsHere, type RequestContext } from '../handler.js';
import type { Partition } from '../topics.js';

const READ_COMMITTED = 1;

interface ReadResult {
  response: FetchResponseInput;
  bytes: number;
  hasError: boolean;
  partitions: Partition[];
}

function readOnce(ctx: RequestContext, req: FetchRequest, version: number): ReadResult {
  const { broker } = ctx;
  let remaining = version >= 3 ? req.maxBytes : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let hasError = false;
  const partitions: Partition[] = [];
  const readCommitted = req.isolationLevel === READ_COMMITTED;
  const responses = req.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): FetchResponsePartitionDataInput => {
      const partition = broker.topics.partition(t.topic, p.partition);
      const empty = {
        partitionIndex: p.partition,
        highWatermark: -1,
        lastStableOffset: -1,
        logStartOffset: -1,
        abortedTransactions: null,
        records: [] as Buffer[],
      };
      if (!partition || !leadsHere(ctx, t.topic, p.partition)) {
        hasError = true;
        return { ...empty, errorCode: partition ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      }
      partitions.push(partition);
      const hw = partition.highWatermark;
      const lso = partition.lastStableOffset;
      const logStartOffset = partition.log.logStartOffset;
      const marks = { highWatermark: hw, lastStableOffset: lso, logStartOffset };
      if (p.fetchOffset < logStartOffset || p.fetchOffset > hw) {
        hasError = true;
        return { ...empty, ...marks, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
      }
      const upperBound = readCommitted ? lso : hw;
      let records: Buffer[] = [];
      if (p.fetchOffset < upperBound && remaining > 0) {
        const read = partition.log.read(p.fetchOffset, Math.min(p.partitionMaxBytes, remaining), {
          upperBound,
          minOneBatch: bytes === 0,
        });
        records = read.chunks;
        bytes += read.bytes;
        remaining -= read.bytes;
      }
      return {
        ...marks,
        partitionIndex: p.partition,
        errorCode: 0,
        abortedTransactions: readCommitted
          ? partition.transactions.abortedIn(p.fetchOffset, upperBound).map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }))
          : null,
        preferredReadReplica: -1,
        records,
      };
    }),
  }));
  return { response: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses }, bytes, hasError, partitions };
}

/** Resolves on the next append to any of the partitions, or after `ms`. */
function waitForData(partitions: Partition[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const u of unsubscribe) u();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const p of partitions) unsubscribe.push(p.onNextAppend(done));
  });
}

export const fetch = defineHandler<FetchRequest, FetchResponseInput>({
  apiKey: 1,
  minVersion: 4,
  maxVersion: 11,
  async handle(req, ctx) {
    const { broker, header } = ctx;
    if (header.apiVersion >= 7 && req.sessionId !== 0 && req.sessionEpoch > 0) {
      // We never hand out sessions, so an incremental fetch names one we do not know.
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const deadline = broker.now() + Math.max(0, req.maxWaitMs);
    for (;;) {
      const r = readOnce(ctx, req, header.apiVersion);
      const left = deadline - broker.now();
      if (r.bytes >= req.minBytes || r.hasError || left <= 0 || r.partitions.length === 0) return r.response;
      await waitForData(r.partitions, left);
    }
  },
});
