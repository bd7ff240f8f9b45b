/**
 * Falco's priorities, most severe first. Names parse case-insensitively (`WARNING`, `warning`, `Warning`), with
 * `info` as an alias of Informational; they print capitalised, as in Falco's alerts.
 */
export const PRIORITIES = [
  'Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug',
] as const;

export type Priority = (typeof PRIORITIES)[number];

/** The priority a name denotes, or undefined for a name Falco would reject. */
export function parsePriority(name: string): Priority | undefined {
  const lower = name.trim().toLowerCase();
  if (lower === 'info') return 'Informational';
  return PRIORITIES.find((p) => p.toLowerCase() === lower);
}

/** 0 for Emergency ... 7 for Debug: a rule is enabled under a minimum priority when its rank is <= the minimum's. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}
