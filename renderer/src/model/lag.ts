// Lag over time per group: total records and estimated seconds, per partition, and Burrow status.
import type { LagStatus, SessionEvent } from '../api/contract';
import { tpKey } from './groups';
import { lastN, pushCapped, WINDOW_POINTS } from './series';

export interface LagPoint {
  t: number;
  total: number;
  totalTimeMs: number | null;
  /** "topic-partition" → records behind. */
  partitions: Record<string, number>;
  /** "topic-partition" → estimated ms behind. */
  partitionTimes: Record<string, number | null>;
}

export interface GroupLag {
  groupId: string;
  status: LagStatus;
  statusSince: number;
  points: LagPoint[];
}

export interface LagState {
  byGroup: Record<string, GroupLag>;
}

export function initialLag(): LagState {
  return { byGroup: {} };
}

export function applyLag(state: LagState, e: SessionEvent): void {
  if (e.type !== 'group.snapshot') return;
  const g = e.group;
  const entry = (state.byGroup[g.groupId] ??= { groupId: g.groupId, status: g.status, statusSince: e.ts, points: [] });
  if (entry.status !== g.status) {
    entry.status = g.status;
    entry.statusSince = e.ts;
  }
  const partitions: Record<string, number> = {};
  const partitionTimes: Record<string, number | null> = {};
  for (const p of g.partitions) {
    partitions[tpKey(p.topic, p.partition)] = p.lag;
    partitionTimes[tpKey(p.topic, p.partition)] = p.timeLagMs;
  }
  const last = entry.points[entry.points.length - 1];
  const point = { t: e.ts, total: g.totalLag, totalTimeMs: g.totalTimeLagMs, partitions, partitionTimes };
  // Snapshots closer than 250 ms apart replace each other: the chart keeps its time span.
  if (last && e.ts - last.t < 250) entry.points[entry.points.length - 1] = point;
  else pushCapped(entry.points, point, WINDOW_POINTS);
}

export type LagUnit = 'records' | 'seconds';

export interface ChartSeries {
  label: string;
  color?: string;
  points: { t: number; y: number | null }[];
}

/**
 * Total plus the `maxPartitions` partitions with the highest lag seen in the window, in records
 * or seconds: a partition that lagged and recovered stays on the chart, which is the story.
 */
export function lagChartSeries(entry: GroupLag | undefined, unit: LagUnit, maxPartitions = 8): ChartSeries[] {
  if (!entry || entry.points.length === 0) return [];
  const points = lastN(entry.points);
  const last = points[points.length - 1]!;
  const total: ChartSeries = {
    label: 'total',
    points: points.map((p) => ({ t: p.t, y: unit === 'records' ? p.total : p.totalTimeMs === null ? null : p.totalTimeMs / 1000 })),
  };
  const peak = new Map<string, number>();
  for (const p of points) {
    const values = unit === 'records' ? p.partitions : p.partitionTimes;
    for (const [key, value] of Object.entries(values)) peak.set(key, Math.max(peak.get(key) ?? 0, value ?? 0));
  }
  const keys = [...peak.keys()].sort((a, b) => peak.get(b)! - peak.get(a)! || a.localeCompare(b)).slice(0, maxPartitions);
  const per = keys.map((key) => ({
    label: key,
    points: points.map((p) => {
      if (unit === 'records') return { t: p.t, y: p.partitions[key] ?? null };
      const ms = p.partitionTimes[key];
      return { t: p.t, y: ms === undefined || ms === null ? null : ms / 1000 };
    }),
  }));
  return [total, ...per];
}
