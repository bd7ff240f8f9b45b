/**
 * Per-sink alert filters: minimum priority (Falco's order, emergency most severe .. debug), tags (any of) and
 * clusters (one of). Compiled once per sink into a predicate; an empty tag or cluster list means "all". The
 * invariant: an alert passes only when it passes every configured condition.
 */
import { type Priority, parsePriority, priorityRank } from '@peregrine/rule-engine';
import type { AlertRecord } from './parse.js';

export interface FilterOptions {
  /** A Falco priority name, any case (`info` allowed). Default: debug, i.e. everything. */
  readonly minPriority?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly clusters?: readonly string[] | undefined;
}

export type AlertFilter = (record: AlertRecord) => boolean;

/** Throws on an unknown priority name (configuration is validated before, so this is a programming error). */
export function compileFilter(options: FilterOptions): AlertFilter {
  const min: Priority | undefined = parsePriority(options.minPriority ?? 'debug');
  if (min === undefined) throw new Error(`unknown priority '${options.minPriority}'`);
  const maxRank = priorityRank(min);
  const tags = options.tags && options.tags.length > 0 ? new Set(options.tags) : undefined;
  const clusters = options.clusters && options.clusters.length > 0 ? new Set(options.clusters) : undefined;
  return (record) => {
    if (priorityRank(record.alert.priority) > maxRank) return false;
    if (tags && !record.alert.tags.some((t) => tags.has(t))) return false;
    if (clusters && (record.cluster === undefined || !clusters.has(record.cluster))) return false;
    return true;
  };
}
