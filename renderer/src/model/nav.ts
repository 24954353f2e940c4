// The views and the address-bar hash that selects one (#/group). The query string is left alone:
// it carries the web shell's token.

export const VIEWS = [
  { id: 'connect', label: 'Connect', icon: '⊕' },
  { id: 'overview', label: 'Overview', icon: '◉' },
  { id: 'instances', label: 'Instances', icon: '▤' },
  { id: 'group', label: 'Group', icon: '▦' },
  { id: 'tasks', label: 'Tasks', icon: '▥' },
  { id: 'rebalances', label: 'Rebalances', icon: '⇄' },
  { id: 'failover', label: 'Failover', icon: '⚡' },
  { id: 'transactions', label: 'Transactions', icon: '⛁' },
  { id: 'lag', label: 'Lag', icon: '↗' },
  { id: 'topology', label: 'Topology', icon: '⋔' },
  { id: 'queries', label: 'Query', icon: '⌕' },
  { id: 'events', label: 'Events', icon: '☰' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export function isViewId(s: string): s is ViewId {
  return VIEWS.some((v) => v.id === s);
}

/** "#/lag" → "lag"; anything else → null. */
export function viewFromHash(hash: string): ViewId | null {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return isViewId(id) ? id : null;
}

export function hashFor(view: ViewId): string {
  return `#/${view}`;
}
