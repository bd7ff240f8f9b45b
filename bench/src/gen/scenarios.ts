/**
 * The routine traffic of a mid-sized production cluster (12 nodes, ~30 workloads, the usual add-ons), one scenario
 * per kind of request, each with its share of the event stream. Shares follow the reference numbers (see
 * bench/README.md, "audit event generator"): reads without bodies are the bulk; controllers and kubelets renew leases
 * and patch status all the time; pod, deployment and configmap writes carry full bodies at RequestResponse; humans
 * are a small share. The rule-firing scenarios are in suspicious.ts.
 *
 * Invariant: a scenario only draws from `ctx.rng` and reads `ctx.cluster`, so the stream is a function of the seed.
 */
import type { Cluster, Identity, Workload } from './cluster.js';
import type { ApiRequest, Level } from './envelope.js';
import { configMap, configMapData, coreEvent, deployment, endpointSlice, lease, nodeStatusPatch, pod, podStatusPatch, role, roleRules, tokenRequest } from './objects.js';
import type { Rng } from './prng.js';
import { listQuery, pathOf, refOf, type Resource, RESOURCES as R, resourceVersion, watchQuery } from './resources.js';

export interface Ctx {
  readonly rng: Rng;
  readonly cluster: Cluster;
  /** The stream's clock as the apiserver prints it (managedFields and creation times use it). */
  readonly now: string;
}

export interface Scenario {
  readonly name: string;
  /** Share of requests, in percent (the table is normalized, so shares need not sum to exactly 100). */
  readonly weight: number;
  /** Built to fire rules (privileged pods, cluster-admin bindings, ...). */
  readonly suspicious?: boolean;
  make(ctx: Ctx): ApiRequest;
}

/** Request latency in microseconds: log-normal around a median, as apiserver latency histograms look. */
export function latencyUs(rng: Rng, medianMs: number): number {
  return Math.max(200, Math.round(rng.logNormal(medianMs, 0.8) * 1000));
}

function workloadOf(ctx: Ctx): Workload {
  return ctx.rng.pick(ctx.cluster.workloads);
}

function podName(rng: Rng, w: Workload): string {
  return `${w.name}-${w.replicaSetHash}-${rng.suffix(5)}`;
}

function controller(ctx: Ctx, name: string): Identity {
  return ctx.cluster.controllers.get(name)!;
}

function addon(ctx: Ctx, name: string): Identity {
  return ctx.cluster.addons.get(name)!;
}

/** Someone that watches and lists cluster-wide: a controller or an add-on, with the resources it follows. */
function informer(ctx: Ctx): { who: Identity; res: Resource } {
  const { rng } = ctx;
  return rng.weighted<{ who: Identity; res: Resource }>([
    [{ who: controller(ctx, 'replicaset-controller'), res: rng.pick([R.pods, R.replicasets]) }, 2],
    [{ who: controller(ctx, 'deployment-controller'), res: rng.pick([R.deployments, R.replicasets]) }, 1],
    [{ who: controller(ctx, 'endpointslice-controller'), res: rng.pick([R.endpointslices, R.services, R.pods]) }, 2],
    [{ who: controller(ctx, 'generic-garbage-collector'), res: rng.pick(Object.values(R).filter((x) => x.name !== 'tokenreviews' && x.name !== 'subjectaccessreviews')) }, 3],
    [{ who: controller(ctx, 'namespace-controller'), res: R.namespaces }, 0.5],
    [{ who: controller(ctx, 'resourcequota-controller'), res: rng.pick([R.pods, R.services, R.configmaps, R.secrets, R.persistentvolumeclaims]) }, 1],
    [{ who: ctx.cluster.scheduler, res: rng.pick([R.pods, R.nodes, R.persistentvolumeclaims, R.csidrivers]) }, 1.5],
    [{ who: addon(ctx, 'kubeProxy'), res: rng.pick([R.services, R.endpointslices, R.nodes]) }, 2],
    [{ who: addon(ctx, 'coredns'), res: rng.pick([R.services, R.endpointslices, R.namespaces]) }, 1],
    [{ who: addon(ctx, 'prometheus'), res: rng.pick([R.pods, R.endpoints, R.services, R.servicemonitors]) }, 1.5],
    [{ who: addon(ctx, 'kubeStateMetrics'), res: rng.pick([R.pods, R.deployments, R.nodes, R.jobs, R.cronjobs, R.secrets, R.configmaps, R.leases]) }, 1.5],
    [{ who: addon(ctx, 'ingress'), res: rng.pick([R.ingresses, R.services, R.endpointslices, R.secrets, R.configmaps]) }, 1],
    [{ who: addon(ctx, 'certManager'), res: rng.pick([R.certificates, R.secrets, R.ingresses]) }, 1],
    [{ who: addon(ctx, 'argocd'), res: rng.pick([R.applications, R.deployments, R.services, R.configmaps, R.secrets, R.roles, R.rolebindings]) }, 1.5],
    [{ who: addon(ctx, 'fluentBit'), res: R.pods }, 0.5],
  ]);
}

