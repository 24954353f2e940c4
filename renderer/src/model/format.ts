// Numbers, durations and times as an operator reads them.

export function fmtInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n >= 100) return `${fmtInt(n)}/s`;
  if (n >= 10) return `${n.toFixed(1)}/s`;
  return `${n.toFixed(n === 0 ? 0 : 2)}/s`;
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (m < 60) return `${m} m ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${Math.round(fraction * 100)}%`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** 14:03:07.125 (local time). */
export function fmtTime(ts: number, millis = true): string {
  const d = new Date(ts);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${hms}.${pad(d.getMilliseconds(), 3)}` : hms;
}

/** "3 s ago", "2 m 5 s ago". */
export function fmtAgo(ts: number | null | undefined, now: number): string {
  if (ts === null || ts === undefined) return '—';
  const ms = Math.max(0, now - ts);
  if (ms < 1000) return 'just now';
  return `${fmtMs(Math.floor(ms / 1000) * 1000).replace(/\.0+ s$/, ' s')} ago`;
}

/** "events-json" → "events.json" style names are the service's; shorten member ids for labels. */
export function shortId(id: string, max = 18): string {
  return id.length <= max ? id : `${id.slice(0, max - 7)}…${id.slice(-6)}`;
}
