import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { InstanceInfo, SessionEvent } from '../api/contract';
import { applyInstanceList, applyInstances, countByState, initialInstances, instanceList, isLive } from '../model/instances';

export const useInstancesStore = defineStore('instances', () => {
  const state = reactive(initialInstances());
  const list = computed(() => instanceList(state));
  const live = computed(() => list.value.filter(isLive));
  const counts = computed(() => countByState(state));
  /** Application ids of live instances, most instances first. */
  const applicationIds = computed(() => {
    const n = new Map<string, number>();
    for (const row of live.value) n.set(row.info.applicationId, (n.get(row.info.applicationId) ?? 0) + 1);
    return [...n.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  });

  function apply(e: SessionEvent): void {
    applyInstances(state, e);
  }
  function setList(infos: InstanceInfo[]): void {
    applyInstanceList(state, infos);
  }
  function reset(): void {
    Object.assign(state, initialInstances());
  }
  function applicationIdOf(id: string): string | null {
    return state.byId[id]?.info.applicationId ?? null;
  }
  return { state, list, live, counts, applicationIds, apply, setList, reset, applicationIdOf };
});
