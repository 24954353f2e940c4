// ACL APIs without an authorizer (SECURITY_DISABLED, as Kafka 4.x answers them) and partition
// reassignments on a 3-node embedded cluster over shared storage (per partition, Kafka's codes;
// a move completes at once). Driven with kafkajs's admin client, kafka-python's KafkaAdminClient,
// and raw requests for what neither sends.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../protocol/apis.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  AlterPartitionReassignmentsResponse,
  ApiVersionsResponse,
  CreateAclsResponse,
  DeleteAclsResponse,
  DescribeAclsResponse,
  ListPartitionReassignmentsResponse,
  MetadataResponse,
} from '../protocol/schema/generated/index.js';
import { PYTHON, pythonCanImport } from '../testing/python-clients.js';
import { startBroker, type RunningBroker } from './broker.js';
import { rawFetch, rawRequest } from './testing/raw-client.js';

// kafkajs's enums (ACLResourceTypes etc.), spelled out: Kafka's codes.
const TOPIC_RESOURCE = 2;
const LITERAL = 3;
const ANY = 1;
const READ = 3;
const ALLOW = 3;

const aclFilter = { resourceTypeFilter: TOPIC_RESOURCE, resourceNameFilter: 't', patternTypeFilter: LITERAL, principalFilter: null, hostFilter: null, operation: ANY, permissionType: ANY };
const acl = { resourceType: TOPIC_RESOURCE, resourceName: 't', resourcePatternType: LITERAL, principal: 'User:bob', host: '*', operation: READ, permissionType: ALLOW };

