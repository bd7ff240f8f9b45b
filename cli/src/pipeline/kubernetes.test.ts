/**
 * deploy/kubernetes cannot be applied here (no cluster), so it is checked the way a cluster would read it: rendered by
 * `kubectl kustomize` (the root, the production-ish setup, and overlays/single-node) and the objects inspected for
 * what matters: images and commands, ports and probes, the restricted security context, resources, the autoscaler and
 * disruption budgets, references that resolve, a configuration the services accept, placeholders instead of secrets,
 * and the documented way of supplying one's own Kafka and secrets. The Dockerfile is held to what the manifests
 * assume. `KUBECTL=/path/to/kubectl` picks another kubectl (an old one checks the old-kustomize compatibility).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import { loadRuleFiles } from '@peregrine/rule-engine';
import { repoRoot } from '@peregrine/testkit';
import { parseAllDocuments } from 'yaml';
import { configFromArgs } from './flags.js';

/** A rendered object, inspected field by field (asserting on the way is the test). */
type Obj = Record<string, any>;

const root = repoRoot();
const deployDir = join(root, 'deploy', 'kubernetes');
const SERVICES = ['ingest', 'evaluator', 'outputs'] as const;
const PORTS = { ingest: { name: 'https', port: 8765 }, evaluator: { name: 'metrics', port: 9464 }, outputs: { name: 'metrics', port: 9464 } };

/** The objects `kubectl kustomize DIR` renders; undefined (test skipped) when there is no kubectl, except under CI. */
async function render(t: TestContext, dir: string): Promise<Obj[] | undefined> {
  let out: string;
  try {
    out = (await promisify(execFile)(process.env['KUBECTL'] || 'kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && process.env['CI'] !== 'true') {
      t.skip('kubectl is not installed (apt-get install kubernetes-client)');
      return undefined;
    }
    throw err;
  }
  return parseAllDocuments(out).map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o['kind'] === kind && o['metadata']['name'] === name);
const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o['kind'] === kind);
const deployment = (objs: Obj[], service: string) => {
  const d = find(objs, 'Deployment', `peregrine-${service}`);
  assert.ok(d, `Deployment peregrine-${service}`);
  return d;
};
const container = (d: Obj): Obj => d['spec']['template']['spec']['containers'][0];

