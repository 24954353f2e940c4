import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { activeProgress, applyProgress, initialProgress, progressMatching } from '../model/progress';

export const useProgressStore = defineStore('progress', () => {
  const state = reactive(initialProgress());
  const active = computed(() => activeProgress(state));
  function apply(e: SessionEvent): void {
    applyProgress(state, e);
  }
  function reset(): void {
    Object.assign(state, initialProgress());
  }
  function matching(needle: string) {
    return progressMatching(state, needle);
  }
  return { state, active, apply, reset, matching };
});