describe('ACLs and partition reassignments on a 3-node embedded cluster', () => {
  let b: RunningBroker;
  let admin: Admin;
  const node = (id: number) => {
    const n = b.nodes.find((x) => x.nodeId === id)!;
    return { host: n.host, port: n.port };
  };

  beforeAll(async () => {
    b = await startBroker({ port: 0, nodes: 3 });
    admin = new Kafka({ brokers: [b.bootstrap], clientId: 'acl-ra', logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ra', numPartitions: 3 }, { topic: 'ra-move', numPartitions: 1 }] });
  });
  afterAll(async () => {
    await admin?.disconnect();
    await b?.close();
  });

  it('advertises the ACL APIs from v1 (Kafka 4.0 dropped v0) and the reassignment APIs', async () => {
    const res = await rawRequest<ApiVersionsResponse>(b.address, ApiKey.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const listed = (key: number) => res.apiKeys.find((k) => k.apiKey === key);
    for (const key of [ApiKey.DescribeAcls, ApiKey.CreateAcls, ApiKey.DeleteAcls]) expect(listed(key)).toEqual({ apiKey: key, minVersion: 1, maxVersion: 3 });
    expect(listed(ApiKey.AlterPartitionReassignments)).toEqual({ apiKey: 45, minVersion: 0, maxVersion: 1 });
    expect(listed(ApiKey.ListPartitionReassignments)).toEqual({ apiKey: 46, minVersion: 0, maxVersion: 0 });
  });

  describe('ACLs (no authorizer)', () => {
    it('kafkajs createAcls / describeAcls / deleteAcls fail with SECURITY_DISABLED', async () => {
      const kafkajsAcl = { resourceType: TOPIC_RESOURCE, resourceName: 't', resourcePatternType: LITERAL, principal: 'User:bob', host: '*', operation: READ, permissionType: ALLOW };
      const disabled = { type: 'SECURITY_DISABLED', code: 54 };
      await expect(admin.createAcls({ acl: [kafkajsAcl] })).rejects.toMatchObject(disabled);
      await expect(
        admin.describeAcls({ resourceType: TOPIC_RESOURCE, resourceName: 't', resourcePatternType: LITERAL, operation: ANY, permissionType: ANY }),
      ).rejects.toMatchObject(disabled);
      await expect(
        admin.deleteAcls({ filters: [{ resourceType: TOPIC_RESOURCE, resourceName: 't', resourcePatternType: LITERAL, operation: ANY, permissionType: ANY }] }),
      ).rejects.toMatchObject(disabled);
    });

    it('answers as AclApis does: DescribeAcls at the top level, CreateAcls per creation, DeleteAcls per filter', async () => {
      const described = await rawRequest<DescribeAclsResponse>(node(2), ApiKey.DescribeAcls, 3, aclFilter);
      expect(described).toMatchObject({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker', resources: [] });

      const created = await rawRequest<CreateAclsResponse>(node(3), ApiKey.CreateAcls, 2, { creations: [acl, { ...acl, principal: 'User:eve' }] });
      expect(created.results).toEqual([
        { errorCode: 54, errorMessage: 'No Authorizer is configured.' },
        { errorCode: 54, errorMessage: 'No Authorizer is configured.' },
      ]);

      const deleted = await rawRequest<DeleteAclsResponse>(b.address, ApiKey.DeleteAcls, 1, { filters: [aclFilter, aclFilter, aclFilter] });
      expect(deleted.filterResults).toHaveLength(3);
      for (const r of deleted.filterResults) expect(r).toEqual({ errorCode: 54, errorMessage: 'No Authorizer is configured.', matchingAcls: [] });
    });

    it('closes the connection on a filter with an UNKNOWN element, as Kafka fails to parse it', async () => {
      await expect(rawRequest(b.address, ApiKey.DescribeAcls, 1, { ...aclFilter, operation: 0 })).rejects.toThrow();
      await expect(rawRequest(b.address, ApiKey.CreateAcls, 1, { creations: [{ ...acl, resourceType: 0 }] })).rejects.toThrow();
      // The broker goes on serving.
      expect((await rawRequest<DescribeAclsResponse>(b.address, ApiKey.DescribeAcls, 1, aclFilter)).errorCode).toBe(54);
    });

    it.runIf(pythonCanImport('kafka'))('kafka-python KafkaAdminClient: SecurityDisabledError from describe_acls, create_acls and delete_acls', async () => {
      const script = `
import json, sys
from kafka import KafkaAdminClient
from kafka.admin import ACL, ACLFilter, ACLOperation, ACLPermissionType, ResourcePattern, ResourcePatternFilter, ResourceType, ACLResourcePatternType
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id='acl-py')
pattern = ResourcePattern(ResourceType.TOPIC, 't', ACLResourcePatternType.LITERAL)
flt = ACLFilter(principal=None, host='*', operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, 't', ACLResourcePatternType.LITERAL))
out = {}
try:
    admin.describe_acls(flt)
    out['describe'] = 'no error'
except Exception as e:
    out['describe'] = type(e).__name__
created = admin.create_acls([ACL('User:bob', '*', ACLOperation.READ, ACLPermissionType.ALLOW, pattern)])
out['created'] = len(created['succeeded'])
out['create_failed'] = [err.__name__ for _, err in created['failed']]
out['delete'] = [(len(matching), err.__name__) for _, matching, err in admin.delete_acls([flt])]
admin.close()
print(json.dumps(out))
`;
      const { stdout } = await promisify(execFile)(PYTHON, ['-c', script, b.bootstrap], { timeout: 60_000 });
      expect(JSON.parse(stdout)).toEqual({
        describe: 'SecurityDisabledError',
        created: 0,
        create_failed: ['SecurityDisabledError'],
        delete: [[0, 'SecurityDisabledError']],
      });
    }, 90_000);
  });

  describe('partition reassignments (one replica per partition, shared storage)', () => {
    const alter = (topics: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[], version = 0, allowReplicationFactorChange = true) =>
      rawRequest<AlterPartitionReassignmentsResponse>(node(2), ApiKey.AlterPartitionReassignments, version, {
        timeoutMs: 10_000,
        allowReplicationFactorChange,
        topics,
      });
    const outcome = (res: AlterPartitionReassignmentsResponse) =>
      res.responses.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode, p.errorMessage]));
    const leaderOf = async (topic: string, partition: number) => {
      const md = await rawRequest<MetadataResponse>(node(3), ApiKey.Metadata, 6, { topics: [{ name: topic }], allowAutoTopicCreation: false });
      const p = md.topics[0]!.partitions.find((x) => x.partitionIndex === partition)!;
      return { leader: p.leaderId, replicas: p.replicaNodes };
    };

    it('answers per partition with Kafka codes: unknown topic or partition, no such broker, cancellation with nothing in progress', async () => {
      const current = b.broker.cluster.leaderOf('ra', 0);
      const res = await alter([
        { name: 'ra', partitions: [
          { partitionIndex: 0, replicas: [current] },
          { partitionIndex: 1, replicas: [99] },
          { partitionIndex: 2, replicas: null },
          { partitionIndex: 7, replicas: [1] },
        ] },
        { name: 'nope', partitions: [{ partitionIndex: 0, replicas: [1] }] },
      ]);
      expect(res.errorCode).toBe(0);
      expect(outcome(res)).toEqual([
        ['ra', 0, 0, null],
        ['ra', 1, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 99, but no such broker is registered.'],
        ['ra', 2, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, 'No partition reassignment is in progress.'],
        ['ra', 7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Unable to find partition ra:7.'],
        ['nope', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Unable to find a topic named nope.'],
      ]);
      expect((await leaderOf('ra', 0)).leader).toBe(current);
    });

    it('refuses more than one replica (no replication here), and with v1 AllowReplicationFactorChange=false says so as Kafka does', async () => {
      const [v0] = outcome(await alter([{ name: 'ra', partitions: [{ partitionIndex: 0, replicas: [1, 2] }] }]));
      expect(v0![2]).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
      const strict = await alter([{ name: 'ra', partitions: [{ partitionIndex: 0, replicas: [1, 2] }] }], 1, false);
      expect(strict.allowReplicationFactorChange).toBe(false);
      expect(outcome(strict)[0]![2]).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
      const [dup] = outcome(await alter([{ name: 'ra', partitions: [{ partitionIndex: 0, replicas: [2, 2] }] }]));
      expect(dup![3]).toBe('The manual partition assignment includes the broker 2 more than once.');
    });

    it('moves a partition to another node at once: the new leader serves what the old one stored, nothing is left in progress', async () => {
      const producer = new Kafka({ brokers: [b.bootstrap], clientId: 'ra-p', logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({ topic: 'ra-move', messages: [{ value: 'before' }] });
      const from = b.broker.cluster.leaderOf('ra-move', 0);
      const to = [1, 2, 3].find((n) => n !== from)!;

      await admin.alterPartitionReassignments({ topics: [{ topic: 'ra-move', partitionAssignment: [{ partition: 0, replicas: [to] }] }] });
      expect(await leaderOf('ra-move', 0)).toEqual({ leader: to, replicas: [to] });
      expect(await admin.listPartitionReassignments({})).toEqual({ topics: [] });
      const listed = await rawRequest<ListPartitionReassignmentsResponse>(node(1), ApiKey.ListPartitionReassignments, 0, {
        timeoutMs: 1000,
        topics: [{ name: 'ra-move', partitionIndexes: [0] }, { name: 'nope', partitionIndexes: [0] }],
      });
      expect(listed).toMatchObject({ errorCode: 0, topics: [] });

      const moved = await rawFetch(node(to), 'ra-move', 0, 0);
      expect(moved.partition.errorCode).toBe(0);
      expect(moved.records.map((r) => r.value?.toString())).toEqual(['before']);
      expect((await rawFetch(node(from), 'ra-move', 0, 0)).partition.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

      // A client that had the old leader finds the new one and goes on producing.
      await producer.send({ topic: 'ra-move', messages: [{ value: 'after' }] });
      await producer.disconnect();
      expect((await rawFetch(node(to), 'ra-move', 0, 0)).records.map((r) => r.value?.toString())).toEqual(['before', 'after']);
    });

    it('kafkajs surfaces a refused partition as its aggregate error with the Kafka code', async () => {
      const err = await admin
        .alterPartitionReassignments({ topics: [{ topic: 'ra', partitionAssignment: [{ partition: 1, replicas: [42] }] }] })
        .then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ name: 'KafkaJSAggregateError' });
      expect((err as { errors: { type: string; topic: string; partition: number }[] }).errors).toEqual([
        expect.objectContaining({ type: 'INVALID_REPLICA_ASSIGNMENT', topic: 'ra', partition: 1 }),
      ]);
    });
  });
});
