// The current view, kept in the address-bar hash so reloads and e2e links land on it.
import { ref } from 'vue';
import { hashFor, viewFromHash, type ViewId } from '../model/nav';

const current = ref<ViewId>(viewFromHash(window.location.hash) ?? 'connect');
/** True when the address named a view (then the first sync does not redirect). */
const explicit = viewFromHash(window.location.hash) !== null;

window.addEventListener('hashchange', () => {
  const v = viewFromHash(window.location.hash);
  if (v) current.value = v;
});

export function useNav() {
  function go(view: ViewId): void {
    current.value = view;
    if (window.location.hash !== hashFor(view)) window.location.hash = hashFor(view);
  }
  return { current, explicit, go };
}
