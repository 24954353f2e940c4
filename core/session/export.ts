// events.export: the history as a JSON array, or as CSV with one row per event — seq, time, type,
// the subject it is about (instance, group, app…) and the rest of the event as JSON.
import type { SessionEvent } from './api.js';

export type ExportFormat = 'json' | 'csv';

export const CSV_COLUMNS = ['seq', 'time', 'type', 'subject', 'data'] as const;

export function exportEvents(events: readonly SessionEvent[], format: ExportFormat, now = new Date()): { filename: string; content: string } {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  const filename = `streamwatch-events-${stamp}.${format}`;
  if (format === 'json') return { filename, content: `${JSON.stringify(events, null, 2)}\n` };
  const rows = [CSV_COLUMNS.join(',')];
  for (const event of events) {
    const { seq, ts, type, ...rest } = event;
    rows.push([String(seq), new Date(ts).toISOString(), type, subjectOf(event), JSON.stringify(rest)].map(csvField).join(','));
  }
  return { filename, content: `${rows.join('\r\n')}\r\n` };
}

/** What the event is about, for filtering a spreadsheet. */
export function subjectOf(event: SessionEvent): string {
  switch (event.type) {
    case 'instance.state':
      return event.instance.id;
    case 'instance.telemetry':
    case 'instance.resources':
    case 'instance.error':
      return event.id;
    case 'group.snapshot':
      return event.group.groupId;
    case 'group.rebalance':
      return event.groupId;
    case 'verifier.snapshot':
      return event.app;
    case 'cluster.status':
    case 'embedded.status':
      return event.bootstrap ?? '';
    case 'progress':
      return event.task;
    case 'error':
      return event.source;
    case 'txn.snapshot':
    case 'load.stats':
      return '';
  }
}

/** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
