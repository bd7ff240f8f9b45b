/**
 * The one-process mode end to end over real sockets: audit events POSTed to the webhook come out of the file sink as
 * exactly the alerts `replay` gives for the same events; bad bodies get their status codes and the service keeps
 * serving; a graceful stop right after the last POST still delivers everything that was accepted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAlert, decodeAuditPayload, loadRuleFiles } from '@peregrine/rule-engine';
import { repoRoot, requireConformanceKit } from '@peregrine/testkit';
import { configFromArgs } from './flags.js';
import { startPipeline } from './pipeline.js';

const root = repoRoot();

/** Every event of our rules' test cases: a few hundred realistic events, many of which fire rules. */
function caseEvents(): unknown[] {
  const dir = join(root, 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { positive: unknown[]; negative: unknown[] };
    return [...c.positive, ...c.negative];
  });
}

async function expectedIds(events: unknown[], cluster: string): Promise<string[]> {
  const loaded = await loadRuleFiles([join(root, 'rules')]);
  assert.ok(loaded.ruleset);
  const ids: string[] = [];
  for (const e of events) {
    for (const event of decodeAuditPayload(JSON.stringify(e), cluster).events) {
      for (const m of loaded.ruleset.evaluate(event)) ids.push(buildAlert(m, { hostname: 'x' }).id);
    }
  }
  return ids.sort();
}

function fileAlerts(path: string): { id: string; cluster: string }[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; cluster: string });
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function post(url: string, body: string | Buffer, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

test('peregrine run: webhook in, the same alerts as replay out; bad bodies refused; stop delivers everything', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const alertsFile = join(dir, 'alerts.jsonl');
  const config = configFromArgs(
    ['--listen', '127.0.0.1:0', '--output', `file:${alertsFile}`, '--log-level', 'silent', '--workers', '2'],
    {}, true,
  );
  const running = await startPipeline(config, { stdout: process.stdout });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await running.stop();
  });
  const url = running.webhookUrl!;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/k8s-audit$/);

  const events = caseEvents();
  assert.ok(events.length > 100);
  // As an apiserver sends them: EventLists of up to 400 events; the second half for a named cluster.
  const half = Math.floor(events.length / 2);
  const list = (items: unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });
  assert.equal((await post(url, list(events.slice(0, half)))).status, 200);
  assert.equal((await post(`${url}/prod-eu`, list(events.slice(half)))).status, 200);

  // Bad input: clear statuses, nothing crashes, the next good request is served.
  const notJson = await post(url, '{"kind": "EventList", "items": [');
  assert.equal(notJson.status, 400);
  assert.match(((await notJson.json()) as { message: string }).message, /JSON/);
  assert.equal((await post(url, '{"kind":"Pod"}')).status, 400);
  assert.equal((await post(url, 'x', 'text/plain')).status, 415);
  assert.equal((await fetch(url, { method: 'GET' })).status, 405);
  assert.equal((await fetch(url.replace('/k8s-audit', '/healthz'))).status, 200);
  assert.equal((await fetch(url.replace('/k8s-audit', '/readyz'))).status, 200);

  // JSON lines (an audit log file, Falco's traces) are accepted too; a bad line refuses the body and names the line.
  const lines = events.slice(0, 3).map((e) => JSON.stringify(e));
  const badLines = await post(url, [...lines, 'nope'].join('\n'));
  assert.equal(badLines.status, 400);
  assert.match(((await badLines.json()) as { message: string }).message, /^line 4: /);
  assert.equal((await post(`${url}/lines`, lines.join('\n'))).status, 200);

  const last = events.slice(0, 5);
  assert.equal((await post(url, list(last))).status, 200);
  // Stop right away: the accepted events must still be evaluated and delivered before the process would exit.
  await running.stop();
  stopped = true;

  const expected = [
    ...await expectedIds(events.slice(0, half), 'default'),
    ...await expectedIds(events.slice(half), 'prod-eu'),
    ...await expectedIds(events.slice(0, 3), 'lines'),
    ...await expectedIds(last, 'default'),
  ].sort();
  assert.ok(expected.length > 50, 'the events fire a good number of rules');
  await until(() => fileAlerts(alertsFile).length >= expected.length, 'every alert in the file');
  const got = fileAlerts(alertsFile);
  assert.deepEqual(got.map((a) => a.id).sort(), expected);
  assert.ok(got.some((a) => a.cluster === 'prod-eu') && got.some((a) => a.cluster === 'default'));
});

test("peregrine run with Falco's rules: POSTing Falco's trace files gives the alerts Falco's suite expects", async (t) => {
  const kit = requireConformanceKit(t);
  if (!kit) return;
  const expected = JSON.parse(readFileSync(join(kit, 'rules-current', 'expected-first-match.json'), 'utf8')) as
    Record<string, { rules: string[]; trace: string; alerts: Record<string, number> }>;
  const baseRules = ['falco-0.35.1/falcosecurity-rules-falco-rules-1.0.1/falco_rules.yaml', 'rules-current/k8s_audit_rules.yaml'];
  // The cases that load Falco's two files and nothing else; each trace once.
  const cases = new Map<string, Record<string, number>>();
  for (const c of Object.values(expected)) {
    if (JSON.stringify(c.rules) === JSON.stringify(baseRules)) cases.set(c.trace, c.alerts);
  }
  assert.ok(cases.size > 20);

  const dir = mkdtempSync(join(tmpdir(), 'peregrine-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const alertsFile = join(dir, 'alerts.jsonl');
  const config = configFromArgs(['--listen', '127.0.0.1:0', '--output', `file:${alertsFile}`, '--log-level', 'silent',
    ...baseRules.flatMap((r) => ['--rules', join(kit, r)])], {}, true);
  const running = await startPipeline(config, { stdout: process.stdout });
  t.after(() => running.stop());

  const total: Record<string, number> = {};
  let index = 0;
  for (const [trace, alerts] of cases) {
    // One cluster per trace, so that the same event in two traces gives two alerts, as two Falco runs would.
    const response: Response = await post(`${running.webhookUrl!}/t${index++}`, readFileSync(join(kit, trace)));
    const status = response.status;
    const valid = !trace.endsWith('fal_01_003.json');
    assert.equal(status, valid ? 200 : 400, trace);
    for (const [rule, n] of Object.entries(alerts)) total[rule] = (total[rule] ?? 0) + n;
  }
  const count = Object.values(total).reduce((a, b) => a + b, 0);
  await until(() => fileAlerts(alertsFile).length >= count, `${count} alerts`);
  const got: Record<string, number> = {};
  for (const a of fileAlerts(alertsFile) as unknown as { rule: string }[]) got[a.rule] = (got[a.rule] ?? 0) + 1;
  assert.deepEqual(got, total);
});
