import { daysBetween } from "./dates";

/** A value that holds from its first day until ``to`` (exclusive; null: open), e.g. a plan stage's
 * workload or an evaluation's work capacity. */
export interface Span {
  from: string;
  to: string | null;
  value: number;
}

/** Spans as the points of a step line on an axis of days counted from ``origin``, shown from
 * ``xMin`` to ``xMax``: each value holds until the next span begins (both corners of every change
 * are points, so the line never depends on the chart's own step mode); a gap between spans stays
 * a gap (the line breaks). */
export function stepPoints(
  origin: string,
  spans: Span[],
  xMin: number,
  xMax: number,
): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  let last: { x: number; y: number } | null = null;
  for (const span of [...spans].sort((a, b) => a.from.localeCompare(b.from))) {
    const start = Math.max(daysBetween(origin, span.from), xMin);
    const stop = Math.min(span.to ? daysBetween(origin, span.to) : xMax, xMax);
    if (stop < 0 || start > xMax) continue;
    if (last && start > last.x) {
      points.push(last, { x: last.x, y: Number.NaN }); // a gap: the line breaks
    } else if (last) {
      points.push({ x: start, y: last.y });
    }
    points.push({ x: start, y: span.value });
    last = { x: stop, y: span.value };
  }
  if (last) points.push(last);
  return points;
}
