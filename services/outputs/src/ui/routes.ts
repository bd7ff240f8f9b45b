/**
 * The alerts UI's HTTP routes, for any node:http server (the outputs process mounts them on its metrics listener or
 * on a listener of their own). Everything lives under `/ui/`, and the page addresses its files and API relatively,
 * so the UI also works behind a proxy that adds a path prefix.
 *
 *   GET  /ui                 308 -> /ui/
 *   GET  /ui/                the page (index.html); with tokens and no session: 303 -> login
 *   GET  /ui/app.js, /ui/style.css, /ui/favicon.svg       (no data: served without authorisation)
 *   GET  /ui/login           the token form (only when tokens are configured)
 *   POST /ui/login           token=... -> session cookie, 303 -> /ui/; a wrong token: 401 and the form again
 *   GET  /ui/api/alerts      ?<filters>&limit=N  the matching alerts with the newest times, newest first; how many match
 *   GET  /ui/api/counts      ?<filters>&buckets=N  counts per time bucket, by priority and rule (the chart)
 *   GET  /ui/api/summary     counts of every alert held, by priority, rule and cluster (header, filter choices)
 *   GET  /ui/api/stream      ?<filters>&after=ID  server-sent events: new matching alerts as they arrive (sse.ts)
 *
 * Filters are those of query.ts. Answers are JSON built around the producer's alert text, never re-serialised alerts
 * (an alert's `evt.time` has more digits than a JavaScript number), and are never cached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@peregrine/core';
import { type AssetName, SECURITY_HEADERS, serveAsset } from './assets.js';
import { createUiAuth, type UiAuth } from './auth.js';
import { isLoopbackHost } from './exposure.js';
import { integerParam, matches, parseQuery } from './query.js';
import { countSeries } from './series.js';
import { AlertStreams, alertEntryJson, type StreamOptions } from './sse.js';
import type { AlertStore } from './store.js';

/** Routes that a node:http server can mount beside its own. */
export interface HttpRoutes {
  /** Answers the request and returns true when it is one of these routes; false leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Ends what keeps connections open (the event streams), so that the server can close. Idempotent. */
  close(): void;
}

export interface UiRoutesOptions {
  readonly store: AlertStore;
  /** Bearer tokens; none: no authentication (only where exposure.ts allows it). */
  readonly tokens?: readonly string[] | undefined;
  /** Accept only loopback host names in the Host header (a loopback listener without tokens). */
  readonly loopbackHostsOnly?: boolean | undefined;
  readonly stream?: StreamOptions | undefined;
  /** The clock that ends an open time range (tests). */
  readonly now?: (() => number) | undefined;
  /** Where failures to answer (an unreadable asset) are reported. */
  readonly logger?: Logger | undefined;
}

/** The most alerts one list answer holds (the store's default size). */
export const MAX_LIST_LIMIT = 10_000;
const MAX_LOGIN_BODY = 4096;
const FILES: Readonly<Record<string, AssetName>> = { '/ui/app.js': 'app.js', '/ui/style.css': 'style.css', '/ui/favicon.svg': 'favicon.svg' };

