/**
 * The UI's HTTP routes over real sockets: the page and its files (with a Content-Security-Policy, nothing external,
 * no markup built from data), the JSON API with its filters and limits, the stream's `after`, the methods and paths
 * refused; who may read: loopback Host names only without tokens (DNS rebinding), bearer tokens or the login form's
 * session cookie with them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EVT_TIME } from '../test-support.js';
import { ASSET_NAMES } from './assets.js';
import { createUiRoutes, type UiRoutesOptions } from './routes.js';
import { AlertStore } from './store.js';
import { readEvents, records, serve } from './test-support.js';

const TOKEN = 'ui-test-token-7c1f0a9e';

async function uiServer(t: TestContext, options: Partial<UiRoutesOptions> = {}): Promise<{ url: string; store: AlertStore }> {
  const store = options.store ?? new AlertStore({ maxAlerts: 1000, maxBytes: 1 << 22 });
  const routes = createUiRoutes({ store, ...options });
  t.after(() => routes.close());
  const url = await serve(t, (req, res) => {
    if (!routes.handle(req, res)) res.writeHead(404).end('not mine');
  });
  return { url, store };
}

/** A raw request (fetch forbids setting Host). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}):
  Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('the page and its files: CSP, no external address, no markup from data', async (t) => {
  const { url } = await uiServer(t);
  const redirect = await raw(`${url}/ui?cluster=prod`);
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers['location'], 'ui/?cluster=prod', 'relative: works under a proxy prefix');
  const page = await fetch(`${url}/ui/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  const csp = page.headers.get('content-security-policy')!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline script, no other origin');
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  const html = await page.text();
  assert.match(html, /<script type="module" src="app\.js"><\/script>/);
  for (const [path, type] of [['app.js', /^text\/javascript/], ['style.css', /^text\/css/], ['favicon.svg', /^image\/svg\+xml/]] as const) {
    const r = await fetch(`${url}/ui/${path}`);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type')!, type);
    const etag = r.headers.get('etag')!;
    assert.equal((await fetch(`${url}/ui/${path}`, { headers: { 'if-none-match': etag } })).status, 304);
  }
  // Offline and small: every file of the UI is ours, addresses nothing outside, and builds no markup from strings.
  const dir = new URL('../../src/ui/static/', import.meta.url);
  assert.deepEqual(readdirSync(dir).sort(), [...ASSET_NAMES].sort());
  let size = 0;
  for (const name of ASSET_NAMES) {
    const text = readFileSync(new URL(name, dir), 'utf8');
    size += text.length;
    const urls = (text.match(/\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi) ?? []).filter((u) => !u.endsWith('www.w3.org/2000/svg'));
    assert.deepEqual(urls, [], `${name} addresses nothing outside (the SVG namespace is a name, not an address)`);
    assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/, name);
    assert.doesNotMatch(text, /@import|url\(/, name);
  }
  assert.ok(size < 100_000, `${size} characters in all`);
  // The script at least parses (the browser test runs it, where Chromium is installed).
  const check = spawnSync(process.execPath, ['--check', fileURLToPath(new URL('app.js', dir))], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('GET /ui/api/alerts: newest first, filtered, limited, exact text; bad queries are 400 with every problem', async (t) => {
  const { url, store } = await uiServer(t);
  store.add(records([
    { cluster: 'prod', priority: 'Critical', rule: 'A', time: '2026-03-02T09:00:02Z' },
    { cluster: 'dev', priority: 'Warning', rule: 'B', time: '2026-03-02T09:00:03Z' },
    { cluster: 'prod', priority: 'Notice', rule: 'B', time: '2026-03-02T09:00:01Z' }, // arrives last, older time
  ]));
  const list = await (await fetch(`${url}/ui/api/alerts`)).json() as {
    after: string; total: number; stored: number; alerts: { seq: number; id: string; received: string; alert: { rule: string } }[];
  };
  assert.equal(list.total, 3);
  assert.equal(list.after, `${store.instance}.3`);
  assert.deepEqual(list.alerts.map((a) => a.seq), [2, 1, 3], 'newest alert time first, whatever the arrival');
  const text = await (await fetch(`${url}/ui/api/alerts?cluster=prod&limit=1`)).text();
  assert.equal(JSON.parse(text).total, 2);
  assert.equal(JSON.parse(text).alerts.length, 1);
  assert.ok(text.includes(`"evt.time":${EVT_TIME}`), 'nanoseconds beyond 2^53 as the producer wrote them');
  const minWarning = await (await fetch(`${url}/ui/api/alerts?minPriority=warning&rule=B`)).json() as { total: number };
  assert.equal(minWarning.total, 1);

  const bad = await fetch(`${url}/ui/api/alerts?limit=0&prio=x`);
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: 'bad query', problems: ["unknown parameter 'prio'", 'limit: expected an integer from 1 to 10000'] });
  assert.equal((await fetch(`${url}/ui/api/summary?x=1`)).status, 400);
  assert.equal((await fetch(`${url}/ui/api/nothing`)).status, 404);
  assert.equal((await fetch(`${url}/ui/api/alerts`, { method: 'DELETE' })).status, 405);
  assert.equal((await fetch(`${url}/ui/api/alerts`, { method: 'POST', body: '{}' })).status, 405);
  assert.equal((await fetch(`${url}/uix`)).status, 404);
  assert.equal(await (await fetch(`${url}/metrics`)).text(), 'not mine', 'other paths are left to the server');
  const head = await fetch(`${url}/ui/api/alerts`, { method: 'HEAD' });
  assert.equal(head.status, 200);
});

test('GET /ui/api/counts and /ui/api/summary', async (t) => {
  const { url, store } = await uiServer(t, { now: () => Date.parse('2026-03-02T10:00:00Z') });
  store.add(records([
    { cluster: 'prod', priority: 'Critical', rule: 'A', time: '2026-03-02T09:00:00Z' },
    { cluster: 'dev', priority: 'Warning', rule: 'B', time: '2026-03-02T09:30:00Z' },
    { cluster: 'dev', priority: 'Warning', rule: 'A', time: '2026-03-02T09:59:00Z' },
  ]));
  const counts = await (await fetch(`${url}/ui/api/counts?cluster=dev&buckets=10`)).json() as {
    bucketMs: number; total: number; buckets: { total: number; byRule: Record<string, number> }[]; byPriority: Record<string, number>;
  };
  assert.equal(counts.total, 2);
  assert.ok(counts.buckets.length <= 10);
  assert.equal(counts.buckets.reduce((n, b) => n + b.total, 0), 2);
  assert.deepEqual(counts.byPriority, { Warning: 2 });
  const open = await (await fetch(`${url}/ui/api/counts?since=2026-03-02T09:40:00Z`)).json() as { to: number; total: number };
  assert.equal(open.total, 1);
  assert.ok(open.to >= Date.parse('2026-03-02T10:00:00Z'), 'an open range ends now');
  assert.equal((await fetch(`${url}/ui/api/counts?buckets=501`)).status, 400);

  const summary = await (await fetch(`${url}/ui/api/summary`)).json() as Record<string, unknown>;
  assert.equal(summary['stored'], 3);
  assert.deepEqual(summary['byCluster'], { prod: 1, dev: 2 });
  assert.deepEqual(summary['byRule'], { A: 2, B: 1 });
  assert.equal(summary['authRequired'], false);
});

test('GET /ui/api/stream: from the `after` of a list, filtered', async (t) => {
  const { url, store } = await uiServer(t);
  store.add(records([{ cluster: 'prod' }]));
  const list = await (await fetch(`${url}/ui/api/alerts?cluster=prod`)).json() as { after: string };
  store.add(records([{ cluster: 'prod' }, { cluster: 'dev' }])); // between the list and the stream: not missed
  const stream = await readEvents(t, `${url}/ui/api/stream?cluster=prod&after=${encodeURIComponent(list.after)}`);
  assert.equal(stream.headers['content-security-policy'], undefined, 'the stream is data, not a page');
  await stream.until('the one added meanwhile', (e) => e.filter((x) => x.event === 'alert').length === 1);
  store.add(records([{ cluster: 'prod' }]));
  await stream.until('the next', (e) => e.filter((x) => x.event === 'alert').length === 2);
  assert.deepEqual(stream.events.filter((x) => x.event === 'alert').map((e) => e.id), [`${store.instance}.2`, `${store.instance}.4`]);
  assert.equal((await fetch(`${url}/ui/api/stream?bad=1`)).status, 400);
  assert.equal((await fetch(`${url}/ui/api/stream`, { method: 'HEAD' })).status, 405);
});

test('without tokens on loopback: loopback Host names only (DNS rebinding)', async (t) => {
  const { url } = await uiServer(t, { loopbackHostsOnly: true });
  const port = new URL(url).port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
    assert.equal((await raw(`${url}/ui/api/summary`, { headers: { host } })).status, 200, host);
  }
  for (const host of [`evil.example:${port}`, `127.0.0.1.nip.example:${port}`, '10.0.0.1']) {
    const r = await raw(`${url}/ui/api/summary`, { headers: { host } });
    assert.equal(r.status, 403, host);
    assert.match(r.body, /loopback host names only/);
    assert.equal((await raw(`${url}/ui/`, { headers: { host } })).status, 403, `${host}: not even the page`);
  }
  assert.equal((await raw(`${url}/ui/app.js`, { headers: { host: 'evil.example' } })).status, 200, 'files hold no data');
  assert.equal((await raw(`${url}/ui/login`)).status, 303, 'no tokens: no login form');
});

test('with tokens: bearer header, or the login form and its session cookie; nothing without', async (t) => {
  const { url, store } = await uiServer(t, { tokens: ['another-token-0123456789', TOKEN] });
  store.add(records([{ output: 'secret stuff' }]));
  const api = `${url}/ui/api/alerts`;
  const anonymous = await raw(api);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers['www-authenticate'], 'Bearer realm="peregrine-ui"');
  assert.doesNotMatch(anonymous.body, /secret stuff/);
  assert.equal((await raw(api, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
  assert.equal((await raw(api, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal((await raw(api, { headers: { host: 'anything.example', authorization: `bearer ${TOKEN}` } })).status, 200,
    'with tokens, the Host does not matter');
  assert.equal((await raw(`${url}/ui/api/stream`)).status, 401);

  const page = await raw(`${url}/ui/`);
  assert.equal(page.status, 303);
  assert.equal(page.headers['location'], 'login');
  const form = await raw(`${url}/ui/login`);
  assert.equal(form.status, 200);
  assert.match(form.body, /<form [^>]*method="post" action="login"/);
  assert.doesNotMatch(form.body, /not valid|<!--message-->/);

  const post = (token: string) => raw(`${url}/ui/login`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString(),
  });
  const wrong = await post('wrong-token-0123456789');
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /That token is not valid/);
  assert.equal(wrong.headers['set-cookie'], undefined);
  assert.equal((await raw(`${url}/ui/login`, { method: 'POST', body: `token=${'x'.repeat(10_000)}` })).status, 401, 'a large body is refused');

  const crossSite = await raw(`${url}/ui/login`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: `token=${TOKEN}`,
  });
  assert.equal(crossSite.status, 403, 'a form of another site cannot sign a browser in');
  assert.equal(crossSite.headers['set-cookie'], undefined);

  const ok = await post(TOKEN);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers['location'], './');
  const cookie = String(ok.headers['set-cookie']);
  assert.match(cookie, /^peregrine_ui=[\w-]+; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  assert.ok(!cookie.includes(TOKEN), 'the cookie is not the token');
  const session = cookie.split(';')[0]!;
  assert.equal((await raw(`${url}/ui/`, { headers: { cookie: `a=b; ${session}` } })).status, 200);
  const listed = await raw(api, { headers: { cookie: session } });
  assert.equal(listed.status, 200);
  assert.match(listed.body, /secret stuff/);
  assert.equal((await raw(api, { headers: { cookie: `${session}x` } })).status, 401);
  const summary = JSON.parse((await raw(`${url}/ui/api/summary`, { headers: { cookie: session } })).body) as { authRequired: boolean };
  assert.equal(summary.authRequired, true);
});
