import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyRebalances, initialRebalances, rebalanceGroups } from '../model/rebalances';
import { useInstancesStore } from './instances';

export const useRebalancesStore = defineStore('rebalances', () => {
  const state = reactive(initialRebalances());
  const groups = computed(() => rebalanceGroups(state));
  function apply(e: SessionEvent): void {
    const instances = useInstancesStore();
    applyRebalances(state, e, (id) => instances.applicationIdOf(id));
  }
  function reset(): void {
    Object.assign(state, initialRebalances());
  }
  return { state, groups, apply, reset };
});
