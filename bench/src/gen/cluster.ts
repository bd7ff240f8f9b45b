/**
 * The cluster the generated events come from: nodes, namespaces, workloads and the identities that talk to the
 * apiserver (kubelets, controllers, add-on service accounts, a few humans, the anonymous user of load-balancer health
 * checks). Built once from the seed, then only read, so every event refers to objects that exist in this cluster.
 *
 * The identities and user agents are the ones real audit logs show: `system:node:<node>` in group `system:nodes`,
 * `system:serviceaccount:kube-system:<controller>` for kube-controller-manager's controllers (as started with
 * --use-service-account-credentials), bound service-account tokens with the pod and node in `user.extra`, and
 * OIDC humans with their groups.
 */
import type { Rng } from './prng.js';

/** The `user` member of an audit event, plus where that identity connects from and with which client. */
export interface Identity {
  readonly user: Readonly<Record<string, unknown>>;
  readonly userAgent: string;
  readonly sourceIP: string;
  /** Human (kubectl) or machine: humans are a small, rule-relevant share of traffic. */
  readonly human: boolean;
}

export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  readonly replicaSetHash: string;
  readonly uid: string;
  readonly images: readonly string[];
  /** Environment variables per container: log-normal, a few workloads carry hundreds. */
  readonly envCount: number;
  readonly serviceAccount: string;
  readonly initImage?: string | undefined;
}

export interface Cluster {
  readonly nodes: readonly { name: string; ip: string; uid: string }[];
  readonly namespaces: readonly string[];
  readonly appNamespaces: readonly string[];
  readonly workloads: readonly Workload[];
  readonly kubelets: readonly Identity[];
  /** kube-controller-manager's controllers, by controller name. */
  readonly controllers: ReadonlyMap<string, Identity>;
  readonly scheduler: Identity;
  readonly controllerManager: Identity;
  readonly apiserver: Identity;
  /** Add-on service accounts by role: prometheus, ingress, certManager, argocd, metricsServer, kubeProxy, coredns, ... */
  readonly addons: ReadonlyMap<string, Identity>;
  /** Humans: alice and bob (OIDC, not in any allow list), kubernetes-admin (in Falco's allow lists). */
  readonly humans: readonly Identity[];
  readonly admin: Identity;
  readonly anonymous: Identity;
  readonly ci: Identity;
}

const K8S_VERSION = 'v1.29.4';
const K8S_COMMIT = '55019c83b0fd51ef4ced8c29eec2c4847f896e74';
const CONTROL_PLANE_IP = '10.0.0.10';

const APP_NAMESPACES = ['payments', 'checkout', 'catalog', 'search', 'accounts', 'notifications', 'data-pipeline', 'web'];
const ADDON_NAMESPACES = ['monitoring', 'ingress-nginx', 'cert-manager', 'argocd', 'logging'];
const APP_NAMES = ['api', 'worker', 'frontend', 'gateway', 'consumer', 'scheduler', 'cache', 'indexer', 'exporter', 'sync'];
const REGISTRIES = ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ghcr.io/example-corp', 'registry.example.com/platform'];
const SIDE_CARS = ['docker.io/envoyproxy/envoy:v1.29.2', 'docker.io/fluent/fluent-bit:2.2.2', 'quay.io/oauth2-proxy/oauth2-proxy:v7.6.0'];

const KCM_CONTROLLERS = [
  'replicaset-controller', 'deployment-controller', 'endpointslice-controller', 'endpoint-controller',
  'daemon-set-controller', 'statefulset-controller', 'job-controller', 'cronjob-controller', 'namespace-controller',
  'generic-garbage-collector', 'node-controller', 'horizontal-pod-autoscaler', 'resourcequota-controller',
  'pod-garbage-collector', 'disruption-controller', 'service-account-controller', 'root-ca-cert-publisher',
  'clusterrole-aggregation-controller', 'ttl-after-finished-controller', 'persistent-volume-binder',
];

