// One line per event for the log: what happened, in Kafka words.
import type { SessionEvent } from '../api/contract';
import { parseTelemetry } from '../api/telemetry';
import { fmtMs } from './format';

/** The log's filter key: the event type, or "instance.telemetry:<kind>" for telemetry. */
export function categoryOf(e: SessionEvent): string {
  if (e.type === 'instance.telemetry') {
    const t = e.event['type'];
    return `instance.telemetry:${typeof t === 'string' ? t : '?'}`;
  }
  return e.type;
}

/** Which instance / group / transactional id the event is about, for filtering. */
export function subjectOf(e: SessionEvent): string {
  switch (e.type) {
    case 'instance.state':
      return e.instance.id;
    case 'instance.telemetry':
    case 'instance.resources':
    case 'instance.error':
      return e.id;
    case 'group.snapshot':
      return e.group.groupId;
    case 'group.rebalance':
      return e.groupId;
    case 'verifier.snapshot':
      return e.app;
    case 'progress':
      return e.task;
    case 'error':
      return e.source;
    default:
      return '';
  }
}

export function severityOf(e: SessionEvent): 'info' | 'warn' | 'error' {
  switch (e.type) {
    case 'error':
    case 'instance.error':
      return 'error';
    case 'instance.state':
      return e.instance.state === 'crashed' ? 'error' : e.instance.state === 'killed' || e.instance.state === 'frozen' ? 'warn' : 'info';
    case 'cluster.status':
      return e.connected ? 'info' : e.error ? 'error' : 'warn';
    case 'embedded.status':
      return e.state === 'error' ? 'error' : 'info';
    case 'verifier.snapshot':
      return e.missing > 0 || e.duplicated > 0 || e.moneyConserved === false ? 'error' : 'info';
    case 'txn.snapshot':
      return e.transactions.some((t) => t.hanging) ? 'warn' : 'info';
    case 'instance.telemetry': {
      const p = parseTelemetry(e);
      if (p.kind === 'invalid') return 'warn';
      if (p.kind !== 'ok') return 'info';
      const t = p.telemetry;
      if (t.type === 'error') return 'error';
      if (t.type === 'log') return t.level === 'error' ? 'error' : 'warn';
      if (t.type === 'txn' && (t.phase === 'fenced' || t.phase === 'aborted')) return 'warn';
      return 'info';
    }
    default:
      return 'info';
  }
}

