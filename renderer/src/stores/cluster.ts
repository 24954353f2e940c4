// The cluster, the embedded broker, and saved connection profiles.
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { ConnectionProfile, SessionEvent } from '../api/contract';
import { errorMessage } from '../api/errors';
import { applyCluster, clusterSummary, initialCluster } from '../model/cluster';
import { useConnectionStore } from './connection';

export const useClusterStore = defineStore('cluster', () => {
  const state = reactive(initialCluster());
  const profiles = ref<ConnectionProfile[]>([]);
  const profilesError = ref<string | null>(null);

  const summary = computed(() => clusterSummary(state));
  const connected = computed(() => state.status?.connected === true);

  function apply(e: SessionEvent): void {
    applyCluster(state, e);
  }
  function reset(): void {
    Object.assign(state, initialCluster());
  }

  async function refreshProfiles(): Promise<void> {
    try {
      profiles.value = (await useConnectionStore().command('profiles.list', {})).profiles;
      profilesError.value = null;
    } catch (err) {
      profilesError.value = errorMessage(err);
    }
  }

  return { state, profiles, profilesError, summary, connected, apply, reset, refreshProfiles };
});
