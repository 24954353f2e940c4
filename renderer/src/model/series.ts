// Sliding windows for charts: a capped list of points, oldest dropped first.

export interface Point {
  t: number;
  y: number | null;
}

export const WINDOW_POINTS = 300;

/** Append, dropping the oldest beyond `cap`. The drop happens in chunks (the list may hold up to
 * cap + cap/4 items) so a reactive array is not shifted, index by index, on every push. */
export function pushCapped<T>(list: T[], item: T, cap = WINDOW_POINTS): void {
  list.push(item);
  if (list.length > cap + Math.max(1, Math.floor(cap / 4))) list.splice(0, list.length - cap);
}

/** The last `cap` items (what a chart shows of a list pushCapped keeps). */
export function lastN<T>(list: readonly T[], cap = WINDOW_POINTS): readonly T[] {
  return list.length > cap ? list.slice(list.length - cap) : list;
}

/** Add a point, or replace the last one if it is less than `minGapMs` old (one point per interval). */
export function pushSample(list: Point[], t: number, y: number | null, minGapMs = 1000, cap = WINDOW_POINTS): void {
  const last = list[list.length - 1];
  if (last && t - last.t < minGapMs) {
    last.y = y;
    return;
  }
  pushCapped(list, { t, y }, cap);
}
