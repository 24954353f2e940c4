// Interactive queries from the console (Kafka Streams' queryMetadataForKey + store(StoreQueryParameters)):
// a key is serialized with its store's key serde and placed with the producer's partitioner
// (murmur2, as Kafka's default partitioner and Streams' DefaultStreamPartitioner place it) among the
// partitions of the store's source topics; that names the task, the hosted instances' telemetry
// names who holds it, and the holder's app reads its store. The active copy answers when it can; a
// standby (or a restoring active) answers otherwise, marked stale with its changelog lag.
import type { CommandResult } from '../api.js';
import { CommandFailure } from '../errors.js';
import { keyPartition } from '../../client/producer/partitioner.js';
import type { Serde, StoreSpec, Topology } from '../../streams/index.js';
import { parseTaskId, taskId } from '../../streams/runtime/tasks.js';
import type { StoreQuery, StoreQueryAnswer } from '../../supervisor/protocol.js';
import { QueryError } from '../../supervisor/supervisor.js';
import { builtInTopology } from './apps.js';
import type { ClusterConnection } from './connection.js';
import type { HostedInstances } from './hosted-instances.js';

/** Where a key lives: its bytes, partition and task. */
export interface KeyLocation {
  keyBytes: Buffer;
  partition: number;
  taskId: string;
}

/** A store's sub-topology and spec, or a CommandFailure naming the stores there are. */
export function storeOf(topology: Topology, store: string): { spec: StoreSpec; subtopology: number; sourceTopics: readonly string[] } {
  const sub = topology.subtopologies.find((s) => s.stores.includes(store));
  if (sub === undefined) {
    const names = topology.stores().map((s) => s.name);
    throw new CommandFailure(`${topology.applicationId ?? 'the app'} has no store '${store}'${names.length > 0 ? ` (stores: ${names.join(', ')})` : ' (it keeps no state)'}`, 'not_found');
  }
  return { spec: topology.store(store), subtopology: sub.id, sourceTopics: sub.sourceTopics };
}

/** The task of `key` in `store`, given its source topics' partition count (Kafka's queryMetadataForKey). */
export function locateKey(topology: Topology, store: string, key: string, numPartitions: number): KeyLocation {
  const { spec, subtopology } = storeOf(topology, store);
  const keyBytes = serializeKey(spec.keySerde as Serde<unknown>, key, store);
  const partition = keyPartition(keyBytes, numPartitions);
  return { keyBytes, partition, taskId: taskId(subtopology, partition) };
}

function serializeKey(serde: Serde<unknown>, key: string, store: string): Buffer {
  let bytes: Buffer | null;
  try {
    bytes = serde.serialize(key);
  } catch (error) {
    throw new CommandFailure(`the key serde of store '${store}' does not take '${key}': ${error instanceof Error ? error.message : String(error)}`, 'invalid_args');
  }
  if (bytes === null) throw new CommandFailure(`the key serde of store '${store}' turned '${key}' into null`, 'invalid_args');
  return bytes;
}