/** A resource quantity as a number: CPU in millicores ("250m", "1"), memory in bytes ("256Mi", "1Gi"). */
function quantity(resource: string, q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(q));
  assert.ok(m, `${resource} quantity ${q}`);
  const unit = m[2] ?? '';
  if (resource === 'cpu') return Number(m[1]) * (unit === 'm' ? 1 : 1000);
  assert.notEqual(unit, 'm', `memory ${q}`);
  return Number(m[1]) * ({ '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 } as Record<string, number>)[unit]!;
}

/** A pod's container port (by name or number) that a probe or Service targets. */
function portOf(c: Obj, ref: string | number): number | undefined {
  const ports = c['ports'] as Obj[];
  return typeof ref === 'number' ? ports.find((p) => p['containerPort'] === ref)?.['containerPort'] : ports.find((p) => p['name'] === ref)?.['containerPort'];
}

/** The ConfigMap or Secret data a generated name refers to, decoded. */
function dataOf(objs: Obj[], kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> {
  const o = find(objs, kind, name);
  assert.ok(o, `${kind} ${name} is in the render`);
  const data = (o['data'] ?? {}) as Record<string, string>;
  return kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : data;
}

/** Checks shared by every rendering; returns the services' configuration as the pods would load it. */
function checkCommon(objs: Obj[], image: string) {
  const ns = find(objs, 'Namespace', 'peregrine');
  assert.equal(ns?.['metadata']['labels']['pod-security.kubernetes.io/enforce'], 'restricted');
  for (const o of objs) {
    if (o['kind'] !== 'Namespace') assert.equal(o['metadata']['namespace'], 'peregrine', `${o['kind']} ${o['metadata']['name']} in the namespace`);
  }
  assert.deepEqual(ofKind(objs, 'Deployment').map((d) => d['metadata']['name']).sort(), SERVICES.map((s) => `peregrine-${s}`).sort());

  for (const service of SERVICES) {
    const d = deployment(objs, service);
    const pod = d['spec']['template']['spec'];
    const c = container(d);
    const where = `peregrine-${service}`;
    assert.equal(c['image'], image, `${where} image`);
    assert.equal(c['args'][0], service, `${where} runs 'peregrine ${service}'`);
    assert.deepEqual(c['args'].slice(1, 3), ['--config', '/etc/peregrine/config/peregrine.yaml']);
    // Labels: the Deployment selects its own pods.
    for (const [k, v] of Object.entries(d['spec']['selector']['matchLabels'])) assert.equal(d['spec']['template']['metadata']['labels'][k], v);

    // Ports and probes: /readyz and /healthz on the service's own port (HTTPS for ingest, whose listener is TLS).
    const expected = PORTS[service];
    assert.equal(portOf(c, expected.name), expected.port, `${where} port ${expected.name}`);
    for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz']] as const) {
      const get = c[probe]?.['httpGet'];
      assert.equal(get?.['path'], path, `${where} ${probe}`);
      assert.equal(portOf(c, get['port']), expected.port, `${where} ${probe} port`);
      assert.equal(get['scheme'] ?? 'HTTP', service === 'ingest' ? 'HTTPS' : 'HTTP', `${where} ${probe} scheme`);
    }

    // The restricted profile, at the pod and the container; no API token; a writable /tmp only.
    assert.equal(pod['automountServiceAccountToken'], false);
    assert.ok(find(objs, 'ServiceAccount', pod['serviceAccountName']), `${where} service account exists`);
    assert.deepEqual([pod['securityContext']['runAsNonRoot'], pod['securityContext']['runAsUser']], [true, 1000]);
    assert.equal(pod['securityContext']['seccompProfile']['type'], 'RuntimeDefault');
    const sc = c['securityContext'];
    assert.equal(sc['runAsNonRoot'], true);
    assert.equal(sc['runAsUser'], 1000, 'the image\'s user node');
    assert.equal(sc['allowPrivilegeEscalation'], false);
    assert.equal(sc['readOnlyRootFilesystem'], true);
    assert.deepEqual(sc['capabilities']['drop'], ['ALL']);
    assert.equal(sc['capabilities']['add'], undefined);
    assert.equal(sc['privileged'] ?? false, false);
    assert.equal(sc['seccompProfile']['type'], 'RuntimeDefault');
    const tmp = c['volumeMounts'].find((m: Obj) => m['mountPath'] === '/tmp');
    assert.ok(pod['volumes'].find((v: Obj) => v['name'] === tmp?.['name'])?.['emptyDir'], `${where} /tmp is an emptyDir`);
    for (const m of c['volumeMounts'] as Obj[]) if (m['mountPath'] !== '/tmp') assert.equal(m['readOnly'], true, `${where} ${m['mountPath']} read-only`);

    // Requests and limits for both resources, requests within limits.
    for (const r of ['cpu', 'memory']) {
      const req = c['resources']?.['requests']?.[r];
      const lim = c['resources']?.['limits']?.[r];
      assert.ok(req !== undefined && lim !== undefined, `${where} ${r} request and limit`);
      assert.ok(quantity(r, req) <= quantity(r, lim), `${where} ${r} request ${req} <= limit ${lim}`);
    }

    // Every ConfigMap and Secret it refers to is rendered, with the keys it asks for.
    for (const v of pod['volumes'] as Obj[]) {
      if (v['configMap']) dataOf(objs, 'ConfigMap', v['configMap']['name']);
      if (v['secret']) {
        dataOf(objs, 'Secret', v['secret']['secretName']);
        assert.equal(v['secret']['defaultMode'], 0o440, `${where} secret files readable by the pod's group only`);
      }
    }
    for (const e of (c['env'] ?? []) as Obj[]) {
      const ref = e['valueFrom']?.['configMapKeyRef'] ?? e['valueFrom']?.['secretKeyRef'];
      if (ref) assert.ok(ref['key'] in dataOf(objs, e['valueFrom']['configMapKeyRef'] ? 'ConfigMap' : 'Secret', ref['name']), `${where} env ${e['name']}`);
    }
    assert.equal(c['envFrom'], undefined);
  }

  // No Secret holds anything that could be a real secret: only the placeholders, which ingest refuses.
  for (const s of ofKind(objs, 'Secret')) {
    assert.equal(s['stringData'], undefined);
    for (const [key, value] of Object.entries(dataOf(objs, 'Secret', s['metadata']['name']))) {
      assert.match(value, /^REPLACE ME /, `${s['metadata']['name']}/${key} is a placeholder`);
      assert.doesNotMatch(value, /-----BEGIN|[A-Za-z0-9+/=_-]{24,}/, `${s['metadata']['name']}/${key} looks like key material`);
    }
  }

  // The configuration the pods load: valid for the services, with the Kafka brokers from the environment.
  const ingest = deployment(objs, 'ingest');
  const evaluator = deployment(objs, 'evaluator');
  const envOf = (d: Obj) => Object.fromEntries((container(d)['env'] as Obj[]).map((e) => [e['name'],
    e['value'] ?? dataOf(objs, 'ConfigMap', e['valueFrom']['configMapKeyRef']['name'])[e['valueFrom']['configMapKeyRef']['key']]]));
  const configMap = container(ingest)['volumeMounts'].find((m: Obj) => m['mountPath'] === '/etc/peregrine/config');
  const configName = ingest['spec']['template']['spec']['volumes'].find((v: Obj) => v['name'] === configMap['name'])['configMap']['name'];
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-k8s-'));
  try {
    const file = join(dir, 'peregrine.yaml');
    writeFileSync(file, dataOf(objs, 'ConfigMap', configName)['peregrine.yaml']!);
    const config = configFromArgs(['--config', file], envOf(evaluator));
    assert.ok(config.kafka && config.kafka.brokers.length > 0, 'brokers from PEREGRINE_KAFKA__BROKERS');
    return { config, envOf, ingest, evaluator };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The mounted file at `path` in a Deployment's pod: [the volume's ConfigMap or Secret data, the key]. */
function mountedFile(objs: Obj[], d: Obj, path: string): [Record<string, string>, string] {
  const mount = (container(d)['volumeMounts'] as Obj[]).find((m) => path.startsWith(`${m['mountPath']}/`));
  assert.ok(mount, `${path} is under a mount of ${d['metadata']['name']}`);
  const volume = (d['spec']['template']['spec']['volumes'] as Obj[]).find((v) => v['name'] === mount['name'])!;
  const data = volume['secret'] ? dataOf(objs, 'Secret', volume['secret']['secretName']) : dataOf(objs, 'ConfigMap', volume['configMap']['name']);
  return [data, posix.relative(mount['mountPath'], path)];
}

test('kubernetes: the root renders the production-ish setup', async (t) => {
  const objs = await render(t, deployDir);
  if (!objs) return;
  const { config, envOf, ingest, evaluator } = checkCommon(objs, 'registry.example.com/peregrine:0.1.0');

  // The paths of the configuration are where the manifests mount them, and the ports are the containers'.
  assert.equal(config.ingest.listen, `0.0.0.0:${PORTS.ingest.port}`);
  assert.equal(config.metrics.listen, `0.0.0.0:${PORTS.evaluator.port}`);
  for (const path of [config.ingest.tls!.cert, config.ingest.tls!.key, ...config.ingest.auth.tokens.map((e) => e.tokenFile!)]) {
    const [data, key] = mountedFile(objs, ingest, path);
    assert.ok(key in data, `${path} is a key of its Secret`);
  }
  assert.deepEqual(config.evaluator.rules, ['/app/rules', '/etc/peregrine/rules'], 'the image\'s rules, then the cluster\'s');
  const [rulesData] = mountedFile(objs, evaluator, '/etc/peregrine/rules/local_rules.yaml');
  assert.ok('local_rules.yaml' in rulesData);
  assert.equal(Number(envOf(evaluator)['PEREGRINE_EVALUATOR__WORKERS']), quantity('cpu', container(evaluator)['resources']['limits']['cpu']) / 1000,
    'one worker thread per CPU of the limit');

  // The Service reaches ingest's HTTPS port.
  const service = find(objs, 'Service', 'peregrine-ingest');
  for (const [k, v] of Object.entries(service?.['spec']['selector'] ?? {})) assert.equal(ingest['spec']['template']['metadata']['labels'][k], v);
  assert.equal(service?.['spec']['ports'][0]['port'], 8765);
  assert.equal(portOf(container(ingest), service?.['spec']['ports'][0]['targetPort']), 8765);

  // Replicas: two of ingest and outputs; the evaluators' from the autoscaler (no replicas for apply to reset).
  assert.ok(deployment(objs, 'ingest')['spec']['replicas'] >= 2);
  assert.ok(deployment(objs, 'outputs')['spec']['replicas'] >= 2);
  assert.equal(evaluator['spec']['replicas'], undefined);
  const hpa = find(objs, 'HorizontalPodAutoscaler', 'peregrine-evaluator');
  assert.equal(hpa?.['apiVersion'], 'autoscaling/v2');
  assert.deepEqual(hpa?.['spec']['scaleTargetRef'], { apiVersion: 'apps/v1', kind: 'Deployment', name: 'peregrine-evaluator' });
  assert.ok(hpa['spec']['minReplicas'] >= 2);
  assert.ok(hpa['spec']['maxReplicas'] <= config.kafka!.topicPartitions, 'no more evaluators than audit partitions');
  const cpu = hpa['spec']['metrics'].find((m: Obj) => m['type'] === 'Resource');
  assert.equal(cpu?.['resource']['name'], 'cpu');
  assert.equal(cpu?.['resource']['target']['type'], 'Utilization');

  // One disruption budget per service, selecting its pods, that lets one pod go at a time.
  for (const service of SERVICES) {
    const d = deployment(objs, service);
    const pdb: Obj[] = ofKind(objs, 'PodDisruptionBudget').filter((p) =>
      Object.entries(p['spec']['selector']['matchLabels']).every(([k, v]) => d['spec']['template']['metadata']['labels'][k] === v));
    assert.equal(pdb.length, 1, `one PodDisruptionBudget for peregrine-${service}`);
    assert.ok(pdb[0]!['spec']['maxUnavailable'] === 1 || pdb[0]!['spec']['minAvailable'] < (d['spec']['replicas'] ?? hpa['spec']['minReplicas']));
  }
});

test('kubernetes: overlays/single-node: one replica each, smaller requests, no autoscaler or budgets', async (t) => {
  const small = await render(t, join(deployDir, 'overlays', 'single-node'));
  const full = small && await render(t, deployDir);
  if (!small || !full) return;
  const { envOf, evaluator } = checkCommon(small, 'peregrine:local');
  assert.deepEqual(ofKind(small, 'HorizontalPodAutoscaler'), []);
  assert.deepEqual(ofKind(small, 'PodDisruptionBudget'), []);
  for (const service of SERVICES) {
    assert.equal(deployment(small, service)['spec']['replicas'], 1, service);
    for (const r of ['cpu', 'memory']) {
      const mine = quantity(r, container(deployment(small, service))['resources']['requests'][r]);
      const theirs = quantity(r, container(deployment(full, service))['resources']['requests'][r]);
      assert.ok(mine < theirs, `${service} ${r} request smaller than production's`);
    }
  }
  assert.equal(Number(envOf(evaluator)['PEREGRINE_EVALUATOR__WORKERS']), quantity('cpu', container(evaluator)['resources']['limits']['cpu']) / 1000);
});

test('kubernetes: an overlay of one\'s own supplies Kafka and the secrets, as docs/kubernetes.md says', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-overlay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Stand-ins for the files an operator keeps out of version control; not key material.
  writeFileSync(join(dir, 'token'), 'stand-in-token\n');
  writeFileSync(join(dir, 'tls.crt'), 'stand-in certificate\n');
  writeFileSync(join(dir, 'tls.key'), 'stand-in key\n');
  writeFileSync(join(dir, 'kustomization.yaml'), `bases:
  - ${relative(dir, deployDir)}
configMapGenerator:
  - name: peregrine-kafka
    behavior: merge
    literals:
      - brokers=kafka-0.example:9093,kafka-1.example:9093
secretGenerator:
  - name: peregrine-ingest-tokens
    behavior: replace
    files:
      - my-cluster=token
  - name: peregrine-ingest-tls
    behavior: replace
    type: kubernetes.io/tls
    files:
      - tls.crt
      - tls.key
`);
  const objs = await render(t, dir);
  if (!objs) return;
  const ingest = deployment(objs, 'ingest');
  const brokers = container(ingest)['env'].find((e: Obj) => e['name'] === 'PEREGRINE_KAFKA__BROKERS')['valueFrom']['configMapKeyRef'];
  assert.equal(dataOf(objs, 'ConfigMap', brokers['name'])[brokers['key']], 'kafka-0.example:9093,kafka-1.example:9093');
  const [tokens, tokenKey] = mountedFile(objs, ingest, '/etc/peregrine/tokens/my-cluster');
  assert.equal(tokens[tokenKey], 'stand-in-token\n');
  const [tls, certKey] = mountedFile(objs, ingest, '/etc/peregrine/tls/tls.crt');
  assert.equal(tls[certKey], 'stand-in certificate\n');
  assert.equal(ofKind(objs, 'Secret').length, 2, 'replaced, not added beside the placeholders');
});

test('kubernetes: the cluster\'s rules file loads after the project\'s rules', async () => {
  const result = await loadRuleFiles([join(root, 'rules'), join(deployDir, 'base', 'rules', 'local_rules.yaml')]);
  assert.deepEqual(result.errors, []);
});

test('Dockerfile: one image for every service, as the manifests expect it', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^WORKDIR \/app$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/cli\/bin\/peregrine\.js"\]$/m, 'args are the peregrine command line');
  assert.match(dockerfile, /^COPY rules \.\/rules$/m, 'the project rules at /app/rules, which the cluster config loads');
  assert.match(dockerfile, /^USER 1000(:1000)?$/m, 'numeric, so that runAsNonRoot can be verified');
  assert.match(dockerfile, /^EXPOSE 8765 9464$/m);
  // npm ci needs the manifest of every workspace of the lockfile.
  const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  for (const w of workspaces) {
    const top = w.replace(/\/\*$/, '');
    assert.match(dockerfile, new RegExp(`^COPY ${top}(/package\\.json)? \\./${top}(/package\\.json)?$`, 'm'), `the image build copies ${w}`);
  }
});
