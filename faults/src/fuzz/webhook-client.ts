/**
 * Posts one fuzzed request over a real socket with exactly the headers it asks for (node's http client adds none of
 * its own but Host and Connection), with a Content-Length or chunked, and reads the whole answer, bounded in time.
 *
 * A server may answer (413) and close before a large body is sent in full, as HTTP allows; the close then resets the
 * connection (unread data), and a client still busy writing may lose the answer to the reset. Node's http client
 * does (it reports the broken pipe); curl and Go's client read all along and keep it. So bodies over the limit go
 * through `sendRaw`, which behaves like them: the headers first, a moment to let an early answer come, then the body
 * in small pieces, stopping as soon as an answer arrives, and whatever came back read to the end.
 */
import { type Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { WebhookRequest } from './webhook-oracle.js';

export interface Reply {
  /** 0 when no answer came (connection error or timeout: `error` says which). */
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ms: number;
  readonly error?: string | undefined;
}

const CHUNK = 256 * 1024;
const RAW_CHUNK = 64 * 1024;

export function send(baseUrl: string, r: WebhookRequest, agent: Agent, timeoutMs: number): Promise<Reply> {
  const started = performance.now();
  const url = new URL(`${baseUrl}/${encodeURIComponent(r.cluster)}`);
  const headers: Record<string, string> = {};
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  if (r.contentEncoding !== undefined) headers['content-encoding'] = r.contentEncoding;
  if (!r.chunked) headers['content-length'] = String(r.body.length);
  return new Promise((resolve) => {
    let settled = false;
    const done = (reply: Omit<Reply, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...reply, ms: performance.now() - started });
    };
    const req = request(url, { method: r.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', (err) => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, error: err.message }));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    // An error after the answer (EPIPE, ECONNRESET: the server stopped reading a body it refused) is not a failure.
    req.on('error', (err) => setTimeout(() => done({ status: 0, body: '', headers: {}, error: err.message }), 50));
    void writeBody(req, r.body);
  });
}

async function writeBody(req: ReturnType<typeof request>, body: Buffer): Promise<void> {
  for (let at = 0; at < body.length; at += CHUNK) {
    if (req.destroyed) return;
    if (!req.write(body.subarray(at, at + CHUNK))) {
      await new Promise<void>((resolve) => {
        const go = () => {
          req.off('drain', go);
          req.off('close', go);
          resolve();
        };
        req.once('drain', go);
        req.once('close', go);
      });
    }
  }
  if (!req.destroyed) req.end();
}

/** The request on a plain TCP socket (Connection: close), the answer parsed from every byte received. */
export function sendRaw(baseUrl: string, r: WebhookRequest, timeoutMs: number): Promise<Reply> {
  const started = performance.now();
  const url = new URL(`${baseUrl}/${encodeURIComponent(r.cluster)}`);
  const head = [`${r.method} ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  if (r.contentType !== undefined) head.push(`Content-Type: ${r.contentType}`);
  if (r.contentEncoding !== undefined) head.push(`Content-Encoding: ${r.contentEncoding}`);
  head.push(r.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${r.body.length}`);
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let writeError: string | undefined;
    const socket = connect(Number(url.port), url.hostname);
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err) => (writeError ??= err.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseResponse(Buffer.concat(received)), ms: performance.now() - started, error: writeError });
    });
    socket.on('connect', () => void (async () => {
      const write = (b: Buffer | string) => new Promise<void>((done) => {
        if (socket.destroyed || socket.writableEnded) return done();
        if (socket.write(b)) return done();
        const go = () => {
          socket.off('drain', go);
          socket.off('close', go);
          done();
        };
        socket.on('drain', go);
        socket.on('close', go);
      });
      await write(`${head.join('\r\n')}\r\n\r\n`);
      // A server that can refuse on the headers alone (a Content-Length over its limit) answers now: wait a moment
      // for that before sending the body, as curl does with large bodies.
      for (let waited = 0; waited < 300 && received.length === 0 && !socket.destroyed; waited += 10) {
        await new Promise((go) => setTimeout(go, 10));
      }
      // Small pieces, and a turn of the event loop between them, so that an early answer is read (and the sending
      // stopped) before the server's close resets the connection: as curl and Go's client do, by reading all along.
      for (let at = 0; at < r.body.length && received.length === 0; at += RAW_CHUNK) {
        const piece = r.body.subarray(at, at + RAW_CHUNK);
        await write(r.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        await new Promise((go) => setTimeout(go, 1));
      }
      if (r.chunked) await write('0\r\n\r\n');
      if (!socket.destroyed) socket.end();
    })());
  });
}

function parseResponse(raw: Buffer): Omit<Reply, 'ms'> {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, body: '', headers: {}, error: raw.length ? 'an incomplete answer' : 'no answer' };
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of headerLines) {
    const colon = l.indexOf(':');
    if (colon > 0) headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  const length = Number(headers['content-length']);
  if (Number.isFinite(length)) body = body.subarray(0, length);
  return { status, body: body.toString('utf8'), headers };
}
