import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyLoad, initialLoad, loadRunning } from '../model/load';

export const useLoadStore = defineStore('load', () => {
  const state = reactive(initialLoad());
  const running = computed(() => loadRunning(state));
  function apply(e: SessionEvent): void {
    applyLoad(state, e);
  }
  function reset(): void {
    Object.assign(state, initialLoad());
  }
  return { state, running, apply, reset };
});
