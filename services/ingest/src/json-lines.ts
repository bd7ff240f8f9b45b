/**
 * Bodies in JSON lines: one Event, EventList or array per line, the format of audit log files and of Falco's trace
 * files, so that `curl --data-binary @audit.log` works as well as what an apiserver sends. Each line is checked by the
 * audit scanner; the events of all lines are reported with their offsets in the whole body. Such a body is never
 * written as it is (it is not one JSON document): the route re-wraps its events into EventLists.
 */
import { type AuditScanResult, scanAudit } from './audit-scan.js';

/** Scans `body` line by line; the first bad line's error, with its line number, makes the whole body bad. */
export function scanJsonLines(body: Uint8Array): AuditScanResult {
  const starts: number[] = [];
  const ends: number[] = [];
  let lineStart = 0;
  let lineNo = 0;
  while (lineStart < body.length) {
    let lineEnd = body.indexOf(0x0a, lineStart);
    if (lineEnd < 0) lineEnd = body.length;
    lineNo++;
    const line = body.subarray(lineStart, lineEnd);
    if (!isBlank(line)) {
      const scan = scanAudit(line);
      if (!scan.ok) return { ...scan, message: `line ${lineNo}: ${scan.message}`, offset: lineStart + scan.offset };
      for (let i = 0; i < scan.count; i++) {
        starts.push(lineStart + scan.starts[i]!);
        ends.push(lineStart + scan.ends[i]!);
      }
    }
    lineStart = lineEnd + 1;
  }
  return { ok: true, shape: 'Lines', count: starts.length, starts, ends };
}

function isBlank(line: Uint8Array): boolean {
  for (const c of line) if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  return true;
}
