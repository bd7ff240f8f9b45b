/**
 * A rules file that makes the evaluator slow without changing what it finds, for overload cases: on this kind of
 * machine one worker evaluates the project's rules faster than a test process can send events, so "ten times what
 * the evaluator can take" needs a costlier ruleset, not a bigger machine for the senders.
 *
 * Each rule matches the whole event (`jevt.obj`, the event as indented JSON, built once per event and shared) against
 * `(?s).*~<n>~.*`, which no audit event of the corpus contains: `regex` is a full match, so the engine (linear-time,
 * no backtracking) reads every character before it can say no. No rule names a resource or a verb, so the index
 * cannot skip any: each costs one scan of every event (~40 us for a 6 KB event here), and the cost grows with their
 * number. None can fire, so the expected alerts are those of the other rules, which cases
 * compute without this file (fast), and an alert from here would show up as "unexpected" in the accounting.
 */
import { writeFileSync } from 'node:fs';

/** Writes `count` never-matching scanning rules to `path`. */
export function writeSlowRules(path: string, count: number): void {
  const rules = Array.from({ length: count }, (_, i) => [
    `- rule: Overload scan ${i + 1}`,
    '  desc: never matches; scans the whole event so that the evaluator becomes the bottleneck',
    `  condition: jevt.obj regex "(?s).*~${i + 1}~.*"`,
    '  output: "never %ka.verb"',
    '  priority: DEBUG',
    '  source: k8s_audit',
  ].join('\n'));
  writeFileSync(path, `${rules.join('\n\n')}\n`);
}
