// The link to the session (Electron IPC or the web shell's WebSocket) and the client behind it.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { Client } from '../api/client';
import type { CommandArgs, CommandName, CommandResult } from '../api/contract';
import { CommandFailure } from '../api/errors';
import { initialStatus, type LinkStatus } from '../api/transport';

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<LinkStatus>(initialStatus());
  const kind = ref<'electron' | 'websocket' | null>(null);
  const client = shallowRef<Client | null>(null);
  /** Set once the first history catch-up is done (the views have their starting state). */
  const synced = ref(false);
  const lastFailure = ref<string | null>(null);
  const restarts = ref(0);

  const down = computed(() => status.value.state !== 'open');
  /** Worth a banner: the link was up and dropped, or never came up after an attempt failed. */
  const showBanner = computed(() => status.value.state !== 'open' && (status.value.everOpened || status.value.attempt > 0));

  function attach(c: Client): void {
    client.value = markRaw(c);
    kind.value = c.transport.kind;
  }

  function command<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    if (!client.value) return Promise.reject(new CommandFailure('The console is still starting.', 'NOT_READY', name));
    return client.value.command(name, args);
  }

  return { status, kind, synced, lastFailure, restarts, down, showBanner, attach, command };
});
