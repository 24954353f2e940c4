// Wires the client to the stores: every validated event goes to every resource store (each takes
// what concerns it), invalid ones are counted in the event log, and after each (re)connect the
// lists that are not events (instances, profiles, apps) are fetched again.
import { markRaw } from 'vue';
import type { Client } from '../api/client';
import type { SessionEvent } from '../api/contract';
import { errorMessage } from '../api/errors';
import { useAppsStore } from './apps';
import { benchLatency } from './bench-latency';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';
import { useEventsStore } from './events';
import { useFailoverStore } from './failover';
import { FrameBatcher } from './frame-batcher';
import { useGroupsStore } from './groups';
import { useInstancesStore } from './instances';
import { useLagStore } from './lag';
import { useLedgerStore } from './ledger';
import { useLoadStore } from './load';
import { useProgressStore } from './progress';
import { useRebalancesStore } from './rebalances';
import { useTasksStore } from './tasks';
import { useTransactionsStore } from './transactions';

export function startSession(client: Client): void {
  const connection = useConnectionStore();
  const instances = useInstancesStore();
  const events = useEventsStore();
  // Order matters once: instances before rebalances (a rebalance is filed under the instance's app).
  const resources = [
    useClusterStore(),
    useProgressStore(),
    instances,
    useGroupsStore(),
    useLagStore(),
    useRebalancesStore(),
    useTasksStore(),
    useFailoverStore(),
    useTransactionsStore(),
    useLedgerStore(),
    useLoadStore(),
    events,
  ];

  connection.attach(client);
  client.onStatus((status) => {
    connection.status = status;
  });
  // Hundreds of events a second arrive under load: apply them in one batch per animation frame,
  // so the views render once per frame, not once per event, and no event waits longer than that.
  const batcher = new FrameBatcher<SessionEvent>((batch, inFrame) => {
    for (const e of batch) {
      for (const store of resources) {
        try {
          store.apply(e);
        } catch (err) {
          console.error(`store ${store.$id} failed on ${e.type}`, err);
        }
      }
    }
    benchLatency?.applied(batch, inFrame); // npm run bench:ui only (?bench=1), see bench-latency.ts
  });
  client.onEvent((event: SessionEvent) => {
    // Events are facts: never changed after arrival, so not made deeply reactive.
    batcher.push(markRaw(event));
    benchLatency?.received(event); // npm run bench:ui only (?bench=1)
  });
  client.onInvalid((bad) => events.invalid(bad.raw, bad.error, bad.receivedAt));
  client.onReset(() => {
    batcher.clear();
    connection.restarts++;
    for (const store of resources) store.reset();
  });
  client.onFailure((message) => {
    connection.lastFailure = message;
  });
  client.onConnected(() => {
    batcher.flush();
    connection.synced = true;
    void refreshLists();
  });
  client.start();
}

export async function refreshLists(): Promise<void> {
  const connection = useConnectionStore();
  const instances = useInstancesStore();
  await Promise.all([
    connection
      .command('instances.list', {})
      .then((r) => instances.setList(r.instances))
      .catch((err) => {
        connection.lastFailure = `Could not list instances: ${errorMessage(err)}`;
      }),
    useClusterStore().refreshProfiles(),
    useAppsStore().refresh(),
  ]);
}
