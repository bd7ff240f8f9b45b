/**
 * Counts of the matching alerts per time bucket, by priority and by rule: what the UI's chart draws. Buckets are a
 * "round" width (1 s, 5 s, 1 min, 1 h, 1 day...) chosen so that the range fits in at most the requested number, and
 * start at a multiple of that width (UTC), so that the bars of two successive polls line up.
 *
 * The range is the query's [since, until) when given (until defaults to now when only since is), else the span of
 * the matching alerts' times. Alert times come from the audit events, so a range can be anything from one second to
 * decades: the widths go on past a day in years, and the bucket count stays bounded whatever the data.
 */
import { type AlertQuery, matches } from './query.js';
import type { StoredAlert } from './store.js';

export interface Bucket {
  /** Start of the bucket, ms since the epoch; it ends at start + bucketMs. */
  readonly start: number;
  readonly total: number;
  readonly byPriority: Record<string, number>;
  readonly byRule: Record<string, number>;
}

export interface Series {
  /** Start of the first bucket, end of the last (ms), or null when nothing matches and no range was given. */
  readonly from: number | null;
  readonly to: number | null;
  readonly bucketMs: number;
  readonly buckets: Bucket[];
  readonly total: number;
  readonly byPriority: Record<string, number>;
  readonly byRule: Record<string, number>;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;
/** Widths people read at a glance, smallest first. */
const ROUND_WIDTHS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 180 * DAY, YEAR,
];

/**
 * The smallest round width whose buckets, aligned to multiples of it, cover [firstMs, lastMs] in at most `maxBuckets`
 * buckets; beyond the table, powers of ten of years.
 */
export function chooseBuckets(firstMs: number, lastMs: number, maxBuckets: number): { from: number; bucketMs: number; count: number } {
  const fits = (bucketMs: number) => {
    const from = Math.floor(firstMs / bucketMs) * bucketMs;
    const count = Math.floor((lastMs - from) / bucketMs) + 1;
    return count <= Math.max(1, maxBuckets) ? { from, bucketMs, count } : undefined;
  };
  for (const w of ROUND_WIDTHS) {
    const fit = fits(w);
    if (fit) return fit;
  }
  for (let years = 10; ; years *= 10) {
    const fit = fits(years * YEAR);
    if (fit) return fit;
  }
}

/**
 * Counts `alerts` (in any order) that match `query` into at most `maxBuckets` buckets. `nowMs` ends an open range that
 * has a `since`.
 */
export function countSeries(alerts: Iterable<StoredAlert>, query: AlertQuery, maxBuckets: number, nowMs: number): Series {
  const matching: StoredAlert[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (const a of alerts) {
    if (!matches(query, a) || !Number.isFinite(a.timeMs)) continue;
    matching.push(a);
    if (a.timeMs < min) min = a.timeMs;
    if (a.timeMs > max) max = a.timeMs;
  }
  const byPriority = counts();
  const byRule = counts();
  const firstMs = query.sinceMs ?? min;
  const lastMs = query.untilMs !== undefined ? query.untilMs - 1 : query.sinceMs !== undefined ? Math.max(nowMs, max) : max;
  if (!Number.isFinite(firstMs) || !Number.isFinite(lastMs) || lastMs < firstMs) {
    return { from: null, to: null, bucketMs: SECOND, buckets: [], total: 0, byPriority, byRule };
  }
  const { from, bucketMs, count } = chooseBuckets(firstMs, lastMs, maxBuckets);
  const buckets = Array.from({ length: count }, (_, i) => ({ start: from + i * bucketMs, total: 0, byPriority: counts(), byRule: counts() }));
  for (const a of matching) {
    const bucket = buckets[Math.floor((a.timeMs - from) / bucketMs)];
    if (!bucket) continue; // outside an explicit range cannot happen (the query filtered it); defensive
    bucket.total++;
    for (const c of [bucket.byPriority, byPriority]) c[a.priority] = (c[a.priority] ?? 0) + 1;
    for (const c of [bucket.byRule, byRule]) c[a.rule] = (c[a.rule] ?? 0) + 1;
  }
  return { from, to: from + count * bucketMs, bucketMs, buckets, total: matching.length, byPriority, byRule };
}

/** Without a prototype: a rule named `__proto__` is a key like any other. */
function counts(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}
