/**
 * The alerts UI end to end, in a real browser: `peregrine run` as an operator starts it, audit events POSTed to its
 * webhook, and the page (/ui/) in headless Chromium (Debian's `chromium`, driven by playwright-core; nothing is
 * downloaded and the browser may reach nothing but the UI). Alerts already there are listed; alerts posted after the
 * page loaded appear through the event stream; the cluster, priority, rule, time and text filters show exactly the
 * alerts they should, live ones included; the details show an alert's fields with `evt.time` to the nanosecond; an
 * attacker's markup in an event stays text; the chart draws the counts. A screenshot is saved in test-output/. With
 * a token configured, the browser signs in through the form, and only then sees the alerts.
 *
 * Skipped, with a message, without /usr/bin/chromium (under CI, scripts/run-tests.mjs turns the skip into a failure).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { type Alert, alertToJson, buildAlert, decodeAuditPayload, loadRuleFiles, parsePriority, priorityRank } from '@peregrine/rule-engine';
import { repoRoot } from '@peregrine/testkit';
import { startPeregrine } from './process-test-support.js';

const CHROMIUM = '/usr/bin/chromium';
const root = repoRoot();
const MINUTE = 60_000;
const XSS_USER = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

type AuditEvent = Record<string, unknown> & { auditID: string };

/** The positive events of our rules' test cases, each a fresh copy. */
function positives(): { rule: string; event: AuditEvent }[] {
  const dir = join(root, 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((f) => {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { rule: string; positive: AuditEvent[] };
    return c.positive.map((event) => ({ rule: c.rule, event }));
  });
}

/** The event as if it happened at `ms`, with its own auditID (so that each copy is its own alert). */
function at(event: AuditEvent, ms: number, tag: string): AuditEvent {
  const copy = structuredClone(event);
  copy['requestReceivedTimestamp'] = new Date(ms - 3).toISOString();
  copy['stageTimestamp'] = new Date(ms).toISOString();
  copy.auditID = `${event.auditID.slice(0, 24)}${tag}`;
  return copy;
}

/** The alerts `peregrine run` must make of `events` posted for `cluster` (default rules, first match). */
async function expectedAlerts(events: AuditEvent[], cluster: string): Promise<Alert[]> {
  const loaded = await loadRuleFiles([join(root, 'rules')]);
  assert.ok(loaded.ruleset);
  return events.flatMap((e) => decodeAuditPayload(JSON.stringify(e), cluster).events
    .flatMap((event) => loaded.ruleset!.evaluate(event).map((m) => buildAlert(m, { hostname: 'x' }))));
}

async function post(webhook: string, cluster: string, events: AuditEvent[]): Promise<void> {
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events });
  const response = await fetch(`${webhook}/${cluster}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(response.status, 200, await response.text());
}

interface Row { time: string; priority: string; rule: string; cluster: string; output: string }

function rows(page: Page): Promise<Row[]> {
  // Runs in the page (this project compiles without the DOM's types: the row is typed by what is read of it).
  return page.$$eval('#alerts tbody tr', (trs) => trs.map((tr) => {
    const cell = (i: number) => (tr as unknown as { cells: { textContent: string | null }[] }).cells[i]!.textContent ?? '';
    return { time: cell(0), priority: cell(1), rule: cell(2), cluster: cell(3), output: cell(4) };
  }));
}

/** Polls the table until `check` holds; fails with what the table showed. */
async function until(page: Page, what: string, check: (r: Row[]) => boolean, ms = 15_000): Promise<Row[]> {
  const deadline = Date.now() + ms;
  let last: Row[] = [];
  for (;;) {
    last = await rows(page);
    if (check(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`the table never showed ${what}; it has ${last.length} rows: ${JSON.stringify(last.slice(0, 5))}...`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A multiset of "cluster|priority|rule" keys, sorted: what the table shows, compared with what must be there. */
const keysOfRows = (r: Row[]) => r.map((x) => `${x.cluster}|${x.priority}|${x.rule}`).sort();
const keysOfAlerts = (a: Alert[]) => a.map((x) => `${x.cluster}|${x.priority}|${x.rule}`).sort();
const sameAlerts = (expected: Alert[]) => (r: Row[]) => JSON.stringify(keysOfRows(r)) === JSON.stringify(keysOfAlerts(expected));

async function launch(t: TestContext) {
  const profile = mkdtempSync(join(tmpdir(), 'peregrine-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  // One hook, in this order: the browser closed first (it writes its profile until it exits), then the profile
  // removed, with retries for the files Chromium's helpers still close. A failed removal must not leave the browser
  // running: that kept the test process, and the whole run, waiting.
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
  return context;
}

/** False, after marking the test skipped with how to get it, when Chromium is not installed. */
function haveChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  t.skip(`no ${CHROMIUM}: the alerts UI browser test needs Debian's chromium (apt-get install -y --no-install-recommends chromium)`);
  return false;
}

