// ListPartitionReassignments (46) v0. Reassignments here complete at once (see 45), so none is
// ever in progress: the answer lists no topics, for all topics (null) or named ones, and unknown
// topics are skipped silently, as ReplicationControlManager.listPartitionReassignments does.
import type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponseInput,
} from '../../protocol/schema/generated/index.js';
import { defineHandler } from '../handler.js';

export const listPartitionReassignments = defineHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponseInput>({
  apiKey: 46,
  minVersion: 0,
  maxVersion: 0,
  handle() {
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [] };
  },
});
