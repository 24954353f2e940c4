import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyTransactions, initialTransactions, txnRows } from '../model/transactions';

export const useTransactionsStore = defineStore('transactions', () => {
  const state = reactive(initialTransactions());
  const rows = computed(() => txnRows(state));
  const hanging = computed(() => rows.value.filter((r) => r.hanging).length);
  function apply(e: SessionEvent): void {
    applyTransactions(state, e);
  }
  function reset(): void {
    Object.assign(state, initialTransactions());
  }
  return { state, rows, hanging, apply, reset };
});