/** Builds the cluster; the draws happen in a fixed order, so it is a function of the seed. */
export function buildCluster(rng: Rng): Cluster {
  const nodes = Array.from({ length: 12 }, (_, i) => {
    const ip = `10.0.${1 + (i % 3)}.${rng.int(10, 250)}`;
    return { name: `ip-${ip.replaceAll('.', '-')}.eu-west-1.compute.internal`, ip, uid: rng.uuid() };
  });
  const kubelets = nodes.map((n): Identity => ({
    user: { username: `system:node:${n.name}`, groups: ['system:nodes', 'system:authenticated'] },
    userAgent: `kubelet/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT.slice(0, 7)}`,
    sourceIP: n.ip,
    human: false,
  }));

  const controllers = new Map<string, Identity>(KCM_CONTROLLERS.map((c) => [c, {
    user: serviceAccountUser(rng, 'kube-system', c, undefined),
    userAgent: `kube-controller-manager/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT.slice(0, 7)}/system:serviceaccount:kube-system:${c}`,
    sourceIP: CONTROL_PLANE_IP,
    human: false,
  }]));
  const component = (username: string, agent: string): Identity => ({
    user: { username, groups: ['system:authenticated'] },
    userAgent: `${agent}/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT.slice(0, 7)}${agent === 'kube-apiserver' ? '' : '/leader-election'}`,
    sourceIP: CONTROL_PLANE_IP,
    human: false,
  });

  const addon = (ns: string, sa: string, agent: string): Identity => {
    const node = rng.pick(nodes);
    return {
      user: serviceAccountUser(rng, ns, sa, { pod: `${sa}-${rng.suffix(10)}-${rng.suffix(5)}`, node: node.name, nodeUid: node.uid }),
      userAgent: agent,
      sourceIP: `10.0.${rng.int(64, 95)}.${rng.int(2, 250)}`,
      human: false,
    };
  };
  const addons = new Map<string, Identity>([
    ['prometheus', addon('monitoring', 'prometheus-k8s', 'Prometheus/2.51.1')],
    ['kubeStateMetrics', addon('monitoring', 'kube-state-metrics', 'kube-state-metrics/v2.12.0 (linux/amd64) kubernetes/1f1e4e5')],
    ['ingress', addon('ingress-nginx', 'ingress-nginx', 'nginx-ingress-controller/v1.10.1 (linux/amd64) ingress-nginx/4fb5aac1d2ed5c2b1d0a3d7c4f6e7e2a1b0c9d8e')],
    ['certManager', addon('cert-manager', 'cert-manager', 'cert-manager-controller/v1.14.4 (linux/amd64) cert-manager/f2a8a1fa1b2c3d4e5f60718293a4b5c6d7e8f901')],
    ['argocd', addon('argocd', 'argocd-application-controller', 'argocd-application-controller/v2.10.7+b060053 (linux/amd64) kubernetes/b060053')],
    ['metricsServer', addon('kube-system', 'metrics-server', 'metrics-server/v0.7.1 (linux/amd64) kubernetes/$Format')],
    ['kubeProxy', addon('kube-system', 'kube-proxy', `kube-proxy/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT.slice(0, 7)}`)],
    ['coredns', addon('kube-system', 'coredns', 'coredns/v0.0.0 (linux/amd64) kubernetes/$Format')],
    ['fluentBit', addon('logging', 'fluent-bit', 'fluent-bit/2.2.2')],
    ['autoscaler', addon('kube-system', 'cluster-autoscaler', 'cluster-autoscaler/v1.29.2 (linux/amd64) kubernetes/$Format')],
  ]);

  const human = (username: string, groups: string[], agent: string): Identity => ({
    user: { username, groups: [...groups, 'system:authenticated'] },
    userAgent: agent,
    sourceIP: `192.0.2.${rng.int(10, 200)}`,
    human: true,
  });
  const kubectl = 'kubectl/v1.29.3 (darwin/arm64) kubernetes/6813625';
  const humans = [
    human('alice@example.com', ['oidc:platform-admins'], kubectl),
    human('bob@example.com', ['oidc:developers'], 'kubectl/v1.28.2 (linux/amd64) kubernetes/89a4ea3'),
    human('kubernetes-admin', ['system:masters'], kubectl),
  ];

  const workloads: Workload[] = [];
  for (const ns of APP_NAMESPACES) {
    const count = rng.int(2, 4);
    for (let i = 0; i < count; i++) workloads.push(workload(rng, ns, `${APP_NAMES[(i * 3 + ns.length) % APP_NAMES.length]}`, 'Deployment'));
  }
  for (const ns of ADDON_NAMESPACES) workloads.push(workload(rng, ns, `${ns}-controller`, 'Deployment'));
  // The tail: one legacy workload configured through hundreds of environment variables (pod specs of 50-100+ KB).
  workloads.push({ ...workload(rng, 'data-pipeline', 'legacy-etl', 'StatefulSet'), envCount: 260 });

  return {
    nodes,
    namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...ADDON_NAMESPACES, ...APP_NAMESPACES],
    appNamespaces: APP_NAMESPACES,
    workloads,
    kubelets,
    controllers,
    scheduler: component('system:kube-scheduler', 'kube-scheduler'),
    controllerManager: component('system:kube-controller-manager', 'kube-controller-manager'),
    apiserver: { ...component('system:apiserver', 'kube-apiserver'), user: { username: 'system:apiserver', uid: rng.uuid(), groups: ['system:masters'] } },
    addons,
    humans,
    admin: humans[2]!,
    anonymous: { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, userAgent: 'ELB-HealthChecker/2.0', sourceIP: '10.0.0.4', human: false },
    ci: addon('ci', 'gitlab-runner', 'Helm/3.14.4'),
  };
}

