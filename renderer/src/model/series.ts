// Sliding windows for charts: a capped list of points, oldest dropped first.

export interface Point {
  t: number;
  y: number | null;
}

export const WINDOW_POINTS = 300;

export function pushCapped<T>(list: T[], item: T, cap = WINDOW_POINTS): void {
  list.push(item);
  if (list.length > cap) list.splice(0, list.length - cap);
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