export function createUiRoutes(options: UiRoutesOptions): HttpRoutes {
  const { store } = options;
  const now = options.now ?? Date.now;
  const auth = createUiAuth({
    tokens: options.tokens ?? [],
    hostAllowed: options.loopbackHostsOnly ? isLoopbackHost : undefined,
  });
  const streams = new AlertStreams(store, options.stream);

  const api: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse, params: URLSearchParams) => void>> = {
    alerts(_req, res, params) {
      const parsed = parseQuery(params, { limit: integerParam(1, MAX_LIST_LIMIT, 500) });
      if (!parsed.ok) return badRequest(res, parsed.problems);
      const lastSeq = store.lastSeq; // the list is consistent with the stream cursor it returns: nothing is added meanwhile
      const matching = [...store.newestFirst()].filter((a) => matches(parsed.query, a));
      // Newest alert time first (the order of arrival is that of the evaluators' partitions, not of the events).
      const newest = matching.sort((x, y) => y.timeMs - x.timeMs || y.seq - x.seq).slice(0, parsed.extra.limit);
      json(res, 200, `{"after":${JSON.stringify(`${store.instance}.${lastSeq}`)},"total":${matching.length},"stored":${store.size},` +
        `"alerts":[${newest.map(alertEntryJson).join(',')}]}`);
    },
    counts(_req, res, params) {
      const parsed = parseQuery(params, { buckets: integerParam(1, 500, 60) });
      if (!parsed.ok) return badRequest(res, parsed.problems);
      json(res, 200, JSON.stringify(countSeries(store.newestFirst(), parsed.query, parsed.extra.buckets, now())));
    },
    summary(_req, res, params) {
      const parsed = parseQuery(params);
      if (!parsed.ok || [...params.keys()].length > 0) return badRequest(res, parsed.ok ? ['summary takes no parameters'] : parsed.problems);
      json(res, 200, JSON.stringify({ ...store.summary(), authRequired: auth.required }));
    },
    stream(req, res, params) {
      const parsed = parseQuery(params, { after: (v) => v ?? undefined });
      if (!parsed.ok) return badRequest(res, parsed.problems);
      const lastEventId = req.headers['last-event-id'];
      streams.open(req, res, parsed.query, typeof lastEventId === 'string' ? lastEventId : parsed.extra.after);
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== '/ui' && !path.startsWith('/ui/')) return false;
    const query = q < 0 ? '' : url.slice(q);
    const isPost = req.method === 'POST';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !(isPost && path === '/ui/login')) {
      res.writeHead(405, { ...SECURITY_HEADERS, allow: path === '/ui/login' ? 'GET, HEAD, POST' : 'GET, HEAD' }).end();
      return true;
    }
    const fail = (err: unknown) => {
      options.logger?.error({ err, path }, 'alerts UI: cannot answer');
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    };
    if (path === '/ui') {
      res.writeHead(308, { ...SECURITY_HEADERS, location: `ui/${query}` }).end();
    } else if (FILES[path]) {
      serveAsset(req, res, FILES[path]).catch(fail);
    } else if (path === '/ui/login') {
      login(req, res, auth, isPost).catch(fail);
    } else if (!auth.allows(req)) {
      refuse(res, path, auth);
    } else if (path === '/ui/') {
      serveAsset(req, res, 'index.html').catch(fail);
    } else if (path.startsWith('/ui/api/') && Object.hasOwn(api, path.slice(8))) {
      if (path === '/ui/api/stream' && req.method !== 'GET') {
        res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET' }).end();
      } else {
        api[path.slice(8)]!(req, res, new URLSearchParams(query));
      }
    } else {
      json(res, 404, '{"error":"not found"}');
    }
    return true;
  };

  return { handle, close: () => streams.close() };
}

/** Not authorised: the browser is sent to the login form; API callers get 401 (tokens) or 403 (a foreign Host). */
function refuse(res: ServerResponse, path: string, auth: UiAuth): void {
  if (!auth.required) {
    // Only a Host header that is not a loopback name gets here: a page of another site, resolved to this machine.
    json(res, 403, '{"error":"this UI answers to loopback host names only (127.0.0.1, [::1], localhost)"}');
  } else if (path === '/ui/') {
    res.writeHead(303, { ...SECURITY_HEADERS, location: 'login', 'cache-control': 'no-store' }).end();
  } else {
    json(res, 401, '{"error":"a bearer token or a session is required"}', { 'www-authenticate': 'Bearer realm="peregrine-ui"' });
  }
}

async function login(req: IncomingMessage, res: ServerResponse, auth: UiAuth, isPost: boolean): Promise<void> {
  if (!auth.required) {
    res.writeHead(303, { ...SECURITY_HEADERS, location: './' }).end();
    return;
  }
  if (!isPost) {
    await serveAsset(req, res, 'login.html', { replace: ['<!--message-->', ''] });
    return;
  }
  // A form of another site must not sign a browser in (with a token of the attacker's): the Origin must be this one.
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && hostOf(origin) !== req.headers.host?.toLowerCase()) {
    json(res, 403, '{"error":"cross-origin sign-in refused"}');
    return;
  }
  const body = await readBody(req, MAX_LOGIN_BODY);
  const token = body === undefined ? undefined : new URLSearchParams(body).get('token')?.trim();
  if (token && auth.isToken(token)) {
    res.writeHead(303, { ...SECURITY_HEADERS, location: './', 'set-cookie': auth.sessionCookie(token), 'cache-control': 'no-store' }).end();
    return;
  }
  await serveAsset(req, res, 'login.html', {
    status: 401, replace: ['<!--message-->', '<p class="login-error" role="alert">That token is not valid.</p>'],
  });
}

/** The body as text, or undefined when it is larger than `max` bytes (the rest is read and dropped). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
    .end(body);
}

function badRequest(res: ServerResponse, problems: readonly string[]): void {
  json(res, 400, JSON.stringify({ error: 'bad query', problems }));
}
