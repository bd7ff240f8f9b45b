/**
 * Alert accounting: what a sink holds against what it must hold, by alert `id` (a hash of cluster, auditID, stage and
 * rule, so the same alert delivered twice has the same id). Duplicates are allowed (at-least-once delivery across a
 * crash) and counted; a missing alert, or one nobody expected, fails the case.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

export interface Accounting {
  readonly expected: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly unexpected: number;
  /** Up to 5 lost ids, for the failure message. */
  readonly lostSample: readonly string[];
}

export function account(expectedIds: readonly string[], deliveredIds: readonly string[]): Accounting {
  const want = countBy(expectedIds);
  const got = countBy(deliveredIds);
  let duplicates = 0;
  let lost = 0;
  let unexpected = 0;
  const lostSample: string[] = [];
  for (const [id, n] of want) {
    const m = got.get(id) ?? 0;
    if (m < n) {
      lost += n - m;
      if (lostSample.length < 5) lostSample.push(id);
    } else {
      duplicates += m - n;
    }
  }
  for (const [id, m] of got) if (!want.has(id)) unexpected += m;
  return { expected: expectedIds.length, delivered: deliveredIds.length, duplicates, lost, unexpected, lostSample };
}

/** True once every expected alert is there (duplicates allowed): the condition cases wait for. */
export function complete(expectedIds: readonly string[], deliveredIds: readonly string[]): boolean {
  return account(expectedIds, deliveredIds).lost === 0;
}

/**
 * Prints the case's line (`fault-report: <case> [<sink>]: expected N, delivered N, duplicates N, lost N`, which
 * `npm run test:faults` shows pass or fail) and fails the test on any loss or unexpected alert.
 */
export function report(t: TestContext, name: string, a: Accounting, context = ''): void {
  t.diagnostic(`fault-report: ${name}: expected ${a.expected}, delivered ${a.delivered}, duplicates ${a.duplicates}, lost ${a.lost}` +
    (a.unexpected ? `, unexpected ${a.unexpected}` : ''));
  assert.equal(a.lost, 0, `${name}: ${a.lost} expected alert(s) never arrived (e.g. ${a.lostSample.join(', ')})${context ? `\n${context}` : ''}`);
  assert.equal(a.unexpected, 0, `${name}: ${a.unexpected} alert(s) nobody expected${context ? `\n${context}` : ''}`);
}

/**
 * Alert ids in a JSON-lines file sink (empty when the file does not exist yet). Only complete lines count: the text
 * after the last newline is a line the sink is still writing (read while it polls), not yet a delivered alert.
 */
export function fileSinkIds(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
}

function countBy(ids: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}
