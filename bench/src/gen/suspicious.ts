/**
 * The small share of requests a detection pipeline exists for: each scenario here is built so that at least one rule
 * of Falco's k8s audit ruleset and of Peregrine's own rules fires on it (privileged or host-mounting pods, bindings
 * to cluster-admin, humans exec'ing into pods, credentials in configmaps, wildcard roles, secrets listed by a person,
 * anonymous access, NodePort services, impersonation, ...). Together about 1.3% of events, which with the humans'
 * routine requests and the lifecycle rules (creations) makes a few percent of events alert.
 *
 * Invariant: like scenarios.ts, a pure function of `ctx.rng` and `ctx.cluster`.
 */
import type { ApiRequest } from './envelope.js';
import { binding, configMap, configMapData, pod, type PodVariant, role, roleRules, service } from './objects.js';
import { RESOURCES as R, pathOf, refOf } from './resources.js';
import { type Ctx, latencyUs, type Scenario, stream } from './scenarios.js';

/** A human who is not in any allow list (alice, bob), so that user-based rules fire too. */
function person(ctx: Ctx) {
  return ctx.rng.pick(ctx.cluster.humans.slice(0, 2));
}

function created(ctx: Ctx, who: ApiRequest['who'], res: (typeof R)[keyof typeof R], ns: string | undefined, name: string, body: Record<string, unknown>): ApiRequest {
  return {
    level: 'RequestResponse', verb: 'create', uri: pathOf(res, ns), who, objectRef: refOf(res, ns, name), code: 201,
    requestObject: body, responseObject: body, receivedAgoUs: latencyUs(ctx.rng, 8),
  };
}