function read(ctx: Ctx, who: Identity, verb: string, uri: string, ref: Record<string, unknown>, code = 200, medianMs = 3): ApiRequest {
  return { level: 'Metadata', verb, uri, who, objectRef: ref, code, receivedAgoUs: latencyUs(ctx.rng, medianMs) };
}

/** A watch: the stream opening (ResponseStarted) or, as often, one ending after its timeout (ResponseComplete). */
function watch(ctx: Ctx, who: Identity, res: Resource, namespace: string | undefined, fieldSelector?: string): ApiRequest {
  const { rng } = ctx;
  const { query, timeoutSeconds } = watchQuery(rng, fieldSelector);
  const base = read(ctx, who, 'watch', pathOf(res, namespace) + query, refOf(res, namespace), 200, 1);
  if (rng.chance(0.5)) return { ...base, stages: [{ stage: 'ResponseStarted', atUs: 0 }] };
  return { ...base, receivedAgoUs: timeoutSeconds * 1_000_000 + latencyUs(rng, 1) };
}

function kubelet(ctx: Ctx): { who: Identity; node: string } {
  const i = ctx.rng.int(0, ctx.cluster.kubelets.length - 1);
  return { who: ctx.cluster.kubelets[i]!, node: ctx.cluster.nodes[i]!.name };
}

function write(level: Level, verb: string, who: Identity, uri: string, ref: Record<string, unknown>, rng: Rng, requestObject?: Record<string, unknown>, responseObject?: Record<string, unknown>, code = 200): ApiRequest {
  return { level, verb, uri, who, objectRef: ref, code, requestObject, responseObject, receivedAgoUs: latencyUs(rng, 8) };
}