test('the alerts UI in Chromium: live alerts, filters, details, chart, screenshot', { timeout: 180_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = startPeregrine(t, ['run', '--listen', '127.0.0.1:0', '--ui-listen', '127.0.0.1:0', '--workers', '1',
    '--output', `file:${join(dir, 'alerts.jsonl')}`]);
  const webhook = /webhook at (\S+)/.exec(await run.waitFor(/webhook at /))![1]!;
  const ui = /alerts UI at (\S+)/.exec(await run.waitFor(/alerts UI at /))![1]!;
  assert.match(ui, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);

  // Before the page opens: every positive event for prod-eu, and some for dev, spread over the last hour (never the
  // last 5 minutes, which the time filter below singles out).
  const now = Date.now();
  const all = positives();
  const before = all.map((p, i) => at(p.event, now - (6 + (i * 53) / all.length) * MINUTE, `-prod-${i}`));
  const dev = all.slice(0, 20).map((p, i) => at(p.event, now - (7 + i * 2) * MINUTE, `-dev-${i}`));
  await post(webhook, 'prod-eu', before);
  await post(webhook, 'dev', dev);
  const expectedBefore = [...await expectedAlerts(before, 'prod-eu'), ...await expectedAlerts(dev, 'dev')];
  assert.ok(expectedBefore.length > 60, `${expectedBefore.length} alerts to show`);

  const context = await launch(t);
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === new URL(ui).origin) return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });

  // Wait until the pipeline has them all, then load the page: the table shows every one, the header counts them.
  const stored = async () => ((await (await fetch(`${ui}api/summary`)).json()) as { stored: number }).stored;
  for (let i = 0; (await stored()) < expectedBefore.length; i++) {
    assert.ok(i < 300, 'the alerts reach the UI store');
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.goto(ui);
  await page.waitForSelector('#live[data-state="live"]');
  await until(page, 'the alerts posted before', sameAlerts(expectedBefore));
  await page.waitForFunction(`document.querySelector('#stats .total strong')?.textContent === ${JSON.stringify(expectedBefore.length.toLocaleString())}`);

  // Live: posted after the page loaded, they arrive through the stream, without a reload. One carries markup.
  const picks = ['Secret Read by Non-System User', 'Exec or Attach Into Pod', 'Privileged Container Started in Pod', 'Role Created'];
  const live = picks.map((rule, i) => at(all.find((p) => p.rule === rule)!.event, Date.now() - i * 1000, `-staging-${i}`));
  const hostile = at(all.find((p) => p.rule === 'Secret Read by Non-System User')!.event, Date.now(), '-staging-xss');
  (hostile['user'] as { username: string }).username = XSS_USER;
  live.push(hostile);
  await page.evaluate('window.__sameDocument = true');
  await post(webhook, 'staging', live);
  const expectedLive = await expectedAlerts(live, 'staging');
  assert.equal(expectedLive.length, live.length);
  const everything = [...expectedBefore, ...expectedLive];
  await until(page, 'the live alerts as well', sameAlerts(everything));
  assert.equal(await page.evaluate('window.__sameDocument'), true, 'no reload');
  assert.equal(await page.locator('#alerts tbody tr.fresh').count(), live.length, 'the new rows are highlighted');

  // The attacker's markup is text: shown as typed, never an element, never run.
  const markupRow = (await rows(page)).find((r) => r.output.includes(XSS_USER));
  assert.ok(markupRow, 'the output with markup is shown literally');
  assert.equal(await page.locator('#alerts tbody img, #alerts tbody script').count(), 0);
  assert.equal(await page.evaluate('window.__pwned'), undefined);

  // Filters. Cluster: only staging's, and a live alert for another cluster does not appear.
  await page.selectOption('#f-cluster', 'staging');
  await until(page, 'staging only', sameAlerts(expectedLive));
  const another = [at(all[0]!.event, Date.now(), '-dev-late')];
  const staging2 = [at(all.find((p) => p.rule === 'Role Created')!.event, Date.now(), '-staging-late')];
  await post(webhook, 'dev', another);
  await post(webhook, 'staging', staging2);
  const late = [...await expectedAlerts(another, 'dev'), ...await expectedAlerts(staging2, 'staging')];
  everything.push(...late);
  const stagingAll = everything.filter((a) => a.cluster === 'staging');
  await until(page, 'the late staging alert, not the dev one', sameAlerts(stagingAll));

  // Priority: this one and more severe, with the cluster filter still on, then alone.
  const atLeast = (p: string) => (a: Alert) => priorityRank(a.priority) <= priorityRank(parsePriority(p)!);
  await page.selectOption('#f-priority', 'Warning');
  await until(page, 'staging, Warning and above', sameAlerts(stagingAll.filter(atLeast('Warning'))));
  await page.selectOption('#f-cluster', '');
  const warningUp = everything.filter(atLeast('Warning'));
  assert.ok(warningUp.length > 5 && warningUp.length < everything.length);
  await until(page, 'Warning and above', sameAlerts(warningUp));
  await page.selectOption('#f-priority', '');

  // Rule.
  const rule = 'Secret Read by Non-System User';
  await page.selectOption('#f-rule', rule);
  const ofRule = everything.filter((a) => a.rule === rule);
  assert.ok(ofRule.length >= 3);
  await until(page, `only '${rule}'`, sameAlerts(ofRule));
  await page.selectOption('#f-rule', '');

  // Time: the last 5 minutes hold exactly what was posted live.
  await page.selectOption('#f-time', '5m');
  await until(page, 'the last 5 minutes', sameAlerts(everything.filter((a) => Date.parse(a.time) > Date.now() - 5 * MINUTE)));
  await page.selectOption('#f-time', '');

  // Text in the output.
  await page.fill('#f-q', 'IMG SRC=X');
  await until(page, 'the search', (r) => r.length === 1 && r[0]!.output.includes(XSS_USER));
  assert.match(page.url(), /[?&]q=IMG\+SRC%3DX/, 'the filters are in the address, for reloads and links');
  await page.click('#f-reset');
  await until(page, 'everything after reset', sameAlerts(everything));

  // Details of an alert: its fields, and evt.time to the nanosecond (beyond what a JavaScript number holds).
  const critical = everything.find((a) => a.priority === 'Critical') ?? everything[0]!;
  await page.click(`#alerts tbody tr[data-id="${critical.id}"]`);
  await page.waitForSelector('#details:not([hidden])');
  assert.equal(await page.textContent('#d-rule'), critical.rule);
  assert.equal(await page.textContent('#d-output'), critical.output);
  const fieldNames = await page.$$eval('#d-fields th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(fieldNames, Object.keys(critical.output_fields));
  const evtTime = /"evt\.time":(\d+)/.exec(alertToJson(critical))![1]!;
  assert.ok(!Number.isSafeInteger(Number(evtTime)));
  assert.match((await page.textContent('#d-json'))!, new RegExp(`"evt\\.time": ${evtTime}\\b`));
  assert.match((await page.textContent('#d-facts'))!, new RegExp(`ID${critical.id}`));

  // The chart: bars per bucket, a legend by priority, then by rule.
  assert.ok(await page.locator('#chart rect.bar').count() > 5);
  const legend = () => page.$$eval('#legend .legend-label', (ls) => ls.map((l) => l.textContent));
  const priorities = [...new Set(everything.map((a) => a.priority))];
  assert.deepEqual((await legend()).sort(), priorities.sort());
  await page.click('[data-group="rule"]');
  await page.waitForSelector('[data-group="rule"][aria-pressed="true"]');
  const rules = await legend();
  assert.ok(rules.length >= 5 && rules.some((l) => /other rules$/.test(l ?? '')), JSON.stringify(rules));
  await page.click('[data-group="priority"]');

  // The screenshot: everything shown, an alert's details open.
  const out = join(root, 'test-output');
  mkdirSync(out, { recursive: true });
  const screenshot = join(out, 'alerts-ui.png');
  await page.waitForTimeout(2600); // let the highlight of fresh rows fade
  await page.screenshot({ path: screenshot });
  t.diagnostic(`screenshot: ${screenshot}`);

  assert.deepEqual(outside, [], 'the page reaches nothing but the UI');
  assert.deepEqual(problems, [], 'no script error, no Content-Security-Policy violation');
  // A graceful stop while the page still holds its event stream open.
  assert.equal(await run.stop(), 0, `stops cleanly; stderr:\n${run.stderr().slice(-3000)}`);
});

