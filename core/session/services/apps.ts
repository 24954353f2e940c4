// The built-in apps as the console shows them (apps.list, apps.describe) and apps.reset: stop an
// application's instances (leaving the group), remove the members its killed or frozen instances
// left behind, delete its consumer group (waiting for other members to time out) and its
// internal topics, so it starts afresh.
import type { Admin } from 'kafkajs';
import type { AppName, CommandResult } from '../api.js';
import { CommandFailure, formatMs } from '../errors.js';
import { BUILT_IN_APPS, builtInApp } from '../../apps/instances/catalog.js';
import { bankLedgerTopology, passthroughTopology, wordCountTopology } from '../../apps/index.js';
import type { Topology } from '../../streams/index.js';
import type { ClusterConnection } from './connection.js';
import type { Publisher } from './events.js';
import type { GroupMembers } from './group-members.js';
import type { HostedInstances } from './hosted-instances.js';

/** The topology of a built-in app, for apps.describe and for its internal topics. */
export function builtInTopology(app: AppName, applicationId: string): Topology {
  const { input, output } = builtInApp(app).defaultTopics;
  switch (app) {
    case 'bank-ledger':
      return bankLedgerTopology({ applicationId, input, output });
    case 'word-count':
      return wordCountTopology({ applicationId, input, output });
    case 'passthrough':
      return passthroughTopology({ applicationId, input, output });
  }
}

export function listApps(): CommandResult<'apps.list'> {
  return {
    apps: BUILT_IN_APPS.map((a) => ({ name: a.name as AppName, description: a.description, input: a.defaultTopics.input, output: a.defaultTopics.output })),
  };
}

/** describe() in the contract's shape: each node's successors also as `children`. */
export function describeTopology(topology: Topology): CommandResult<'apps.describe'> {
  const d = topology.describe();
  return {
    applicationId: d.applicationId,
    subtopologies: d.subtopologies.map((s) => ({ id: s.id, nodes: s.nodes.map((n) => ({ ...n, children: [...n.successors] })) })),
    stores: d.stores.map((s) => ({ ...s })),
  };
}

export class AppReset {
  readonly #events: Publisher;
  readonly #connection: ClusterConnection;
  readonly #instances: HostedInstances;
  readonly #groupMembers: GroupMembers;
  readonly #waitMs: number;

  constructor(events: Publisher, deps: { connection: ClusterConnection; instances: HostedInstances; groupMembers: GroupMembers; waitMs: number }) {
    this.#events = events;
    this.#connection = deps.connection;
    this.#instances = deps.instances;
    this.#groupMembers = deps.groupMembers;
    this.#waitMs = deps.waitMs;
  }

  async reset(applicationId: string): Promise<void> {
    const conn = this.#connection.require();
    const progress = (message: string, fraction: number, done: boolean) => this.#events.progress(`reset ${applicationId}`, message, fraction, done);
    const mine = this.#instances.ofApplication(applicationId);
    await this.#instances.stopActive('app reset', mine, (active) => progress(`stopping ${active.map((h) => h.info.id).join(', ')}`, 0, false), { leaveGroup: true });
    // Killed or frozen instances stay members until their session times out; they are static
    // under their own id, so they are removed by it now. Gone already is fine; a removal that
    // fails leaves the member to the wait below, which says who is still there.
    await Promise.all(
      mine
        .filter((h) => h.bootstrap === conn.bootstrap)
        .map((h) => this.#groupMembers.remove({ groupId: applicationId, memberId: '', groupInstanceId: h.info.id }).catch(() => undefined)),
    );

    // The group: only an empty group can be deleted; members of killed or frozen instances
    // (or of programs elsewhere) stay until their session times out.
    const waitMs = this.#waitMs;
    const deadline = Date.now() + waitMs;
    progress(`deleting consumer group '${applicationId}' (its committed offsets)`, 0.3, false);
    for (;;) {
      const code = await deleteGroup(conn.admin, applicationId);
      if (code === null || code === 'GROUP_ID_NOT_FOUND') break;
      if (code !== 'NON_EMPTY_GROUP') throw new CommandFailure(`cannot delete consumer group '${applicationId}': ${code}`, 'internal');
      if (Date.now() >= deadline) {
        const members = await groupMembers(conn.admin, applicationId);
        throw new CommandFailure(
          `consumer group '${applicationId}' still has members after ${formatMs(waitMs)} (${members || 'unknown'}); stop the programs using it, or wait for their session timeout and reset again`,
          'conflict',
        );
      }
      progress(`waiting for the members of '${applicationId}' to leave or time out`, 0.4, false);
      await new Promise((r) => setTimeout(r, 1000));
    }

    // Internal topics: what the app's topology names, and whatever else follows Kafka Streams'
    // naming under this application id (an app of another shape run under it earlier).
    const known = new Set<string>();
    const app = mine[0]?.info.app ?? (BUILT_IN_APPS.some((a) => a.name === applicationId) ? (applicationId as AppName) : null);
    if (app !== null) {
      const topology = builtInTopology(app, applicationId);
      for (const s of topology.describe().stores) if (s.changelogTopic !== null) known.add(s.changelogTopic);
      for (const t of topology.repartitionTopics()) known.add(t);
    }
    const existing = await conn.admin.listTopics();
    const internal = existing.filter(
      (t) => known.has(t) || (t.startsWith(`${applicationId}-`) && (t.endsWith('-changelog') || t.endsWith('-repartition'))),
    );
    if (internal.length > 0) {
      progress(`deleting ${internal.join(', ')}`, 0.7, false);
      await conn.admin.deleteTopics({ topics: internal, timeout: 10_000 });
    }
    for (const h of mine) {
      h.info.tasks = [];
    }
    progress(`reset '${applicationId}': committed offsets deleted${internal.length > 0 ? `, ${internal.length} internal topic${internal.length === 1 ? '' : 's'} deleted` : ''}`, 1, true);
  }
}

/** null when deleted, else the Kafka error type for the group. */
async function deleteGroup(admin: Admin, groupId: string): Promise<string | null> {
  try {
    await admin.deleteGroups([groupId]);
    return null;
  } catch (error) {
    const groups = findGroupsError(error);
    const entry = groups?.find((g) => g.groupId === groupId);
    const type = entry?.error?.type;
    if (typeof type === 'string') return type;
    throw error;
  }
}

async function groupMembers(admin: Admin, groupId: string): Promise<string> {
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => `${m.clientId} from ${m.clientHost}`).join(', ');
  } catch {
    return '';
  }
}

interface GroupsError {
  groupId: string;
  error?: { type?: unknown };
}

/** kafkajs' KafkaJSDeleteGroupsError carries per-group errors in `groups`. */
function findGroupsError(error: unknown): GroupsError[] | null {
  let e: unknown = error;
  const seen = new Set<unknown>();
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const groups = (e as { groups?: unknown }).groups;
    if (Array.isArray(groups)) return groups as GroupsError[];
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return null;
}
