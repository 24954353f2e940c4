import { defineStore } from 'pinia';
import { reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyLag, initialLag } from '../model/lag';

export const useLagStore = defineStore('lag', () => {
  const state = reactive(initialLag());
  function apply(e: SessionEvent): void {
    applyLag(state, e);
  }
  function reset(): void {
    Object.assign(state, initialLag());
  }
  return { state, apply, reset };
});
