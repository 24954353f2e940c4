import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyGroups, defaultGroup, groupIds, initialGroups } from '../model/groups';
import { useInstancesStore } from './instances';

export const useGroupsStore = defineStore('groups', () => {
  const state = reactive(initialGroups());
  /** Chosen by the user; shared by the Group, Lag and Rebalances views. */
  const selected = ref<string | null>(null);
  const ids = computed(() => groupIds(state));
  const current = computed(() => {
    if (selected.value && state.byId[selected.value]) return selected.value;
    return defaultGroup(state, useInstancesStore().applicationIds);
  });
  const totalLag = computed(() => Object.values(state.byId).reduce((sum, g) => sum + g.snapshot.totalLag, 0));

  function apply(e: SessionEvent): void {
    applyGroups(state, e);
  }
  function reset(): void {
    Object.assign(state, initialGroups());
  }
  function select(id: string | null): void {
    selected.value = id;
  }
  return { state, selected, ids, current, totalLag, apply, reset, select };
});
