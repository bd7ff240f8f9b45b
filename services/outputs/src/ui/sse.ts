/**
 * The live stream of the alerts UI (`GET /ui/api/stream`, server-sent events): each new alert that passes the
 * stream's filters, as it is added to the store. The invariant it owns: **a client costs a bounded amount of memory
 * however slow it reads.** There is no queue per client: a client is a cursor (the sequence number of the last alert
 * it was sent) into the store, and the store is the only buffer. Alerts are written from the cursor on until the
 * socket's buffer is full; then nothing more is written to that client until it drains. A client so slow that its
 * cursor falls off the store's end gets a `gap` event (the page then reloads its table), and one that has not drained
 * for `stallMs` is disconnected (its browser reconnects and resumes from the `Last-Event-ID` it holds).
 *
 *   store:   firstSeq ................................. lastSeq
 *   client A:                     ^ cursor (blocked: waiting for 'drain')
 *   client B:                                             ^ cursor (up to date)
 *
 * Events:
 *   id: <store instance>.<seq>       event: alert   data: {"seq":..,"received":"<RFC 3339>","alert":<alert JSON>}
 *   event: gap    data: {"missed":n}  alerts were evicted before this client was sent them
 *   event: reset  data: {}            the Last-Event-ID is of another process (restarted): reload everything
 *   `: keep-alive` comments every `heartbeatMs`, so that proxies and the browser see a live connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AlertQuery, matches } from './query.js';
import type { AlertStore, StoredAlert } from './store.js';

export interface StreamOptions {
  /** Interval of the keep-alive comments. */
  readonly heartbeatMs?: number | undefined;
  /** Most streams open at once; more are refused with 503. */
  readonly maxClients?: number | undefined;
  /** A client whose socket has not drained for this long is disconnected. */
  readonly stallMs?: number | undefined;
  /** What the browser waits before reconnecting (the `retry:` field). */
  readonly retryMs?: number | undefined;
}

interface Client {
  readonly res: ServerResponse;
  readonly query: AlertQuery;
  cursor: number;
  /** Since when the socket's buffer has been full (ms), or undefined. */
  blockedSince: number | undefined;
  closed: boolean;
}

/** Alerts written in one `write` at most: bounds what one client may have buffered beyond the socket's buffer. */
const CHUNK_ALERTS = 64;

/** One alert as the API gives it (list and stream alike): the alert JSON is spliced in as the producer wrote it. */
export function alertEntryJson(a: StoredAlert): string {
  return `{"seq":${a.seq},"id":${JSON.stringify(a.id)},"received":"${new Date(a.receivedMs).toISOString()}","alert":${a.json}}`;
}

export class AlertStreams {
  readonly #clients = new Set<Client>();
  readonly #heartbeatMs: number;
  readonly #maxClients: number;
  readonly #stallMs: number;
  readonly #retryMs: number;
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(private readonly store: AlertStore, options: StreamOptions = {}) {
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#maxClients = options.maxClients ?? 64;
    this.#stallMs = options.stallMs ?? 60_000;
    this.#retryMs = options.retryMs ?? 2_000;
    this.#unsubscribe = store.onAdded(() => {
      for (const c of this.#clients) this.#pump(c);
    });
    this.#timer = setInterval(() => this.#heartbeat(), this.#heartbeatMs);
    this.#timer.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Bytes written to the streams that their sockets have not taken yet, over all clients (tests, diagnostics). */
  bufferedBytes(): number {
    let n = 0;
    for (const c of this.#clients) n += c.res.writableLength;
    return n;
  }

  /**
   * Serves one stream on `res`: from after `lastEventId` (the browser's `Last-Event-ID`, or the `after` parameter
   * the page took from its last list) when it is of this store, else from now on. Answers 503 when too many are open,
   * or after close().
   */
  open(req: IncomingMessage, res: ServerResponse, query: AlertQuery, lastEventId: string | undefined): void {
    if (this.#closed || this.#clients.size >= this.#maxClients) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '10', 'cache-control': 'no-store' })
        .end(this.#closed ? '{"error":"stopping"}' : '{"error":"too many streams open"}');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no', // a reverse proxy must not hold the events back
      'x-content-type-options': 'nosniff',
    });
    req.socket.setNoDelay(true);
    let cursor = this.store.lastSeq;
    let preamble = `retry: ${this.#retryMs}\n\n`;
    if (lastEventId !== undefined && lastEventId !== '') {
      const [instance, seq] = lastEventId.split('.');
      const n = Number(seq);
      if (instance === this.store.instance && Number.isSafeInteger(n) && n >= 0 && n <= this.store.lastSeq) cursor = n;
      else preamble += 'event: reset\ndata: {}\n\n';
    }
    const client: Client = { res, query, cursor, blockedSince: undefined, closed: false };
    this.#clients.add(client);
    const forget = () => {
      client.closed = true;
      this.#clients.delete(client);
    };
    res.once('close', forget);
    if (this.#write(client, preamble)) this.#pump(client);
  }

  /** Ends every stream (the browsers will try to reconnect), refuses new ones, stops the heartbeat. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribe();
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
  }

  /** Writes what the client has not had yet, until its socket's buffer is full. */
  #pump(client: Client): void {
    if (client.closed || client.blockedSince !== undefined) return;
    while (client.cursor < this.store.lastSeq) {
      let chunk = '';
      const oldest = this.store.firstSeq;
      if (client.cursor < oldest - 1) {
        chunk += `event: gap\ndata: {"missed":${oldest - 1 - client.cursor}}\n\n`;
        client.cursor = oldest - 1;
      }
      for (const a of this.store.after(client.cursor, CHUNK_ALERTS)) {
        client.cursor = a.seq;
        if (matches(client.query, a)) chunk += frame(this.store.instance, a);
      }
      if (chunk !== '' && !this.#write(client, chunk)) return;
    }
  }

  /** Writes; false when the socket's buffer is full (then the client is blocked until it drains, and pumped again). */
  #write(client: Client, text: string): boolean {
    if (client.res.write(text)) return true;
    client.blockedSince = Date.now();
    client.res.once('drain', () => {
      client.blockedSince = undefined;
      this.#pump(client);
    });
    return false;
  }

  #heartbeat(): void {
    const now = Date.now();
    for (const c of this.#clients) {
      if (c.blockedSince === undefined) this.#write(c, ': keep-alive\n\n');
      else if (now - c.blockedSince > this.#stallMs) c.res.destroy();
    }
  }
}

function frame(instance: string, a: StoredAlert): string {
  // `data:` ends at a line break: split the (normally one-line) JSON so that no break can end it early.
  return `id: ${instance}.${a.seq}\nevent: alert\ndata: ${alertEntryJson(a).split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
}