test('with a token: the browser signs in through the form, then sees the alerts', { timeout: 120_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const token = 'browser-test-token-5d0c9a71';
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'peregrine.yaml');
  writeFileSync(config, `outputs:\n  ui:\n    tokenFile: ${join(dir, 'ui-tokens')}\n`);
  writeFileSync(join(dir, 'ui-tokens'), `${token}\n`);
  const run = startPeregrine(t, ['run', '--config', config, '--listen', '127.0.0.1:0', '--ui-listen', '127.0.0.1:0', '--workers', '1',
    '--output', `file:${join(dir, 'alerts.jsonl')}`]);
  const webhook = /webhook at (\S+)/.exec(await run.waitFor(/webhook at /))![1]!;
  const ui = /alerts UI at (\S+)/.exec(await run.waitFor(/alerts UI at /))![1]!;
  const events = positives().slice(0, 5).map((p, i) => at(p.event, Date.now() - i * MINUTE, `-token-${i}`));
  await post(webhook, 'prod-eu', events);
  const expected = await expectedAlerts(events, 'prod-eu');

  const context = await launch(t);
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(ui);
  assert.match(page.url(), /\/ui\/login$/, 'sent to the form');
  assert.equal(await page.locator('#alerts').count(), 0, 'no page, no data');
  await page.fill('#token', 'not-the-token-0123456789');
  await page.click('button[type=submit]');
  await page.waitForSelector('.login-error');
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('#live[data-state="live"]');
  assert.match(page.url(), /\/ui\/$/);
  await until(page, 'the alerts', sameAlerts(expected));
  const cookies = await context.cookies(ui);
  assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [['peregrine_ui', true, 'Strict']]);
  assert.ok(!cookies[0]!.value.includes(token), 'the browser holds no token');
  assert.equal(await run.stop(), 0, `stops cleanly; stderr:\n${run.stderr().slice(-3000)}`);
});