function podCreate(ctx: Ctx, variant: PodVariant): ApiRequest {
  const { rng } = ctx;
  const w = rng.pick(ctx.cluster.workloads);
  const name = `debug-${rng.suffix(5)}`;
  const p = pod(rng, w, ctx.now, 'kubectl-run', { ...variant, name });
  const ns = variant.namespace ?? w.namespace;
  return { ...created(ctx, rng.chance(0.7) ? person(ctx) : ctx.cluster.ci, R.pods, ns, name, p.request), responseObject: p.response,
    extraAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' } };
}

export const SUSPICIOUS: readonly Scenario[] = [
  { name: 'privileged pod', weight: 0.12, suspicious: true, make: (ctx) => podCreate(ctx, { privileged: true, image: 'docker.io/library/ubuntu:22.04' }) },
  { name: 'pod mounting a sensitive host path', weight: 0.1, suspicious: true,
    make: (ctx) => podCreate(ctx, { hostPath: ctx.rng.pick(['/', '/etc', '/var/run/docker.sock', '/proc', '/root']), image: 'docker.io/library/alpine:3.19' }) },
  { name: 'pod in the host network', weight: 0.06, suspicious: true, make: (ctx) => podCreate(ctx, { hostNetwork: true, image: 'docker.io/nicolaka/netshoot:v0.12' }) },
  { name: 'pod in the host PID namespace', weight: 0.04, suspicious: true, make: (ctx) => podCreate(ctx, { hostPID: true, image: 'docker.io/library/busybox:1.36' }) },
  { name: 'pod in kube-system with an unknown image', weight: 0.06, suspicious: true, make: (ctx) => podCreate(ctx, { namespace: 'kube-system', image: 'docker.io/library/nginx:1.25' }) },
  {
    name: 'binding to cluster-admin', weight: 0.08, suspicious: true,
    make(ctx) {
      const name = `${ctx.rng.pick(['tmp', 'debug', 'ci'])}-admin-${ctx.rng.suffix(4)}`;
      const body = binding('ClusterRoleBinding', name, undefined, 'ClusterRole', 'cluster-admin', [{ kind: 'ServiceAccount', name: 'default', namespace: ctx.rng.pick(ctx.cluster.appNamespaces) }]);
      return created(ctx, person(ctx), R.clusterrolebindings, undefined, name, body);
    },
  },
  {
    name: 'role with wildcard permissions', weight: 0.06, suspicious: true,
    make(ctx) {
      const name = `${ctx.rng.pick(['ops', 'all', 'super'])}-${ctx.rng.suffix(4)}`;
      return created(ctx, person(ctx), R.clusterroles, undefined, name, role('ClusterRole', name, undefined, [...roleRules(ctx.rng, true), ...roleRules(ctx.rng, false)]));
    },
  },
  {
    name: 'human exec/attach/port-forward into a pod', weight: 0.25, suspicious: true,
    make(ctx) {
      const { rng } = ctx;
      const w = rng.pick(ctx.cluster.workloads);
      const podName = `${w.name}-${w.replicaSetHash}-${rng.suffix(5)}`;
      const who = rng.pick(ctx.cluster.humans);
      const sub = rng.weighted<'exec' | 'attach' | 'portforward'>([['exec', 6], ['attach', 1], ['portforward', 2]]);
      const query = sub === 'exec' ? `?command=${rng.pick(['sh', 'bash', 'env'])}&container=${w.name}&stdin=true&stdout=true&tty=true` : sub === 'attach' ? `?container=${w.name}&stdin=true&stdout=true&tty=true` : '';
      return stream(ctx, who, w.namespace, podName, sub, query);
    },
  },
  {
    name: 'configmap holding credentials', weight: 0.08, suspicious: true,
    make(ctx) {
      const { rng } = ctx;
      const w = rng.pick(ctx.cluster.workloads);
      const name = `${w.name}-aws`;
      const cm = configMap(name, w.namespace, configMapData(rng, 300, true), rng, ctx.now, 'kubectl-create');
      return { ...created(ctx, person(ctx), R.configmaps, w.namespace, name, cm.request), responseObject: cm.response };
    },
  },
  {
    name: 'secrets listed or watched by a person', weight: 0.1, suspicious: true,
    make(ctx) {
      const ns = ctx.rng.pick(ctx.cluster.appNamespaces);
      return { level: 'Metadata', verb: 'list', uri: `${pathOf(R.secrets, ns)}?limit=500`, who: person(ctx), objectRef: refOf(R.secrets, ns), code: 200, receivedAgoUs: latencyUs(ctx.rng, 10) };
    },
  },
  {
    name: 'request denied by the authorizer', weight: 0.12, suspicious: true,
    make(ctx) {
      return { level: 'Metadata', verb: 'get', uri: pathOf(R.secrets, 'kube-system', 'bootstrap-token-abcdef'), who: person(ctx),
        objectRef: refOf(R.secrets, 'kube-system', 'bootstrap-token-abcdef'), code: 403, decision: 'forbid', receivedAgoUs: latencyUs(ctx.rng, 2) };
    },
  },
  {
    name: 'anonymous request allowed outside the health endpoints', weight: 0.04, suspicious: true,
    make(ctx) {
      return { level: 'Metadata', verb: 'list', uri: pathOf(R.pods, 'default'), who: { ...ctx.cluster.anonymous, userAgent: 'curl/8.5.0', sourceIP: '203.0.113.77' },
        objectRef: refOf(R.pods, 'default'), code: 200, receivedAgoUs: latencyUs(ctx.rng, 3) };
    },
  },
  {
    name: 'NodePort service', weight: 0.05, suspicious: true,
    make(ctx) {
      const w = ctx.rng.pick(ctx.cluster.workloads);
      const name = `${w.name}-np`;
      return created(ctx, person(ctx), R.services, w.namespace, name, service(name, w.namespace, 'NodePort'));
    },
  },
  {
    name: 'request with impersonation', weight: 0.04, suspicious: true,
    make(ctx) {
      const ns = ctx.rng.pick(ctx.cluster.appNamespaces);
      return { level: 'Metadata', verb: 'get', uri: pathOf(R.pods, ns), who: person(ctx), objectRef: refOf(R.pods, ns), code: 200,
        impersonatedUser: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] }, receivedAgoUs: latencyUs(ctx.rng, 3) };
    },
  },
  {
    name: 'service account created in kube-system', weight: 0.03, suspicious: true,
    make(ctx) {
      const name = `svc-${ctx.rng.suffix(6)}`;
      return created(ctx, person(ctx), R.serviceaccounts, 'kube-system', name, { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name, namespace: 'kube-system' } });
    },
  },
  {
    name: 'mutating webhook configuration created', weight: 0.02, suspicious: true,
    make(ctx) {
      const name = `injector-${ctx.rng.suffix(4)}`;
      const body = { kind: 'MutatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1', metadata: { name },
        webhooks: [{ name: `${name}.example.com`, clientConfig: { url: 'https://203.0.113.9/mutate' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }] };
      return created(ctx, person(ctx), R.mutatingwebhookconfigurations, undefined, name, body);
    },
  },
];