function workload(rng: Rng, namespace: string, name: string, kind: Workload['kind']): Workload {
  const registry = rng.pick(REGISTRIES);
  const images = [`${registry}/${namespace}/${name}:${rng.int(1, 4)}.${rng.int(0, 30)}.${rng.int(0, 9)}`];
  if (rng.chance(0.4)) images.push(rng.pick(SIDE_CARS));
  if (rng.chance(0.15)) images.push(rng.pick(SIDE_CARS));
  return {
    namespace, name, kind,
    replicaSetHash: rng.suffix(10),
    uid: rng.uuid(),
    images,
    envCount: Math.min(120, Math.round(rng.logNormal(8, 0.9))),
    serviceAccount: rng.chance(0.6) ? name : 'default',
    initImage: rng.chance(0.25) ? `${registry}/platform/migrate:${rng.int(1, 3)}.${rng.int(0, 9)}.0` : undefined,
  };
}

/**
 * A bound service-account token's user: username, uid, groups, and (for tokens projected into pods) the pod and node
 * in `extra`, as the apiserver has recorded them since 1.29 (credential-id, node-name, pod-name, ...).
 */
function serviceAccountUser(rng: Rng, ns: string, name: string, pod: { pod: string; node: string; nodeUid: string } | undefined): Record<string, unknown> {
  const user: Record<string, unknown> = {
    username: `system:serviceaccount:${ns}:${name}`,
    uid: rng.uuid(),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  };
  if (pod) {
    user['extra'] = {
      'authentication.kubernetes.io/credential-id': [`JTI=${rng.uuid()}`],
      'authentication.kubernetes.io/node-name': [pod.node],
      'authentication.kubernetes.io/node-uid': [pod.nodeUid],
      'authentication.kubernetes.io/pod-name': [pod.pod],
      'authentication.kubernetes.io/pod-uid': [rng.uuid()],
    };
  }
  return user;
}
