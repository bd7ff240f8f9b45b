/**
 * The peregrine command, driven in-process through `main(args, io)` (same code as the binary, minus process exit),
 * and once through the real launcher in a child process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { repoRoot, requireConformanceKit } from '@peregrine/testkit';
import { runCli } from './test-support.js';

const run = runCli;

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const root = repoRoot();
const sample = join(root, 'examples', 'sample-audit.jsonl');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('help: top level lists the commands; every command has --help; mistakes exit 2', async () => {
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['validate', 'fields', 'replay']) assert.match(top.stdout, new RegExp(`^  ${c} `, 'm'));
  assert.equal((await run([])).code, 2);
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const replayHelp = await run(['replay', '--help']);
  assert.equal(replayHelp.code, 0);
  assert.match(replayHelp.stdout, /--rule-matching/);
  const badFlag = await run(['replay', '--formt', 'json', sample]);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /formt/);
  assert.equal((await run(['replay', '--format', 'xml', sample])).code, 2);
  assert.equal((await run(['replay', '--min-priority', 'loud', sample])).code, 2);
  assert.equal((await run(['replay'])).code, 2);
});

test('validate: the project rules load; a broken file exits 1 with file:line:col and a caret', async (t) => {
  const ok = await run(['validate', join(root, 'rules')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /^ok: 1 file\(s\), \d+ k8s_audit rule\(s\)/m);
  assert.match(ok.stderr, /run on every event/);

  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, [
    '- rule: Bad',
    '  desc: d',
    '  condition: ka.verb = create and ka.user.nam = bob',
    '  output: x',
    '  priority: WARNING',
    '  source: k8s_audit',
    '',
  ].join('\n'));
  const r = await run(['validate', bad]);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${bad}:3:35: error: unknown field 'ka.user.nam'`), r.stderr);
  assert.match(r.stderr, /\n\s+\|\s+\^\n/);

  const json = await run(['validate', '--json', bad]);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { ok: boolean; errors: { code: string }[] };
  assert.equal(parsed.ok, false);
  assert.deepEqual(parsed.errors.map((e) => e.code), ['PG_ERR_RULE_FIELD']);
});

test('fields: every field, 100 of them ka.*; --json and a prefix filter', async () => {
  const r = await run(['fields', '--json']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.stdout) as { name: string; isList: boolean; arg: string }[];
  assert.equal(rows.filter((f) => f.name.startsWith('ka.')).length, 100);
  assert.ok(rows.some((f) => f.name === 'jevt.value' && f.arg === 'optional-key'));
  assert.ok(rows.some((f) => f.name === 'ka.req.pod.containers.image' && f.isList));
  const pods = await run(['fields', 'ka.req.pod.ephemeralContainers']);
  assert.equal(pods.stdout.trim().split('\n').length, 14);
});

test('replay: alerts as Falco JSON on stdout, bad lines on stderr with their line number, a summary', async () => {
  const r = await run(['replay', '--cluster', 'prod-eu', '--hostname', 'h1', sample]);
  assert.equal(r.code, 0, r.stderr);
  const alerts = jsonLines(r.stdout);
  assert.ok(alerts.length >= 5);
  for (const a of alerts) {
    assert.deepEqual(Object.keys(a), ['cluster', 'hostname', 'id', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    assert.equal(a['cluster'], 'prod-eu');
    assert.equal(a['hostname'], 'h1');
    assert.equal(a['source'], 'k8s_audit');
    assert.match(String(a['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  }
  assert.ok(alerts.some((a) => a['rule'] === 'Privileged Container Started in Pod'));
  const lines = readFileSync(sample, 'utf8').trimEnd().split('\n');
  assert.match(r.stderr, new RegExp(`sample-audit\\.jsonl:${lines.length}: invalid JSON`));
  assert.match(r.stderr, new RegExp(`^replay: 1 input\\(s\\), ${lines.length} line\\(s\\), ${lines.length - 1} event\\(s\\)`, 'm'));
  assert.match(r.stderr, /^alerts by rule:/m);

  const text = await run(['replay', '--format', 'text', sample]);
  assert.match(text.stdout, /^\d\d:\d\d:\d\d\.\d{9}: (Warning|Notice) /m);
});

test('replay: stdin, gzip and directories give the same alerts; --min-priority and --rule-matching', async (t) => {
  const dir = tempDir(t);
  const content = readFileSync(sample);
  const direct = jsonLines((await run(['replay', sample])).stdout);
  const fromStdin = jsonLines((await run(['replay', '-'], content.toString())).stdout);
  writeFileSync(join(dir, 'audit.log.gz'), gzipSync(content));
  const fromGzip = jsonLines((await run(['replay', join(dir, 'audit.log.gz')])).stdout);
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logs', 'a.jsonl'), content);
  const fromDir = jsonLines((await run(['replay', join(dir, 'logs')])).stdout);
  const ids = (alerts: Record<string, unknown>[]) => alerts.map((a) => a['id']);
  assert.deepEqual(ids(fromStdin), ids(direct));
  assert.deepEqual(ids(fromGzip), ids(direct));
  assert.deepEqual(ids(fromDir), ids(direct));

  const warnings = jsonLines((await run(['replay', '--min-priority', 'warning', sample])).stdout);
  assert.ok(warnings.length > 0 && warnings.length < direct.length);
  assert.ok(warnings.every((a) => a['priority'] === 'Warning'));

  const all = jsonLines((await run(['replay', '--rule-matching', 'all', sample])).stdout);
  assert.ok(all.length > direct.length);
  const allIds = new Set(ids(all));
  assert.ok(ids(direct).every((id) => allIds.has(id)), 'every first-match alert is among the all-match alerts');

  const missing = await run(['replay', join(dir, 'nope.jsonl')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read input/);
});

test('replay: rules that do not load exit 1 and print the errors', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, '- macro: m\n  condition: (ka.verb = create\n');
  const r = await run(['replay', '--rules', bad, sample]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.yaml:2:\d+: error: expected '\)'/);
  assert.equal(r.stdout, '');
});

test('replay with Falco rules: exactly the alerts the conformance kit expects, for all 66 cases', async (t) => {
  const kit = requireConformanceKit(t);
  if (!kit) return;
  const expected = JSON.parse(readFileSync(join(kit, 'rules-current', 'expected-first-match.json'), 'utf8')) as
    Record<string, { rules: string[]; trace: string; alerts: Record<string, number> }>;
  for (const [name, c] of Object.entries(expected)) {
    const args = ['replay', ...c.rules.flatMap((r) => ['--rules', join(kit, r)]), join(kit, c.trace)];
    const r = await run(args);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const counts: Record<string, number> = {};
    for (const a of jsonLines(r.stdout)) counts[String(a['rule'])] = (counts[String(a['rule'])] ?? 0) + 1;
    assert.deepEqual(counts, c.alerts, name);
  }
});

test('the installed launcher runs: `peregrine --help` and a replay from a pipe', async () => {
  const bin = join(root, 'cli', 'bin', 'peregrine.js');
  const exec = promisify(execFile);
  const help = await exec(process.execPath, [bin, '--help']);
  assert.match(help.stdout, /Usage: peregrine <command>/);
  const child = execFile(process.execPath, [bin, 'replay', '--format', 'text', '-']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin!.end(readFileSync(sample));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.match(out, /Warning Privileged container requested/);
});
