/**
 * `peregrine setup apiserver|check`, run in-process: the kubeconfig, policy and flags it prints are what a
 * kube-apiserver reads, the policy gives the project's rules what they need, and a Metadata-only policy is flagged
 * for the rules it blinds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../test-support.js';
import { type AuditPolicy, policyProblems } from './audit-policy.js';
import { auditOf, resourceKinds } from './policy-match.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-setup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The `# ==> NAME ...` sections of the output, by the first word after the marker. */
function sections(stdout: string): Map<string, string> {
  const parts = stdout.split(/^# ==> /m).slice(1);
  return new Map(parts.map((p) => [p.slice(0, p.search(/[\s:]/)), p.slice(p.indexOf('\n') + 1)]));
}

interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: { name: string; cluster: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

/** Resolves the current context the way client-go does; fails when any link is missing. */
function current(kc: Kubeconfig) {
  const context = kc.contexts.find((c) => c.name === kc['current-context'])?.context;
  assert.ok(context, 'current-context names a context');
  const cluster = kc.clusters.find((c) => c.name === context.cluster)?.cluster;
  const user = kc.users.find((u) => u.name === context.user)?.user;
  assert.ok(cluster && user, 'the context names a cluster and a user that exist');
  return { cluster, user };
}

const PEM = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

test('setup apiserver --url https://x:8765/k8s-audit --token t: kubeconfig, policy and flags, exit 0', async () => {
  const r = await runCli(['setup', 'apiserver', '--url', 'https://x:8765/k8s-audit', '--token', 't']);
  assert.equal(r.code, 0, r.stderr);
  const parts = sections(r.stdout);
  assert.deepEqual([...parts.keys()], ['webhook-kubeconfig.yaml', 'audit-policy.yaml', 'kube-apiserver']);

  const kc = parse(parts.get('webhook-kubeconfig.yaml')!) as Kubeconfig;
  assert.equal(kc.apiVersion, 'v1');
  assert.equal(kc.kind, 'Config');
  const { cluster, user } = current(kc);
  assert.equal(cluster['server'], 'https://x:8765/k8s-audit');
  assert.equal(cluster['certificate-authority-data'], undefined);
  assert.deepEqual(user, { token: 't' });

  const policy = parse(parts.get('audit-policy.yaml')!) as AuditPolicy;
  assert.deepEqual(policyProblems(policy), []);
  assert.equal(policy.apiVersion, 'audit.k8s.io/v1');
  assert.equal(policy.kind, 'Policy');
  assert.ok(policy.omitStages?.includes('RequestReceived'));
  const level = (resource: string, verb: string, subresource = '') => auditOf(policy, resourceKinds(resource, subresource, verb)[0]!).level;
  assert.equal(level('pods', 'create'), 'RequestResponse');
  assert.equal(level('deployments', 'patch'), 'RequestResponse');
  assert.equal(level('clusterrolebindings', 'create'), 'RequestResponse');
  assert.equal(level('secrets', 'create'), 'Metadata'); // secret data never leaves the apiserver
  assert.equal(level('configmaps', 'list'), 'Metadata');
  assert.equal(level('pods', 'create', 'exec'), 'Metadata');
  assert.equal(level('leases', 'update'), 'None');
  assert.equal(level('events', 'list'), 'None');

  const flags = parts.get('kube-apiserver')!;
  for (const flag of ['audit-policy-file', 'audit-webhook-config-file', 'audit-webhook-mode=batch', 'audit-webhook-batch-max-size',
    'audit-webhook-batch-max-wait', 'audit-webhook-batch-buffer-size', 'audit-webhook-batch-throttle-qps',
    'audit-webhook-batch-throttle-burst', 'audit-webhook-initial-backoff']) {
    assert.match(flags, new RegExp(`^# .+\\n--${flag}`, 'm'), `${flag} with its reason`);
  }
  assert.match(flags, /^--audit-policy-file=\/etc\/kubernetes\/peregrine\/audit-policy\.yaml$/m);
});

test('setup apiserver: client certificate, CA, cluster path, token file and sizing', async (t) => {
  const dir = tempDir(t);
  const files = { cert: PEM('CERTIFICATE', 'Y2VydA=='), key: PEM('EC PRIVATE KEY', 'a2V5'), ca: PEM('CERTIFICATE', 'Y2E='), token: '  s3cret-token\n' };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = await runCli(['setup', 'apiserver', '--url', 'https://peregrine.example:8765/k8s-audit/', '--cluster', 'prod-eu',
    '--client-cert', join(dir, 'cert'), '--client-key', join(dir, 'key'), '--ca-file', join(dir, 'ca'), '--events-per-second', '5000']);
  assert.equal(r.code, 0, r.stderr);
  const { cluster, user } = current(parse(sections(r.stdout).get('webhook-kubeconfig.yaml')!) as Kubeconfig);
  assert.equal(cluster['server'], 'https://peregrine.example:8765/k8s-audit/prod-eu');
  const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
  assert.equal(decode(cluster['certificate-authority-data']), files.ca);
  assert.equal(decode(user['client-certificate-data']), files.cert);
  assert.equal(decode(user['client-key-data']), files.key);
  assert.equal(user['token'], undefined);
  assert.match(r.stdout, /^--audit-webhook-batch-max-size=1000$/m);
  assert.match(r.stdout, /^--audit-webhook-batch-throttle-qps=20$/m);

  const fromFile = await runCli(['setup', 'apiserver', '--url', 'https://h:8765', '--token-file', join(dir, 'token')]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  const kc = current(parse(sections(fromFile.stdout).get('webhook-kubeconfig.yaml')!) as Kubeconfig);
  assert.deepEqual(kc.user, { token: 's3cret-token' });
  assert.equal(kc.cluster['server'], 'https://h:8765/k8s-audit'); // ingest's default path, said on stderr
  assert.match(fromFile.stderr, /no path/);
});

test('setup apiserver --out-dir: three files, the kubeconfig private; setup check passes the policy against rules/', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['setup', 'apiserver', '--url', 'https://x:8765/k8s-audit', '--token', 't', '--out-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(join(dir, 'webhook-kubeconfig.yaml')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(dir, 'kube-apiserver-flags.txt'), 'utf8'), /^--audit-webhook-mode=batch$/m);
  const check = await runCli(['setup', 'check', '--policy', join(dir, 'audit-policy.yaml')]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /every rule sees what it needs: 0 warning\(s\)/);
  assert.doesNotMatch(check.stdout, /^warning:/m);
});

test('setup check: a Metadata-only policy blinds the privileged-pod rule (exit 1), and says why', async (t) => {
  const dir = tempDir(t);
  const policy = join(dir, 'metadata.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n');
  const r = await runCli(['setup', 'check', '--policy', policy]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^warning: rule 'Privileged Container Started in Pod' can never fire: it reads ka\.req\.pod\.containers\.privileged.*need level Request, but pods \(create, update, patch\) are audited at Metadata \(policy rule #1\)$/m);
  assert.doesNotMatch(r.stdout, /rule 'Secret Read by Non-System User'/); // Metadata is all it needs
  assert.match(r.stdout, /would not: \d+ warning\(s\)/);

  // Omitting the stage a rule judges blinds it too: exec is judged when the stream starts.
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived, ResponseStarted]\nrules:\n  - level: RequestResponse\n');
  const stages = await runCli(['setup', 'check', '--policy', policy]);
  assert.equal(stages.code, 1);
  assert.match(stages.stdout, /^warning: rule 'Exec or Attach Into Pod' can never fire: .*without the stage\(s\) it judges, ResponseStarted/m);
});

test('setup check --rules: a rule of one\'s own that reads the response body, under a Request policy', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'rules.yaml'), `- rule: Generated Pod Name
  desc: d
  condition: ka.target.resource=pods and ka.verb=create and ka.resp.name startswith x-
  output: o %ka.resp.name
  priority: WARNING
  source: k8s_audit
`);
  writeFileSync(join(dir, 'policy.yaml'), `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    users: [system:kube-scheduler]
  - level: Request
    resources: [{group: "", resources: [pods]}]
`);
  const r = await runCli(['setup', 'check', '--policy', join(dir, 'policy.yaml'), '--rules', join(dir, 'rules.yaml'), '--verbose']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^warning: rule 'Generated Pod Name' can never fire: it reads ka\.resp\.name, which needs level RequestResponse, but pods create is audited at Request \(policy rule #2\)$/m);
  assert.match(r.stdout, /1 enabled rule\(s\) checked, 1 rule\(s\) would not/);

  // setup apiserver checks its own policy against the rules given: a body it does not audit is said, exit 1.
  const apiserver = await runCli(['setup', 'apiserver', '--url', 'https://x:8765/k8s-audit', '--token', 't', '--rules', join(dir, 'rules.yaml')]);
  assert.equal(apiserver.code, 0, apiserver.stderr); // pods create is RequestResponse in the recommended policy
  writeFileSync(join(dir, 'rules.yaml'), `- rule: Secret Payload
  desc: d
  condition: ka.target.resource=secrets and ka.verb=create and jevt.value[/requestObject/data] exists
  output: o
  priority: WARNING
  source: k8s_audit
`);
  const blind = await runCli(['setup', 'apiserver', '--url', 'https://x:8765/k8s-audit', '--token', 't', '--rules', join(dir, 'rules.yaml')]);
  assert.equal(blind.code, 1);
  assert.match(blind.stderr, /warning: rule 'Secret Payload' can never fire/);
  assert.match(blind.stdout, /^# ==> audit-policy\.yaml/m); // the files are still printed
});

test('setup: usage errors exit 2 with a message', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Everything\n    resource: [pods]\n');
  const cases: [string[], RegExp][] = [
    [['setup'], /needs 'apiserver' or 'check'/],
    [['setup', 'install'], /unknown setup command 'install'/],
    [['setup', 'apiserver', '--token', 't'], /needs --url/],
    [['setup', 'apiserver', '--url', 'https://x:8765/k8s-audit'], /give the credential/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--token', 't', '--token-file', 'f'], /one credential/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--client-cert', 'c'], /needs --client-key/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--token-file', join(dir, 'missing')], /cannot read .*ENOENT/],
    [['setup', 'apiserver', '--url', 'ftp://x/k8s-audit', '--token', 't'], /https:\/\//],
    [['setup', 'apiserver', '--url', 'not a url', '--token', 't'], /not a URL/],
    [['setup', 'apiserver', '--url', 'http://x/k8s-audit', '--token', 't', '--ca-file', bad], /need an https:\/\/ URL/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--token', 't', '--cluster', 'a/b'], /not a cluster name/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--token', 't', '--events-per-second', 'lots'], /positive number/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--token', 't', '--ca-file', bad], /no PEM CERTIFICATE/],
    [['setup', 'apiserver', '--url', 'https://x/k8s-audit', '--token', 't', '--frobnicate'], /frobnicate/],
    [['setup', 'check'], /needs --policy/],
    [['setup', 'check', '--policy', join(dir, 'missing.yaml')], /cannot read the policy .*ENOENT/],
    [['setup', 'check', '--policy', bad], /not a valid audit policy:\n  rules\[0\]: unknown key 'resource'\n  rules\[0\]\.level: expected one of None, Metadata, Request, RequestResponse/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '', `${args.join(' ')} printed nothing on stdout`);
  }
  const help = await runCli(['setup', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--events-per-second/);
  assert.match(help.stdout, /setup check --policy FILE/);
});
