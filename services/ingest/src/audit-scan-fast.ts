/**
 * The webhook's scan, with the native fast path when the addon is built (@peregrine/simd-decode): simdjson validates
 * an ordinary body several times faster than the byte loop of audit-scan.ts. The native scan only ever accepts;
 * every body it does not accept (malformed, not audit data, or merely unusual) goes through `scanAudit`, which stays
 * the reference for what is accepted and for every error message.
 */
import { loadNativeDecoder } from '@peregrine/simd-decode';
import { type AuditScanResult, scanAudit } from './audit-scan.js';

const native = loadNativeDecoder();
const nativeScan = native.available ? native.decoder : undefined;

/** Whether bodies are scanned natively first (for the start log and metrics). */
export const nativeScanAvailable = nativeScan !== undefined;

export interface ScanBodyOptions {
  /** false: skip the native fast path. */
  readonly native?: boolean | undefined;
  /**
   * false: the caller stores the body whole and needs only the verdict and the count, so the native path may skip
   * finding the events (`starts` and `ends` are then empty). Default true.
   */
  readonly ranges?: boolean | undefined;
}

export function scanAuditBody(body: Uint8Array, options: ScanBodyOptions = {}): AuditScanResult {
  const wantRanges = options.ranges ?? true;
  const fast = options.native === false ? undefined : nativeScan?.scanAudit(body, { ranges: wantRanges });
  if (fast === undefined) return scanAudit(body);
  const count = fast.count;
  const starts = new Array<number>(fast.ranges ? count : 0);
  const ends = new Array<number>(fast.ranges ? count : 0);
  for (let i = 0; fast.ranges && i < count; i++) {
    starts[i] = fast.ranges[2 * i]!;
    ends[i] = fast.ranges[2 * i + 1]!;
  }
  return { ok: true, shape: fast.shape, count, starts, ends };
}
