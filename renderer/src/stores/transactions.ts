import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyTransactions, initialTransactions, txnRows } from '../model/transactions';

export const useTransactionsStore = defineStore('transactions', () => {
  const state = reactive(initialTransactions());
  const rows = computed(() => txnRows(state));
  const hanging = computed(() => rows.value.filter((r) => r.hanging).length);
  /** What the coordinator did on its own, over all transactional ids. */
  const coordinator = computed(() => {
    const total = { 'timeout-abort': 0, 'fence-abort': 0, fence: 0 };
    for (const r of rows.value) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.coordinator[k];
    return total;
  });
  function apply(e: SessionEvent): void {
    applyTransactions(state, e);
  }
  function reset(): void {
    Object.assign(state, initialTransactions());
  }
  return { state, rows, hanging, coordinator, apply, reset };
});
