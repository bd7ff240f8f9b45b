/**
 * The kube-apiserver flags that turn the audit webhook on, each with the reason for its value. The batch settings are
 * sized from the audit events per second one apiserver produces (its `apiserver_audit_event_total` rate):
 *
 *   max-size    about 2 s of events (100 to 1000): batches leave every couple of seconds at the expected rate,
 *               and a 1000-event POST (about 2.5 MB at the 2.5 KB p95 event size) stays cheap to buffer and retry
 *   max-wait    5 s: the longest an event waits for its batch when the cluster is quiet (the default is 30 s)
 *   throttle    4x the expected batch rate, at least the default 10/s: room for bursts and for catching up after an
 *               outage; burst 1.5x that (the defaults' ratio)
 *   buffer      about 60 s of events (10,000 to 50,000): absorbs bursts above the throttle before events are dropped;
 *               it costs apiserver memory, about 2.5 KB per event when full
 *   backoff     10 s: the retries (about 10, 15, 22 and 34 s apart) carry a batch over some 80 s of ingest or Kafka
 *               being unavailable; after the fifth attempt the apiserver drops it
 */

export interface ApiserverFlag {
  readonly name: string;
  readonly value: string;
  readonly reason: string;
}

export interface FlagOptions {
  readonly eventsPerSecond: number;
  /** Where the two files will be on the control-plane node (as the apiserver process sees them). */
  readonly policyPath: string;
  readonly kubeconfigPath: string;
}

export interface BatchSizing {
  readonly maxSize: number;
  readonly maxWaitSeconds: number;
  readonly bufferSize: number;
  readonly throttleQps: number;
  readonly throttleBurst: number;
}

export const DEFAULT_EVENTS_PER_SECOND = 100;
const INITIAL_BACKOFF = '10s';
const EVENT_BYTES = 2500;

export function batchSizing(eventsPerSecond: number): BatchSizing {
  const maxSize = clamp(Math.ceil((eventsPerSecond * 2) / 100) * 100, 100, 1000);
  const throttleQps = Math.max(10, Math.ceil((4 * eventsPerSecond) / maxSize));
  return {
    maxSize,
    maxWaitSeconds: 5,
    bufferSize: clamp(Math.ceil((eventsPerSecond * 60) / 1000) * 1000, 10_000, 50_000),
    throttleQps,
    throttleBurst: Math.ceil(throttleQps * 1.5),
  };
}

export function apiserverFlags(o: FlagOptions): ApiserverFlag[] {
  const b = batchSizing(o.eventsPerSecond);
  const eps = o.eventsPerSecond;
  const bufferMb = Math.round((b.bufferSize * EVENT_BYTES) / 1e6);
  return [
    { name: 'audit-policy-file', value: o.policyPath, reason: 'which requests are audited and with what detail: the bodies the rules read, little else' },
    { name: 'audit-webhook-config-file', value: o.kubeconfigPath, reason: "where to post the events and the credential for ingest (readable by root only)" },
    { name: 'audit-webhook-mode', value: 'batch', reason: 'asynchronous: a slow or unavailable webhook never delays or fails API requests (the blocking modes do)' },
    { name: 'audit-webhook-batch-max-size', value: String(b.maxSize), reason: `about 2 s of events at ${eps}/s per POST; ingest takes far larger bodies, but each batch is held in apiserver memory until answered` },
    { name: 'audit-webhook-batch-max-wait', value: `${b.maxWaitSeconds}s`, reason: 'the longest an event waits for its batch when the cluster is quiet (default 30s: alerts up to 30 s late)' },
    { name: 'audit-webhook-batch-buffer-size', value: String(b.bufferSize), reason: `about a minute of events queued before the apiserver starts dropping them (up to ~${bufferMb} MB of apiserver memory when full)` },
    { name: 'audit-webhook-batch-throttle-enable', value: 'true', reason: 'caps the POST rate, so that a backlog after an outage does not flood ingest' },
    { name: 'audit-webhook-batch-throttle-qps', value: String(b.throttleQps), reason: `${b.throttleQps} batches/s carry up to ${b.throttleQps * b.maxSize} events/s, ${Math.floor((b.throttleQps * b.maxSize) / eps)}x the expected ${eps}/s: room to catch up after a burst or an outage` },
    { name: 'audit-webhook-batch-throttle-burst', value: String(b.throttleBurst), reason: 'batches that may leave at once after a quiet spell (1.5x the qps, as the defaults)' },
    { name: 'audit-webhook-initial-backoff', value: INITIAL_BACKOFF, reason: 'retries about 10, 15, 22 and 34 s apart carry a batch over ~80 s of ingest or Kafka being unavailable; then it is dropped' },
  ];
}

/** The flags as lines for a shell or a static pod manifest, each after its reason as a comment. */
export function flagsText(flags: readonly ApiserverFlag[]): string {
  return flags.map((f) => `# ${f.reason}\n--${f.name}=${f.value}\n`).join('');
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
