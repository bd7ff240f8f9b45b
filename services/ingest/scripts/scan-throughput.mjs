#!/usr/bin/env node
// Throughput of the audit-body scanner (dist/audit-scan.js) on apiserver-like bodies: 400-event EventLists of
// generated events (about 1-3 KB each, some with pod specs and non-ASCII text), compared with JSON.parse of the same
// bytes. A local measurement, not a test: numbers on the shared 2-core machines move by up to 1.4x between runs.
// Usage: npx tsc -b && node services/ingest/scripts/scan-throughput.mjs [megabytes=256]
import { scanAudit } from '../dist/audit-scan.js';

const targetMb = Number(process.argv[2] ?? 256);
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = (a) => a[Math.floor(rand() * a.length)];

function event(i) {
  const verb = pick(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']);
  const resource = pick(['pods', 'configmaps', 'secrets', 'deployments', 'leases', 'clusterrolebindings']);
  const e = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse',
    auditID: `${(i * 2654435761 >>> 0).toString(16)}-4c1a-9e7e-${i.toString(16).padStart(12, '0')}`,
    stage: 'ResponseComplete', requestURI: `/api/v1/namespaces/ns-${i % 17}/${resource}/obj-${i}`, verb,
    user: { username: `system:serviceaccount:ns-${i % 17}:sa-${i % 5}`, uid: `uid-${i}`, groups: ['system:serviceaccounts', 'system:authenticated'] },
    sourceIPs: [`10.${i % 250}.${(i >> 3) % 250}.${i % 7}`], userAgent: 'kubectl/v1.29.0 (linux/amd64) kubernetes/3f7a50f',
    objectRef: { resource, namespace: `ns-${i % 17}`, name: `obj-${i}`, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2024-05-01T12:00:00.123456Z', stageTimestamp: '2024-05-01T12:00:00.234567Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "admin" of ClusterRole "cluster-admin" to Group "system:masters"' },
  };
  if (rand() < 0.3) {
    e.requestObject = {
      kind: 'Pod', apiVersion: 'v1', metadata: { name: `obj-${i}`, labels: { app: 'web', tier: 'frontend', 'note': 'café — 日本語 ✓' } },
      spec: { containers: Array.from({ length: 1 + (i % 3) }, (_, k) => ({
        name: `c${k}`, image: `registry.example.com/team/app:${i}.${k}`, args: ['--port=8080', '--verbose', '--config=/etc/app/config.yaml'],
        env: [{ name: 'A', value: 'x'.repeat(40) }, { name: 'B', value: 'line1\nline2\t"quoted"' }],
        resources: { limits: { cpu: 0.5, memory: '256Mi' }, requests: { cpu: 0.25, memory: 128 } },
        securityContext: { privileged: i % 11 === 0, runAsNonRoot: true, runAsUser: 1000 },
      })) },
    };
  }
  return e;
}

const bodies = [];
let bytes = 0;
for (let b = 0; b < 8; b++) {
  const items = Array.from({ length: 400 }, (_, k) => event(b * 400 + k));
  const body = Buffer.from(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }));
  bodies.push(body);
  bytes += body.length;
}
console.log(`node ${process.version}; ${bodies.length} bodies, ${(bytes / bodies.length / 1e6).toFixed(2)} MB each, ${(bytes / 3200).toFixed(0)} B/event on average`);
for (const body of bodies) {
  const r = scanAudit(body);
  if (!r.ok || r.count !== 400) throw new Error(`scan failed: ${JSON.stringify(r)}`);
}

function measure(name, fn) {
  const rounds = Math.max(1, Math.round((targetMb * 1e6) / bytes));
  for (let w = 0; w < 3; w++) for (const b of bodies) fn(b); // warm up
  const results = [];
  for (let pass = 0; pass < 5; pass++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const b of bodies) fn(b);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    results.push((rounds * bytes) / 1e6 / s);
  }
  results.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} median ${results[2].toFixed(0)} MB/s (min ${results[0].toFixed(0)}, max ${results[4].toFixed(0)})`);
}

measure('scanAudit', (b) => scanAudit(b));
measure('JSON.parse(buf.toString())', (b) => JSON.parse(b.toString('utf8')));
