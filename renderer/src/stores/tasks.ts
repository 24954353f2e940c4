import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { SessionEvent } from '../api/contract';
import { applyTasks, initialTasks } from '../model/tasks';
import { useInstancesStore } from './instances';

export const useTasksStore = defineStore('tasks', () => {
  const state = reactive(initialTasks());
  /** Chosen in the Tasks view; else the app with most live instances, else any seen. */
  const selected = ref<string | null>(null);
  const appIds = computed(() => Object.keys(state.apps).sort());
  const current = computed(() => {
    if (selected.value && state.apps[selected.value]) return selected.value;
    const hosted = useInstancesStore().applicationIds.find((id) => state.apps[id]);
    return hosted ?? appIds.value[0] ?? null;
  });
  function apply(e: SessionEvent): void {
    const instances = useInstancesStore();
    applyTasks(state, e, {
      applicationIdOf: (id) => instances.applicationIdOf(id),
      hosted: (applicationId) => instances.list.some((r) => r.info.applicationId === applicationId),
    });
  }
  function reset(): void {
    Object.assign(state, initialTasks());
  }
  function select(id: string | null): void {
    selected.value = id;
  }
  return { state, selected, appIds, current, apply, reset, select };
});
