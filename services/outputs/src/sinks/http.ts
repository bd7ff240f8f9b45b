/**
 * The HTTP sink: POSTs alerts as falcosidekick expects them (`Content-Type: application/json`, one alert object per
 * request; with `batchMaxAlerts` > 1 a JSON array of up to that many), over HTTP or HTTPS (own CA, client certificate
 * for mutual TLS, or `insecure`), with the configured extra headers. One call of `write` is one request: the delivery
 * runner retries.
 *
 * How an answer is classified (the invariant the runner relies on):
 *   2xx                                   delivered
 *   408, 429, 5xx, network error, timeout retryable (Retry-After, if any, is passed on)
 *   other 4xx, 1xx/3xx                    rejected for good: retrying cannot help (redirects are not followed)
 *
 * Secrets: header values, the HMAC secrets and the URL's credentials and query string never appear in errors or logs.
 * With `hmac`, every request carries a signature of its exact body bytes (signing.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Health } from '@peregrine/core';
import { PeregrineError } from '@peregrine/core';
import { Agent, request } from 'undici';
import type { HttpSinkConfig } from '../config.js';
import type { AlertRecord } from '../parse.js';
import { SinkError } from './errors.js';
import { loadSigner, type RequestSigner } from './hmac.js';
import type { Sink } from './types.js';

/** Response bodies are read and dropped; past this size the connection is dropped instead. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export class HttpSink implements Sink {
  readonly type = 'http' as const;
  readonly maxInFlight: number;
  readonly maxBatchAlerts: number;
  readonly #config: HttpSinkConfig;
  readonly #headers: Record<string, string>;
  /** The URL as it may be shown: no credentials, no query string. */
  readonly #shownUrl: string;
  #agent: Agent | undefined;
  /** Set when the config has `hmac`: then no request leaves unsigned. */
  #signer: RequestSigner | undefined;
  #lastError: string | undefined;
  #closed = false;

  constructor(readonly name: string, config: HttpSinkConfig) {
    this.#config = config;
    this.maxInFlight = config.maxInFlight;
    this.maxBatchAlerts = config.batchMaxAlerts;
    this.#shownUrl = redactUrl(config.url);
    this.#headers = { 'content-type': 'application/json', 'user-agent': 'peregrine-outputs' };
    // Configured headers win (case-insensitively), except the content type: the body is JSON whatever they say.
    for (const [k, v] of Object.entries(config.headers)) if (k.toLowerCase() !== 'content-type') this.#headers[k.toLowerCase()] = v;
  }

  /** Reads the TLS files and builds the connection pool; rejects with PG_ERR_CONFIG when a file cannot be read. */
  async open(): Promise<void> {
    const { tls, timeoutMs } = this.#config;
    const [ca, cert, key] = await Promise.all([tls.caFile, tls.certFile, tls.keyFile].map((f) => (f ? readTlsFile(f) : undefined)));
    if (this.#config.hmac) this.#signer = await loadSigner(this.#config.hmac);
    this.#agent = new Agent({
      connect: { ca, cert, key, rejectUnauthorized: !tls.insecure },
      // Backstops for the runner's AbortSignal: no socket waits longer than one attempt may take.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connections: this.maxInFlight,
    });
  }

  async write(alerts: readonly AlertRecord[], signal: AbortSignal): Promise<void> {
    const agent = this.#agent;
    if (!agent || this.#closed) throw new SinkError('PG_ERR_SINK_UNAVAILABLE', 'the http sink is not open', { retryable: false });
    // Bytes, not a string: the signature covers exactly the bytes that are sent.
    const body = Buffer.from(this.maxBatchAlerts > 1 ? `[${alerts.map((a) => a.json).join(',')}]` : alerts.map((a) => a.json).join(''));
    // Signed per attempt, so that a retry after a long backoff carries a fresh time and is not taken for a replay.
    const headers = this.#signer ? { ...this.#headers, [this.#signer.header]: this.#signer.sign(body) } : this.#headers;
    let status: number;
    let retryAfter: string | string[] | undefined;
    try {
      const res = await request(this.#config.url, { method: 'POST', headers, body, signal, dispatcher: agent });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      await res.body.dump({ limit: MAX_RESPONSE_BYTES, signal });
    } catch (err) {
      throw this.#failed(new SinkError('PG_ERR_SINK_UNAVAILABLE', `POST ${this.#shownUrl}: ${describeNetworkError(err, signal)}`,
        { retryable: true, cause: err }));
    }
    if (status >= 200 && status < 300) {
      this.#lastError = undefined;
      return;
    }
    const retryable = status === 408 || status === 429 || status >= 500;
    const error = new SinkError('PG_ERR_SINK_HTTP_STATUS',
      `POST ${this.#shownUrl}: HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`,
      { retryable, retryAfterMs: retryable ? parseRetryAfter(retryAfter) : undefined });
    // A refusal for good says the receiver works; only failures that call for a retry make the sink unhealthy.
    if (!retryable) this.#lastError = undefined;
    throw retryable ? this.#failed(error) : error;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // destroy(), not close(): the runner has already settled or abandoned every request, so none is worth waiting for.
    await this.#agent?.destroy();
  }

  health(): Health {
    if (this.#closed) return { ok: false, detail: 'closed' };
    if (!this.#agent) return { ok: false, detail: 'not open' };
    return this.#lastError ? { ok: false, detail: this.#lastError } : { ok: true };
  }

  #failed(err: SinkError): SinkError {
    this.#lastError = err.message;
    return err;
  }
}

async function readTlsFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG', `cannot read TLS file ${path}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
}

/** The URL without user info, query or fragment (they may hold tokens). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

function describeNetworkError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError' ? 'timed out' : 'aborted';
  }
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  // undici's timeouts and TLS/socket failures carry a code; the message is the fallback.
  return e.cause?.code ?? e.code ?? e.message ?? String(err);
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