export const ROUTINE: readonly Scenario[] = [
  {
    name: 'watch by kubelet (own pods, configmaps, secrets)', weight: 9,
    make(ctx) {
      const { who, node } = kubelet(ctx);
      const w = workloadOf(ctx);
      return ctx.rng.weighted<() => ApiRequest>([
        [() => watch(ctx, who, R.pods, undefined, `spec.nodeName=${node}`), 2],
        [() => watch(ctx, who, R.configmaps, w.namespace, `metadata.name=${w.name}-config`), 3],
        [() => watch(ctx, who, R.secrets, w.namespace, `metadata.name=${w.name}-env`), 2],
        [() => watch(ctx, who, R.nodes, undefined, `metadata.name=${node}`), 1],
        [() => watch(ctx, who, ctx.rng.pick([R.services, R.csidrivers, R.runtimeclasses]), undefined), 1],
      ])();
    },
  },
  {
    name: 'watch by controllers and add-ons (cluster-wide)', weight: 11,
    make(ctx) {
      const { who, res } = informer(ctx);
      return watch(ctx, who, res, undefined);
    },
  },
  {
    name: 'list by controllers and add-ons', weight: 9,
    make(ctx) {
      const { who, res } = informer(ctx);
      const ns = res.namespaced && ctx.rng.chance(0.3) ? ctx.rng.pick(ctx.cluster.namespaces) : undefined;
      return read(ctx, who, 'list', pathOf(res, ns) + listQuery(ctx.rng), refOf(res, ns), 200, 6);
    },
  },
  {
    name: 'get by kubelets, controllers, add-ons', weight: 10,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      return rng.weighted<() => ApiRequest>([
        [() => { const k = kubelet(ctx); return read(ctx, k.who, 'get', `${pathOf(R.nodes, undefined, k.node)}?resourceVersion=0&timeout=10s`, refOf(R.nodes, undefined, k.node), 200, 1); }, 3],
        [() => { const k = kubelet(ctx); return read(ctx, k.who, 'get', pathOf(R.pods, w.namespace, podName(rng, w)), refOf(R.pods, w.namespace, podName(rng, w))); }, 2],
        [() => read(ctx, ctx.cluster.controllerManager, 'get', `${pathOf(R.leases, 'kube-system', 'kube-controller-manager')}?timeout=5s`, refOf(R.leases, 'kube-system', 'kube-controller-manager'), 200, 1), 2],
        [() => read(ctx, ctx.cluster.scheduler, 'get', `${pathOf(R.leases, 'kube-system', 'kube-scheduler')}?timeout=5s`, refOf(R.leases, 'kube-system', 'kube-scheduler'), 200, 1), 1],
        [() => { const a = informer(ctx); return read(ctx, a.who, 'get', pathOf(R.configmaps, w.namespace, `${w.name}-config`), refOf(R.configmaps, w.namespace, `${w.name}-config`), rng.chance(0.05) ? 404 : 200); }, 2],
        [() => read(ctx, addon(ctx, 'argocd'), 'get', pathOf(R.deployments, w.namespace, w.name), refOf(R.deployments, w.namespace, w.name)), 1],
      ])();
    },
  },
  {
    name: 'secret get (Metadata: no bodies)', weight: 6,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const who = rng.weighted<Identity>([[kubelet(ctx).who, 6], [addon(ctx, 'certManager'), 1], [addon(ctx, 'ingress'), 1], [addon(ctx, 'argocd'), 1], [controller(ctx, 'service-account-controller'), 0.5]]);
      const name = rng.pick([`${w.name}-env`, `${w.name}-tls`, 'regcred', `sh.helm.release.v1.${w.name}.v${rng.int(1, 40)}`]);
      return read(ctx, who, 'get', pathOf(R.secrets, w.namespace, name), refOf(R.secrets, w.namespace, name), rng.chance(0.03) ? 404 : 200, 2);
    },
  },
  {
    name: 'lease renewals (node heartbeats, leader election)', weight: 10,
    make(ctx) {
      const { rng } = ctx;
      if (rng.chance(0.6)) {
        // Node leases: every kubelet renews every 10 s. Logged at Metadata by most policies (they are the noise).
        const { who, node } = kubelet(ctx);
        return read(ctx, who, 'update', `${pathOf(R.leases, 'kube-node-lease', node)}?timeout=10s`, refOf(R.leases, 'kube-node-lease', node), 200, 3);
      }
      const [who, name, ns] = rng.pick([
        [ctx.cluster.controllerManager, 'kube-controller-manager', 'kube-system'],
        [ctx.cluster.scheduler, 'kube-scheduler', 'kube-system'],
        [addon(ctx, 'certManager'), 'cert-manager-controller', 'kube-system'],
        [addon(ctx, 'ingress'), 'ingress-nginx-leader', 'ingress-nginx'],
        [addon(ctx, 'autoscaler'), 'cluster-autoscaler', 'kube-system'],
      ] as const);
      const body = lease(rng, name, ns, `${name}_${rng.uuid()}`, ctx.now, String(who.userAgent.split('/')[0]));
      return write('Request', 'update', who, `${pathOf(R.leases, ns, name)}?timeout=5s`, refOf(R.leases, ns, name), rng, body, undefined, rng.chance(0.02) ? 409 : 200);
    },
  },
  {
    name: 'endpoint slice and endpoints updates', weight: 3,
    make(ctx) {
      const w = workloadOf(ctx);
      const body = endpointSlice(ctx.rng, w, ctx.cluster.nodes);
      const name = String((body['metadata'] as Record<string, unknown>)['name']);
      return write('Request', 'update', controller(ctx, 'endpointslice-controller'), pathOf(R.endpointslices, w.namespace, name), refOf(R.endpointslices, w.namespace, name), ctx.rng, body);
    },
  },
  {
    name: 'core events created by kubelets and controllers', weight: 5,
    make(ctx) {
      const { who, node } = kubelet(ctx);
      const w = workloadOf(ctx);
      const body = coreEvent(ctx.rng, w, node, ctx.now);
      return write('Request', 'create', who, pathOf(R.events, w.namespace), refOf(R.events, w.namespace), ctx.rng, body, undefined, 201);
    },
  },
  {
    name: 'pod status patches by kubelets', weight: 5,
    make(ctx) {
      const { who } = kubelet(ctx);
      const w = workloadOf(ctx);
      const name = podName(ctx.rng, w);
      return write('Request', 'patch', who, pathOf(R.pods, w.namespace, name, 'status'), refOf(R.pods, w.namespace, name, 'status'), ctx.rng, podStatusPatch(ctx.rng, w, ctx.now));
    },
  },
  {
    name: 'node status patches by kubelets (some with the image list)', weight: 1.5,
    make(ctx) {
      const { who, node } = kubelet(ctx);
      return write('Request', 'patch', who, pathOf(R.nodes, undefined, node, 'status'), refOf(R.nodes, undefined, node, 'status'), ctx.rng, nodeStatusPatch(ctx.rng, ctx.rng.chance(0.08), ctx.now));
    },
  },
  {
    name: 'pod create by controllers (RequestResponse, full spec)', weight: 4,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const by = w.kind === 'StatefulSet' ? 'statefulset-controller' : rng.chance(0.9) ? 'replicaset-controller' : rng.pick(['daemon-set-controller', 'job-controller']);
      const p = pod(rng, w, ctx.now, 'kube-controller-manager');
      // generateName: the name is unknown when the request is received, so objectRef has none (ka.resp.name has it).
      return { ...write('RequestResponse', 'create', controller(ctx, by), pathOf(R.pods, w.namespace), refOf(R.pods, w.namespace), rng, p.request, p.response, 201),
        extraAnnotations: { 'pod-security.kubernetes.io/enforce-policy': 'baseline:latest' } };
    },
  },
  {
    name: 'pod binding by the scheduler', weight: 1.5,
    make(ctx) {
      const w = workloadOf(ctx);
      const name = podName(ctx.rng, w);
      const node = ctx.rng.pick(ctx.cluster.nodes).name;
      const body = { kind: 'Binding', apiVersion: 'v1', metadata: { name, namespace: w.namespace, uid: ctx.rng.uuid() }, target: { kind: 'Node', name: node } };
      return write('Request', 'create', ctx.cluster.scheduler, pathOf(R.pods, w.namespace, name, 'binding'), refOf(R.pods, w.namespace, name, 'binding'), ctx.rng, body, undefined, 201);
    },
  },
  {
    name: 'pod delete (RequestResponse: the deleted pod in the response)', weight: 2,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const p = pod(rng, w, ctx.now, 'kube-controller-manager');
      const who = rng.chance(0.6) ? controller(ctx, 'replicaset-controller') : kubelet(ctx).who;
      const options = { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: who.userAgent.startsWith('kubelet') ? 0 : 30, propagationPolicy: 'Background' };
      return write('RequestResponse', 'delete', who, pathOf(R.pods, w.namespace, p.name), refOf(R.pods, w.namespace, p.name), rng, options, p.response);
    },
  },
  {
    name: 'deployment patch by Argo CD (RequestResponse)', weight: 1.2,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': ctx.now.slice(0, 19) + 'Z' } }, spec: { containers: [{ name: w.name, image: w.images[0] }] } } } };
      return write('RequestResponse', 'patch', addon(ctx, 'argocd'), pathOf(R.deployments, w.namespace, w.name), refOf(R.deployments, w.namespace, w.name), rng, patch, deployment(rng, w, ctx.now));
    },
  },
  {
    name: 'deployment and replicaset status updates by controllers', weight: 2.5,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const replicas = rng.int(2, 6);
      const status = { observedGeneration: rng.int(1, 90), replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas,
        conditions: [{ type: 'Available', status: 'True', lastUpdateTime: ctx.now.slice(0, 19) + 'Z', lastTransitionTime: ctx.now.slice(0, 19) + 'Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }] };
      const rs = rng.chance(0.5);
      const res = rs ? R.replicasets : R.deployments;
      const name = rs ? `${w.name}-${w.replicaSetHash}` : w.name;
      const body = { kind: rs ? 'ReplicaSet' : 'Deployment', apiVersion: 'apps/v1', metadata: { name, namespace: w.namespace, uid: rng.uuid(), resourceVersion: resourceVersion(rng), generation: status.observedGeneration }, status };
      return write('Request', 'update', controller(ctx, rs ? 'replicaset-controller' : 'deployment-controller'), pathOf(res, w.namespace, name, 'status'), refOf(res, w.namespace, name, 'status'), rng, body, undefined, rng.chance(0.03) ? 409 : 200);
    },
  },
  {
    name: 'configmap update/patch (RequestResponse, log-normal data, tail > 100 KB)', weight: 3,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const name = rng.pick([`${w.name}-config`, `${w.name}-dashboards`, 'ingress-nginx-controller', `${w.name}-feature-flags`]);
      const data = configMapData(rng, Math.min(180_000, Math.round(rng.logNormal(900, 1.6))));
      const who = rng.weighted<Identity>([[addon(ctx, 'argocd'), 3], [addon(ctx, 'ingress'), 1], [controller(ctx, 'root-ca-cert-publisher'), 0.5]]);
      const cm = configMap(name, w.namespace, data, rng, ctx.now, String(who.userAgent.split('/')[0]));
      return write('RequestResponse', rng.chance(0.6) ? 'patch' : 'update', who, pathOf(R.configmaps, w.namespace, name), refOf(R.configmaps, w.namespace, name), rng, cm.request, cm.response);
    },
  },
  {
    name: 'configmap create (RequestResponse)', weight: 0.4,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const name = `${w.name}-${rng.pick(['config', 'scripts', 'env'])}-${rng.suffix(5)}`;
      const cm = configMap(name, w.namespace, configMapData(rng, Math.min(180_000, Math.round(rng.logNormal(900, 1.6)))), rng, ctx.now, 'helm');
      return write('RequestResponse', 'create', ctx.cluster.ci, pathOf(R.configmaps, w.namespace), refOf(R.configmaps, w.namespace, name), rng, cm.request, cm.response, 201);
    },
  },
  {
    name: 'secret writes by controllers (Metadata)', weight: 1,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const [who, name, verb] = rng.pick([
        [addon(ctx, 'certManager'), `${w.name}-tls`, 'update'],
        [ctx.cluster.ci, `sh.helm.release.v1.${w.name}.v${rng.int(2, 40)}`, 'create'],
        [addon(ctx, 'argocd'), `${w.name}-env`, 'patch'],
      ] as const);
      return read(ctx, who, verb, pathOf(R.secrets, w.namespace, verb === 'create' ? undefined : name), refOf(R.secrets, w.namespace, name), verb === 'create' ? 201 : 200, 8);
    },
  },
  {
    name: 'RBAC: aggregated roles reconciled, app roles applied (RequestResponse)', weight: 2.5,
    make(ctx) {
      const { rng } = ctx;
      if (rng.chance(0.4)) {
        // The aggregation controller rewrites admin/edit/view with every aggregated rule: the big RBAC bodies.
        const name = rng.pick(['admin', 'edit', 'view']);
        const rules = Array.from({ length: rng.int(20, 60) }, () => roleRules(rng, false)[0]!);
        const body = role('ClusterRole', name, undefined, rules);
        return write('RequestResponse', 'update', controller(ctx, 'clusterrole-aggregation-controller'), pathOf(R.clusterroles, undefined, name), refOf(R.clusterroles, undefined, name), rng, body, body);
      }
      const w = workloadOf(ctx);
      const isBinding = rng.chance(0.5);
      const name = `${w.name}-${rng.pick(['reader', 'operator', 'leader-election'])}`;
      const res = isBinding ? R.rolebindings : R.roles;
      const body = isBinding
        ? { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name, namespace: w.namespace }, subjects: [{ kind: 'ServiceAccount', name: w.serviceAccount, namespace: w.namespace }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name } }
        : role('Role', name, w.namespace, roleRules(rng, false));
      return write('RequestResponse', 'patch', addon(ctx, 'argocd'), pathOf(res, w.namespace, name), refOf(res, w.namespace, name), rng, body, body);
    },
  },
  {
    name: 'service account tokens minted by kubelets', weight: 2,
    make(ctx) {
      const { who } = kubelet(ctx);
      const w = workloadOf(ctx);
      return write('Request', 'create', who, pathOf(R.serviceaccounts, w.namespace, w.serviceAccount, 'token'), refOf(R.serviceaccounts, w.namespace, w.serviceAccount, 'token'), ctx.rng, tokenRequest(ctx.rng, podName(ctx.rng, w)), undefined, 201);
    },
  },
  {
    name: 'token and access reviews (webhook authn/authz of add-ons)', weight: 2,
    make(ctx) {
      const res = ctx.rng.pick([R.tokenreviews, R.subjectaccessreviews]);
      const who = ctx.rng.pick([addon(ctx, 'metricsServer'), addon(ctx, 'prometheus'), addon(ctx, 'kubeStateMetrics')]);
      return read(ctx, who, 'create', pathOf(res), refOf(res), 201, 2);
    },
  },
  {
    name: 'non-resource URLs: health checks, discovery, metrics', weight: 3,
    make(ctx) {
      const { rng } = ctx;
      const [who, uri] = rng.weighted<readonly [Identity, string]>([
        [[ctx.cluster.anonymous, rng.pick(['/healthz', '/livez', '/readyz', '/readyz?verbose'])], 3],
        [[addon(ctx, 'prometheus'), '/metrics'], 1],
        [[addon(ctx, 'argocd'), rng.pick(['/api', '/apis', '/openapi/v3', '/version'])], 1],
        [[ctx.cluster.controllerManager, '/apis/metrics.k8s.io/v1beta1'], 0.5],
      ]);
      return { level: 'Metadata', verb: 'get', uri, who, code: 200, receivedAgoUs: latencyUs(rng, 1) };
    },
  },
  {
    name: 'custom resources (Argo CD applications, certificates) at Metadata', weight: 2,
    make(ctx) {
      const { rng } = ctx;
      const w = workloadOf(ctx);
      const argo = rng.chance(0.6);
      const res = argo ? R.applications : R.certificates;
      const ns = argo ? 'argocd' : w.namespace;
      const name = argo ? `${w.namespace}-${w.name}` : `${w.name}-tls`;
      return read(ctx, argo ? addon(ctx, 'argocd') : addon(ctx, 'certManager'), rng.pick(['patch', 'update', 'get']), pathOf(res, ns, name, argo ? undefined : 'status'), refOf(res, ns, name, argo ? undefined : 'status'), 200, 5);
    },
  },
  {
    name: 'CI runner: attach/exec into its job pods (ResponseStarted + ResponseComplete)', weight: 0.4,
    make(ctx) {
      const { rng } = ctx;
      const name = `runner-${rng.suffix(8)}-project-${rng.int(100, 999)}-concurrent-0-${rng.suffix(5)}`;
      const sub = rng.chance(0.7) ? 'attach' : 'exec';
      const query = sub === 'attach' ? '?container=build&stdin=true&stdout=true&stderr=true' : `?command=sh&command=-c&command=${encodeURIComponent('if [ -x /usr/local/bin/bash ]; then exec /usr/local/bin/bash; else exec sh; fi')}&container=helper&stderr=true&stdin=true&stdout=true`;
      return stream(ctx, ctx.cluster.ci, 'ci', name, sub, query);
    },
  },
  {
    name: 'humans with kubectl (get, list, logs, describe, apply)', weight: 1.2,
    make(ctx) {
      const { rng } = ctx;
      const who = rng.pick(ctx.cluster.humans);
      const w = workloadOf(ctx);
      return rng.weighted<() => ApiRequest>([
        [() => read(ctx, who, 'list', `${pathOf(R.pods, w.namespace)}?limit=500`, refOf(R.pods, w.namespace), 200, 12), 3],
        [() => read(ctx, who, 'get', pathOf(R.deployments, w.namespace, w.name), refOf(R.deployments, w.namespace, w.name)), 2],
        [() => { const p = podName(rng, w); return read(ctx, who, 'get', `${pathOf(R.pods, w.namespace, p, 'log')}?container=${w.name}&tailLines=200`, refOf(R.pods, w.namespace, p, 'log'), 200, 40); }, 2],
        [() => read(ctx, who, 'list', `${pathOf(R.events, w.namespace)}?fieldSelector=${encodeURIComponent(`involvedObject.name=${w.name}`)}&limit=500`, refOf(R.events, w.namespace)), 1],
        [() => {
          // kubectl apply: a patch carrying the new last-applied annotation; the response is the whole deployment.
          const d = deployment(rng, w, ctx.now);
          const uri = `${pathOf(R.deployments, w.namespace, w.name)}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`;
          return write('RequestResponse', 'patch', who, uri, refOf(R.deployments, w.namespace, w.name), rng, { metadata: d['metadata'] as Record<string, unknown> }, d);
        }, 0.7],
      ])();
    },
  },
];

/**
 * A long-running request (exec, attach, port-forward): ResponseStarted when the stream is upgraded (101), then
 * ResponseComplete when the session ends, seconds to minutes later, with the same auditID.
 */
export function stream(ctx: Ctx, who: Identity, namespace: string, pod: string, subresource: 'exec' | 'attach' | 'portforward', query: string): ApiRequest {
  const { rng } = ctx;
  const durationUs = Math.round(rng.logNormal(20, 1.2) * 1_000_000);
  return {
    level: 'Metadata', verb: 'create', uri: pathOf(R.pods, namespace, pod, subresource) + query, who,
    objectRef: refOf(R.pods, namespace, pod, subresource), code: 101, receivedAgoUs: latencyUs(rng, 4),
    stages: [{ stage: 'ResponseStarted', atUs: 0 }, { stage: 'ResponseComplete', atUs: durationUs }],
  };
}
