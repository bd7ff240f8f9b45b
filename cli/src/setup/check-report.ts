/**
 * How `setup check` (and `setup apiserver`, about the policy it recommends) reports: one line per warning, the notes
 * only when asked for (they are about some users or namespaces, or about outputs, and a good policy has several),
 * and a summary line.
 */
import type { CheckReport } from './policy-check.js';

export function reportLines(report: CheckReport, verbose: boolean): string[] {
  const lines: string[] = [];
  for (const f of report.findings) {
    if (f.severity === 'warning' || verbose) lines.push(`${f.severity}: rule '${f.rule}' ${f.message}`);
  }
  return lines;
}

export function summaryLine(report: CheckReport, policyName: string, verbose: boolean): string {
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  const notes = report.findings.length - warnings;
  const noteText = notes === 0 ? '' : `, ${notes} note(s)${verbose ? '' : ' (--verbose lists them)'}`;
  const verdict = warnings === 0 ? 'every rule sees what it needs' : `${report.checked - report.fine} rule(s) would not`;
  return `${policyName}: ${report.checked} enabled rule(s) checked, ${verdict}: ${warnings} warning(s)${noteText}`;
}

export function hasWarnings(report: CheckReport): boolean {
  return report.findings.some((f) => f.severity === 'warning');
}
