import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyLedger, initialLedger, verdict } from '../model/ledger';

export const useLedgerStore = defineStore('ledger', () => {
  const state = reactive(initialLedger());
  const current = computed(() => (state.latest ? (state.byApp[state.latest] ?? null) : null));
  const currentVerdict = computed(() => verdict(current.value));
  function apply(e: SessionEvent): void {
    applyLedger(state, e);
  }
  function reset(): void {
    Object.assign(state, initialLedger());
  }
  return { state, current, currentVerdict, apply, reset };
});