/** Bytes from a store as something JSON carries: the serde's value, bytes as base64, or the raw text if the serde refuses them. */
function decode(serde: Serde<unknown>, bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  let value: unknown;
  try {
    value = serde.deserialize(Buffer.from(bytes));
  } catch {
    return Buffer.from(bytes).toString('utf8');
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

type Source = Omit<CommandResult<'apps.queryKey'>, 'found' | 'value' | 'key'>;

interface Answered {
  instanceId: string;
  answer: StoreQueryAnswer;
}

/** Instances that may answer (a frozen one is refused with a reason worth reporting). */
const LIVE = new Set(['starting', 'running', 'frozen']);

/** Supervisor refusals that make a second (stale) question to the same instance pointless. */
const UNREACHABLE = new Set(['frozen', 'not-running', 'timeout', 'exited', 'no-queries', 'unknown-store']);

export class Queries {
  readonly #connection: ClusterConnection;
  readonly #instances: HostedInstances;
  readonly #timeoutMs: number;

  constructor(deps: { connection: ClusterConnection; instances: HostedInstances; timeoutMs?: number }) {
    this.#connection = deps.connection;
    this.#instances = deps.instances;
    this.#timeoutMs = deps.timeoutMs ?? 5000;
  }

  async queryKey({ applicationId, store, key }: { applicationId: string; store: string; key: string }): Promise<CommandResult<'apps.queryKey'>> {
    const topology = this.#topology(applicationId);
    const { spec, sourceTopics } = storeOf(topology, store);
    const location = locateKey(topology, store, key, await this.#partitions(sourceTopics));
    const { instanceId, answer } = await this.#ask(applicationId, location.taskId, null, (staleStores) => ({
      kind: 'get',
      store,
      partition: location.partition,
      staleStores,
      key: location.keyBytes,
    }));
    if (answer.kind !== 'get') throw new CommandFailure(`instance ${instanceId} answered a get with a ${answer.kind}`, 'internal');
    return { found: answer.value !== null, value: decode(spec.valueSerde as Serde<unknown>, answer.value), key, ...source(instanceId, answer, store, location.partition) };
  }

  async browseStore(args: {
    applicationId: string;
    instanceId?: string | undefined;
    task: string;
    store: string;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
  }): Promise<CommandResult<'apps.browseStore'>> {
    const topology = this.#topology(args.applicationId);
    const { spec, subtopology } = storeOf(topology, args.store);
    const { subtopology: taskSub, partition } = parseTaskId(args.task);
    if (taskSub !== subtopology) throw new CommandFailure(`store '${args.store}' belongs to the tasks of sub-topology ${subtopology} (${subtopology}_<partition>), not to ${args.task}`, 'invalid_args');
    const keySerde = spec.keySerde as Serde<unknown>;
    const bound = (k: string | undefined) => (k === undefined ? null : serializeKey(keySerde, k, args.store));
    const from = bound(args.from);
    const to = bound(args.to);
    const { instanceId, answer } = await this.#ask(args.applicationId, args.task, args.instanceId ?? null, (staleStores) => ({
      kind: 'range',
      store: args.store,
      partition,
      staleStores,
      from,
      to,
      limit: args.limit,
    }));
    if (answer.kind !== 'range') throw new CommandFailure(`instance ${instanceId} answered a range with a ${answer.kind}`, 'internal');
    const valueSerde = spec.valueSerde as Serde<unknown>;
    return {
      entries: answer.entries.map((e) => ({ key: decode(keySerde, e.key), value: decode(valueSerde, e.value) })),
      count: answer.count,
      ...source(instanceId, answer, args.store, partition),
    };
  }

  /**
   * Asks the task's holders. Without a chosen instance: the active owner (active-only read) first;
   * then, stale stores enabled, every holder that may still answer — a standby, or the active
   * copy while it rebalances or restores — and the least lagging answer wins (the active on a
   * tie). Other live instances of the app are asked too, since telemetry may trail a rebalance.
   * A chosen instance is asked for whatever copy it holds.
   */
  async #ask(applicationId: string, task: string, chosen: string | null, build: (staleStores: boolean) => StoreQuery): Promise<Answered> {
    const ask = async (id: string, staleStores: boolean): Promise<Answered | QueryError> => {
      try {
        return { instanceId: id, answer: await this.#instances.query(id, build(staleStores), this.#timeoutMs) };
      } catch (error) {
        if (error instanceof QueryError) return error;
        throw error;
      }
    };

    if (chosen !== null) {
      const one = await ask(chosen, true);
      if (!(one instanceof QueryError)) return one;
      throw new CommandFailure(`cannot read task ${task}: ${one.message}`, failureCode([one]));
    }

    const holders = this.#instances.holdersOf(applicationId, task);
    const live = this.#instances.ofApplication(applicationId).filter((h) => LIVE.has(h.info.state)).map((h) => h.info.id);
    if (live.length === 0) throw new CommandFailure(`no instance of ${applicationId} is running`, 'not_found');
    const candidates = [...new Set([...(holders.active === null ? [] : [holders.active]), ...holders.standby, ...live])];
    const refusals: QueryError[] = [];

    // Active-only, in order: the owner first; the others answer 'not hosted' at once.
    const retry: string[] = [];
    for (const id of candidates) {
      const fresh = await ask(id, false);
      if (!(fresh instanceof QueryError)) return fresh;
      if (UNREACHABLE.has(fresh.reason)) refusals.push(fresh);
      else retry.push(id);
    }
    const stale = await Promise.all(retry.map((id) => ask(id, true)));
    const answers: Answered[] = [];
    for (const a of stale) {
      if (a instanceof QueryError) refusals.push(a);
      else answers.push(a);
    }
    if (answers.length > 0) return answers.sort(byFreshness)[0]!;
    const why = refusals.map((e) => e.message.replace(`instance ${e.instanceId}`, `instance ${e.instanceId}${roleLabel(e.instanceId, holders)}`));
    throw new CommandFailure(`no instance can read task ${task} of ${applicationId}: ${why.join('; ')}`, failureCode(refusals));
  }

  #topology(applicationId: string): Topology {
    const hosted = this.#instances.ofApplication(applicationId);
    if (hosted.length === 0) throw new CommandFailure(`no instance of application '${applicationId}' is hosted by this console`, 'not_found');
    // An application id may have run another app before; the live instances say which one runs now.
    const current = hosted.find((h) => LIVE.has(h.info.state)) ?? hosted.at(-1)!;
    return builtInTopology(current.info.app, applicationId);
  }

  /** Tasks of a sub-topology = the most partitions among its source topics (co-partitioned: all the same). */
  async #partitions(topics: readonly string[]): Promise<number> {
    const conn = this.#connection.require();
    const { topics: metadata } = await conn.admin.fetchTopicMetadata({ topics: [...topics] });
    const n = Math.max(0, ...metadata.map((t) => t.partitions.length));
    if (n === 0) throw new CommandFailure(`the source topics ${topics.join(', ')} have no partitions yet`, 'not_found');
    return n;
  }
}

function source(instanceId: string, answer: StoreQueryAnswer, store: string, partition: number): Source {
  const role = answer.role === 'active' ? 'active' : 'standby';
  return {
    task: answer.taskId,
    partition,
    instanceId,
    role,
    // Only a running active copy is current; a standby or a restoring active may trail the changelog.
    stale: !(answer.role === 'active' && answer.phase === 'running'),
    changelogLag: answer.changelogLag,
    store,
  };
}

function byFreshness(a: Answered, b: Answered): number {
  const lag = (x: Answered) => x.answer.changelogLag ?? Number.POSITIVE_INFINITY;
  return lag(a) - lag(b) || Number(b.answer.role === 'active') - Number(a.answer.role === 'active');
}

function roleLabel(id: string, holders: { active: string | null; standby: string[] }): string {
  if (holders.active === id) return ' (active copy)';
  return holders.standby.includes(id) ? ' (standby copy)' : '';
}

/** A frozen or timed-out holder is a state the operator can change (conflict); nobody holding the task is not_found. */
function failureCode(errors: readonly QueryError[]): 'conflict' | 'not_found' | 'timeout' {
  if (errors.some((e) => e.reason === 'frozen' || e.reason === 'rebalancing' || e.reason === 'not-running' || e.reason === 'exited')) return 'conflict';
  if (errors.some((e) => e.reason === 'timeout')) return 'timeout';
  return 'not_found';
}
