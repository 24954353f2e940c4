// The cluster the session is connected to, and the embedded broker's lifecycle.
import type { SessionEvent } from '../api/contract';

type ClusterStatus = Extract<SessionEvent, { type: 'cluster.status' }>;
type EmbeddedStatus = Extract<SessionEvent, { type: 'embedded.status' }>;

export interface ClusterState {
  status: Omit<ClusterStatus, 'type' | 'seq'> | null;
  embedded: Omit<EmbeddedStatus, 'type' | 'seq'> | null;
}

export function initialCluster(): ClusterState {
  return { status: null, embedded: null };
}

export function applyCluster(state: ClusterState, e: SessionEvent): void {
  if (e.type === 'cluster.status') {
    const { type: _t, seq: _s, ...rest } = e;
    state.status = rest;
  } else if (e.type === 'embedded.status') {
    const { type: _t, seq: _s, ...rest } = e;
    state.embedded = rest;
  }
}

/** One line for the top bar. */
export function clusterSummary(state: ClusterState): { tone: 'ok' | 'warn' | 'bad' | 'idle'; text: string } {
  const s = state.status;
  if (!s) {
    // A window opened late may have missed the last cluster.status; the embedded broker's own
    // status still says something true.
    const emb = state.embedded;
    if (emb?.state === 'running') return { tone: 'ok', text: `Embedded cluster running${emb.bootstrap ? ` on ${emb.bootstrap}` : ''}` };
    if (emb?.state === 'starting') return { tone: 'warn', text: 'Embedded cluster starting…' };
    return { tone: 'idle', text: 'No cluster' };
  }
  if (s.connected) {
    const where = s.embedded ? 'embedded cluster' : (s.bootstrap ?? 'cluster');
    return { tone: 'ok', text: `Connected to ${where}${s.brokers.length ? ` · ${s.brokers.length} broker${s.brokers.length === 1 ? '' : 's'}` : ''}` };
  }
  if (s.error) return { tone: 'bad', text: `Cluster unreachable: ${s.error}` };
  if (s.bootstrap) return { tone: 'warn', text: `Connecting to ${s.bootstrap}…` };
  return { tone: 'idle', text: 'No cluster' };
}
