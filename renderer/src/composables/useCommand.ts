// One command, as a component uses it: run it, show that it runs, show why it failed.
import { ref, shallowRef } from 'vue';
import type { CommandArgs, CommandName, CommandResult } from '../api/contract';
import { errorMessage } from '../api/errors';
import { useConnectionStore } from '../stores/connection';

export function useCommand<C extends CommandName>(name: C) {
  const pending = ref(false);
  const error = ref<string | null>(null);
  const result = shallowRef<CommandResult<C> | null>(null);
  const connection = useConnectionStore();

  async function run(args: CommandArgs<C>): Promise<CommandResult<C> | null> {
    pending.value = true;
    error.value = null;
    try {
      const r = await connection.command(name, args);
      result.value = r;
      return r;
    } catch (err) {
      error.value = errorMessage(err);
      return null;
    } finally {
      pending.value = false;
    }
  }

  function clear(): void {
    error.value = null;
    result.value = null;
  }

  return { pending, error, result, run, clear };
}
