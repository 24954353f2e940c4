// A clock for "open for 12 s" and "3 s ago": one shared timer, ticking while anyone watches.
import { onScopeDispose, ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | null = null;

export function useNow(): typeof now {
  users++;
  if (!timer) timer = setInterval(() => (now.value = Date.now()), 1000);
  onScopeDispose(() => {
    users--;
    if (users === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  });
  return now;
}
