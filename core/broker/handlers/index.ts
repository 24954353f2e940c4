// Every API the broker serves. ApiVersions is answered from this list, so what is advertised
// is exactly what is handled. Add a handler: write `<key>-<name>.ts`, then list it here.
import type { Handler } from '../handler.js';
import { produce } from './00-produce.js';
import { fetch } from './01-fetch.js';
import { listOffsets } from './02-list-offsets.js';
import { metadata } from './03-metadata.js';
import { offsetCommit } from './08-offset-commit.js';
import { offsetFetch } from './09-offset-fetch.js';
import { findCoordinator } from './10-find-coordinator.js';
import { joinGroup } from './11-join-group.js';
import { heartbeat } from './12-heartbeat.js';
import { leaveGroup } from './13-leave-group.js';
import { syncGroup } from './14-sync-group.js';
import { describeGroups } from './15-describe-groups.js';
import { listGroups } from './16-list-groups.js';
import { saslHandshake } from './17-sasl-handshake.js';
import { apiVersions } from './18-api-versions.js';
import { createTopics } from './19-create-topics.js';
import { deleteTopics } from './20-delete-topics.js';
import { deleteRecords } from './21-delete-records.js';
import { initProducerId } from './22-init-producer-id.js';
import { addPartitionsToTxn } from './24-add-partitions-to-txn.js';
import { addOffsetsToTxn } from './25-add-offsets-to-txn.js';
import { endTxn } from './26-end-txn.js';
import { txnOffsetCommit } from './28-txn-offset-commit.js';
import { describeAcls } from './29-describe-acls.js';
import { createAcls } from './30-create-acls.js';
import { deleteAcls } from './31-delete-acls.js';
import { describeConfigs } from './32-describe-configs.js';
import { alterConfigs } from './33-alter-configs.js';
import { saslAuthenticate } from './36-sasl-authenticate.js';
import { createPartitions } from './37-create-partitions.js';
import { deleteGroups } from './42-delete-groups.js';
import { incrementalAlterConfigs } from './44-incremental-alter-configs.js';
import { alterPartitionReassignments } from './45-alter-partition-reassignments.js';
import { listPartitionReassignments } from './46-list-partition-reassignments.js';
import { describeProducers } from './61-describe-producers.js';
import { describeTransactions } from './65-describe-transactions.js';
import { listTransactions } from './66-list-transactions.js';

export const HANDLERS: readonly Handler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeAcls,
  createAcls,
  deleteAcls,
  describeConfigs,
  alterConfigs,
  saslAuthenticate,
  createPartitions,
  deleteGroups,
  incrementalAlterConfigs,
  alterPartitionReassignments,
  listPartitionReassignments,
  describeProducers,
  describeTransactions,
  listTransactions,
];
