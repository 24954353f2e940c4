import { defineStore } from 'pinia';
import { reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyFailover, initialFailover } from '../model/failover';
import { useInstancesStore } from './instances';

export const useFailoverStore = defineStore('failover', () => {
  const state = reactive(initialFailover());
  function apply(e: SessionEvent): void {
    const instances = useInstancesStore();
    applyFailover(state, e, (id) => {
      const info = instances.state.byId[id]?.info;
      return info ? { applicationId: info.applicationId, guarantee: info.guarantee } : null;
    });
  }
  function reset(): void {
    Object.assign(state, initialFailover());
  }
  return { state, apply, reset };
});
