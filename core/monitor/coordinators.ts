// Sends a per-group question to the groups' coordinators, one request per coordinator for all its
// groups. Coordinators are looked up once and remembered (core/client's cache); a group whose
// coordinator moved (NOT_COORDINATOR, a lost connection, …) is looked up again and asked once more
// in the same poll.
import type { KafkaClient } from '../client/client.js';
import type { BrokerConnection } from '../client/connection.js';
import { COORDINATOR_MOVED, groupErrorMessage, type PerGroup } from './group-requests.js';

/** Per group: the answer, or why there is none. */
export type Answers<T> = Map<string, { ok: true; value: T } | { ok: false; error: string }>;

export async function askCoordinators<T>(
  client: KafkaClient,
  what: string,
  groupIds: readonly string[],
  ask: (conn: BrokerConnection, groupIds: readonly string[]) => Promise<PerGroup<T>>,
  describe: (e: unknown) => string,
): Promise<Answers<T>> {
  const out: Answers<T> = new Map();
  let pending = [...groupIds];
  for (let round = 0; round < 2 && pending.length > 0; round++) {
    const again: string[] = [];
    const last = round === 1;
    const byNode = new Map<number, string[]>();
    await Promise.all(
      pending.map(async (groupId) => {
        try {
          const node = await client.coordinatorFor('group', groupId);
          byNode.set(node, [...(byNode.get(node) ?? []), groupId]);
        } catch (e) {
          out.set(groupId, { ok: false, error: `${what}: cannot find the coordinator: ${describe(e)}` });
        }
      }),
    );
    await Promise.all(
      [...byNode].map(async ([node, ids]) => {
        let answers: PerGroup<T>;
        try {
          answers = await ask(await client.nodeConnection(node), ids);
        } catch (e) {
          for (const id of ids) {
            client.coordinatorMoved('group', id);
            if (last) out.set(id, { ok: false, error: `${what}: ${describe(e)}` });
            else again.push(id);
          }
          return;
        }
        for (const id of ids) {
          const a = answers.get(id);
          if (a?.ok) out.set(id, a);
          else if (a && COORDINATOR_MOVED.has(a.errorCode)) {
            client.coordinatorMoved('group', id);
            if (last) out.set(id, { ok: false, error: groupErrorMessage(what, a.errorCode) });
            else again.push(id);
          } else out.set(id, { ok: false, error: a ? groupErrorMessage(what, a.errorCode) : `${what}: the coordinator did not answer for it` });
        }
      }),
    );
    pending = again;
  }
  return out;
}
