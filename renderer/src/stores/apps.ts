// The built-in app catalogue (apps.list) and topologies fetched on demand (apps.describe).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { APP_NAMES, type AppName, type CommandResult } from '../api/contract';
import { errorMessage } from '../api/errors';
import { useConnectionStore } from './connection';

type AppsList = CommandResult<'apps.list'>['apps'];

export const useAppsStore = defineStore('apps', () => {
  const apps = ref<AppsList>(APP_NAMES.map((name) => ({ name, description: '', input: '', output: '' })));
  const error = ref<string | null>(null);
  const topologies = shallowRef<Partial<Record<AppName, CommandResult<'apps.describe'>>>>({});

  async function refresh(): Promise<void> {
    try {
      apps.value = (await useConnectionStore().command('apps.list', {})).apps;
      error.value = null;
    } catch (err) {
      error.value = errorMessage(err);
    }
  }

  async function describe(app: AppName): Promise<CommandResult<'apps.describe'>> {
    const topology = await useConnectionStore().command('apps.describe', { app });
    topologies.value = { ...topologies.value, [app]: topology };
    return topology;
  }

  return { apps, error, topologies, refresh, describe };
});