function list(xs: string[], max = 6): string {
  if (xs.length === 0) return '—';
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} +${xs.length - max}`;
}

export function describeEvent(e: SessionEvent): string {
  switch (e.type) {
    case 'cluster.status':
      if (e.connected) return `Connected to ${e.embedded ? 'the embedded cluster' : (e.bootstrap ?? 'cluster')} (${e.brokers.length} broker${e.brokers.length === 1 ? '' : 's'}${e.clusterId ? `, cluster ${e.clusterId}` : ''})`;
      if (e.error) return `Cluster unreachable: ${e.error}${e.retryInMs !== null ? ` — retrying in ${fmtMs(e.retryInMs)}` : ''}`;
      return e.bootstrap ? `Not connected (${e.bootstrap})` : 'No cluster connected';
    case 'embedded.status':
      return `Embedded cluster ${e.state}${e.bootstrap ? ` on ${e.bootstrap}` : ''}${e.message ? `: ${e.message}` : ''}`;
    case 'instance.state':
      return `${e.instance.id} ${e.from ? `${e.from} → ` : ''}${e.instance.state}${e.reason ? ` (${e.reason})` : ''}`;
    case 'instance.resources':
      return `${e.id} event loop ${Math.round(e.elu * 100)}%${e.heapUsed !== null ? `, heap ${Math.round(e.heapUsed / 1048576)} MiB` : ''}`;
    case 'instance.error':
      return `${e.id}: ${e.message}`;
    case 'instance.telemetry': {
      const p = parseTelemetry(e);
      if (p.kind === 'unknown') return `${e.id} ${p.type}`;
      if (p.kind === 'invalid') return `${e.id} unreadable telemetry (${p.error})`;
      const t = p.telemetry;
      switch (t.type) {
        case 'state':
          return `${e.id} streams ${t.from} → ${t.to}${t.reason ? ` (${t.reason})` : ''}`;
        case 'rebalance':
          return `${e.id} joined generation ${t.generation ?? '?'}${t.isLeader ? ' as leader' : ''} in ${fmtMs(t.durationMs)}: assigned ${list(t.assigned)}, revoked ${list(t.revoked)}`;
        case 'task':
          return `${e.id} task ${t.taskId} ${t.phase}${t.toRestore ? ` (${t.restored ?? 0}/${t.toRestore} restored)` : ''}${t.reason ? ` — ${t.reason}` : ''}`;
        case 'pause':
          return t.kind === 'kept'
            ? `${e.id} task ${t.taskId} stayed through the rebalance, unable to process for ${fmtMs(t.pauseMs)}`
            : `${e.id} task ${t.taskId} newly assigned, first record ${fmtMs(t.pauseMs)} after its creation`;
        case 'txn':
          return `${e.id} ${t.transactionalId} ${t.phase}${t.producerEpoch !== null ? ` (epoch ${t.producerEpoch})` : ''}${t.records !== undefined ? `, ${t.records} records` : ''}${t.durationMs !== undefined ? ` after ${fmtMs(t.durationMs)}` : ''}${t.error ? `: ${t.error}` : ''}`;
        case 'commit':
          return `${e.id} committed offsets for ${t.offsets.length} partition${t.offsets.length === 1 ? '' : 's'} in ${fmtMs(t.durationMs)} (${t.guarantee})`;
        case 'error':
          return `${e.id} ${t.fatal ? 'fatal error' : 'error'}${t.taskId ? ` in task ${t.taskId}` : ''}: ${t.message}`;
        case 'log':
          return `${e.id} kafkajs ${t.level}: ${t.message}`;
        case 'metrics':
          return `${e.id} ${t.recordsInPerSec.toFixed(1)} in/s, ${t.recordsOutPerSec.toFixed(1)} out/s, ${t.tasks.length} task${t.tasks.length === 1 ? '' : 's'}`;
      }
      return e.id;
    }
    case 'group.snapshot':
      return `Group ${e.group.groupId} ${e.group.state}, generation ${e.group.generation ?? '?'}, ${e.group.members.length} member${e.group.members.length === 1 ? '' : 's'}, lag ${e.group.totalLag} (${e.group.status})`;
    case 'group.rebalance':
      return e.phase === 'started'
        ? `Group ${e.groupId} rebalancing: ${e.cause}`
        : `Group ${e.groupId} generation ${e.generation ?? '?'} complete${e.durationMs !== null ? ` in ${fmtMs(e.durationMs)}` : ''}: ${e.membersAfter.length} member${e.membersAfter.length === 1 ? '' : 's'}, ${e.moved.length} partition${e.moved.length === 1 ? '' : 's'} moved`;
    case 'txn.snapshot': {
      const hanging = e.transactions.filter((t) => t.hanging).length;
      return e.supported ? `${e.transactions.length} transactional id${e.transactions.length === 1 ? '' : 's'}${hanging ? `, ${hanging} hanging` : ''}` : 'The cluster does not describe transactions';
    }
    case 'verifier.snapshot':
      return `Verifier ${e.app}: ${e.inputs} in, ${e.outputs} out, ${e.missing} missing, ${e.duplicated} duplicated${e.moneyConserved === null ? '' : e.moneyConserved ? ', money conserved' : ', money NOT conserved'}`;
    case 'load.stats':
      return `Load ${e.state}: ${e.acked}/${e.sent} acknowledged, ${e.failed} failed, ${e.ratePerSecond.toFixed(0)}/s of ${e.targetRatePerSecond}/s${e.lastError ? ` — ${e.lastError}` : ''}`;
    case 'progress':
      return `${e.task}: ${e.message}${e.fraction !== null ? ` (${Math.round(e.fraction * 100)}%)` : ''}${e.done ? ' — done' : ''}`;
    case 'error':
      return `${e.source}: ${e.message}`;
  }
}
