/**
 * The alerts UI's memory: the most recent alerts, in arrival order, bounded by count and by bytes. The consumer's
 * batch handler adds every valid alert it reads (before delivery, so the UI shows alerts while a sink is down); the
 * UI's routes read it. The invariants it owns:
 *
 * - **Bounded.** At most `maxAlerts` entries and about `maxBytes` of alert text; adding past either evicts the oldest.
 *   An alert larger than `maxBytes` on its own is not kept (counted in `oversize`).
 * - **Once per id.** A batch that comes again (a sink failed and the bus redelivers) adds nothing: an alert whose id is
 *   already held is skipped. Ids are the evaluator's deterministic `id` (else the message key or position).
 * - **Contiguous sequence numbers.** Each entry gets the next `seq` (1, 2, ...); the entries held are exactly
 *   `firstSeq..lastSeq`, so `after(seq)` is an index computation and a stream's cursor is a single number.
 *
 *   ring (capacity maxAlerts):   [ e7 | e8 | e9 | e3 | e4 | e5 | e6 ]      firstSeq 3, lastSeq 9
 *                                           ^ next write   ^ oldest (head)
 *
 * Only what the UI needs is kept per entry: the producer's JSON text (exact digits of `evt.time`) and the fields the
 * filters read, never the parsed alert object with its `output_fields` (several times the size of the text).
 */
import { randomBytes } from 'node:crypto';
import type { Priority } from '@peregrine/rule-engine';
import { type AlertRecord, describeRecord } from '../parse.js';

export interface StoredAlert {
  readonly seq: number;
  readonly id: string;
  /** The alert's JSON text, on one line, as the producer wrote it. */
  readonly json: string;
  /** The alert's `time`, in ms since the epoch. */
  readonly timeMs: number;
  /** When this process read it, in ms since the epoch. */
  readonly receivedMs: number;
  readonly priority: Priority;
  readonly rule: string;
  /** The alert's `cluster` (else the message's cluster header); '' when neither says. */
  readonly cluster: string;
  readonly output: string;
  /** What the entry counts against `maxBytes`. */
  readonly bytes: number;
}

export interface AlertStoreOptions {
  readonly maxAlerts: number;
  readonly maxBytes: number;
  /** The clock of `receivedMs` (tests). */
  readonly now?: () => number;
}

/** Counts of the alerts held, by priority, rule and cluster, and the store's bounds and totals. */
export interface StoreSummary {
  readonly instance: string;
  readonly stored: number;
  readonly bytes: number;
  readonly maxAlerts: number;
  readonly maxBytes: number;
  /** Alerts added since start (each id once while held). */
  readonly received: number;
  /** Alerts dropped to make room. */
  readonly evicted: number;
  readonly oversize: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly byPriority: Record<string, number>;
  readonly byRule: Record<string, number>;
  readonly byCluster: Record<string, number>;
}

export class AlertStore {
  /**
   * Distinguishes this store from one of an earlier process: stream cursors carry it, so that a browser that
   * reconnects after a restart is told to reload rather than resume from a sequence number that means something else.
   */
  readonly instance = randomBytes(6).toString('hex');
  readonly maxAlerts: number;
  readonly maxBytes: number;
  readonly #ring: (StoredAlert | undefined)[];
  readonly #now: () => number;
  #head = 0; // index of the oldest entry
  #count = 0;
  #bytes = 0;
  #lastSeq = 0;
  #received = 0;
  #evicted = 0;
  #oversize = 0;
  readonly #seqById = new Map<string, number>();
  readonly #byPriority = new Map<string, number>();
  readonly #byRule = new Map<string, number>();
  readonly #byCluster = new Map<string, number>();
  readonly #listeners = new Set<() => void>();

  constructor(options: AlertStoreOptions) {
    this.maxAlerts = options.maxAlerts;
    this.maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
    this.#ring = new Array<StoredAlert | undefined>(options.maxAlerts);
  }

  /** The sequence number of the oldest entry held (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.#lastSeq - this.#count + 1;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get size(): number {
    return this.#count;
  }

  /**
   * Keeps the alerts of a batch, skipping ids already held, evicting the oldest as needed; then tells the listeners
   * once. Returns how many were added. Never throws on content (records are valid alerts: parse.ts checked them).
   */
  add(records: readonly AlertRecord[]): number {
    let added = 0;
    for (const record of records) {
      const { id } = describeRecord(record);
      if (this.#seqById.has(id)) continue;
      const { alert } = record;
      const bytes = 2 * (record.json.length + alert.output.length); // UTF-16, as V8 holds most strings
      if (bytes > this.maxBytes) {
        this.#oversize++;
        continue;
      }
      while (this.#count > 0 && (this.#count >= this.maxAlerts || this.#bytes + bytes > this.maxBytes)) this.#evictOldest();
      const entry: StoredAlert = {
        seq: ++this.#lastSeq,
        id,
        json: record.json,
        timeMs: Date.parse(alert.time),
        receivedMs: this.#now(),
        priority: alert.priority,
        rule: alert.rule,
        cluster: record.cluster ?? '',
        output: alert.output,
        bytes,
      };
      this.#ring[(this.#head + this.#count) % this.maxAlerts] = entry;
      this.#count++;
      this.#bytes += bytes;
      this.#received++;
      this.#seqById.set(id, entry.seq);
      bump(this.#byPriority, entry.priority, 1);
      bump(this.#byRule, entry.rule, 1);
      bump(this.#byCluster, entry.cluster, 1);
      added++;
    }
    if (added > 0) {
      for (const listener of this.#listeners) listener();
    }
    return added;
  }

  /** The entry with this sequence number, if still held. */
  at(seq: number): StoredAlert | undefined {
    if (seq < this.firstSeq || seq > this.#lastSeq) return undefined;
    return this.#ring[(this.#head + (seq - this.firstSeq)) % this.maxAlerts];
  }

  /** Up to `max` entries with a sequence number above `seq`, oldest first (those evicted are skipped). */
  after(seq: number, max: number): StoredAlert[] {
    const out: StoredAlert[] = [];
    for (let s = Math.max(seq + 1, this.firstSeq); s <= this.#lastSeq && out.length < max; s++) out.push(this.at(s)!);
    return out;
  }

  /** Every entry held, newest first. */
  *newestFirst(): Generator<StoredAlert> {
    for (let s = this.#lastSeq; s >= this.firstSeq; s--) yield this.at(s)!;
  }

  /** Calls `listener` (synchronously, once per `add` that added anything). Returns the unsubscribe function. */
  onAdded(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  summary(): StoreSummary {
    return {
      instance: this.instance,
      stored: this.#count,
      bytes: this.#bytes,
      maxAlerts: this.maxAlerts,
      maxBytes: this.maxBytes,
      received: this.#received,
      evicted: this.#evicted,
      oversize: this.#oversize,
      firstSeq: this.firstSeq,
      lastSeq: this.#lastSeq,
      byPriority: Object.fromEntries(this.#byPriority),
      byRule: Object.fromEntries(this.#byRule),
      byCluster: Object.fromEntries(this.#byCluster),
    };
  }

  #evictOldest(): void {
    const entry = this.#ring[this.#head]!;
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.maxAlerts;
    this.#count--;
    this.#bytes -= entry.bytes;
    this.#evicted++;
    if (this.#seqById.get(entry.id) === entry.seq) this.#seqById.delete(entry.id);
    bump(this.#byPriority, entry.priority, -1);
    bump(this.#byRule, entry.rule, -1);
    bump(this.#byCluster, entry.cluster, -1);
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
