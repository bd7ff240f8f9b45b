/**
 * Kubernetes objects as they appear in audit bodies (`requestObject`, `responseObject`): pods with the fields the
 * apiserver defaults and the managedFields it adds, deployments, configmaps of log-normal size, RBAC roles and
 * bindings, leases, endpoint slices, core events, status patches. Sizes follow from the structure, not from padding:
 * a pod grows with its containers, env vars and volumes; the response repeats the request plus managedFields
 * (a field-by-field mirror of the object), which is why RequestResponse pod events are several KB.
 *
 * Invariant: deterministic, a pure function of the Rng stream and the arguments; key order is fixed by construction,
 * so JSON.stringify is byte-stable.
 */
import type { Workload } from './cluster.js';
import type { Rng } from './prng.js';

type Json = Record<string, unknown>;

/** A pod spec's security-relevant variations, used by the scenarios that must fire rules. */
export interface PodVariant {
  readonly privileged?: boolean;
  readonly hostPath?: string;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  /** Replace every container image (an unexpected image in kube-system, a shell image for a privileged pod). */
  readonly image?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/**
 * managedFields' fieldsV1: a mirror of the object's field tree (`f:name` for members, `k:{"name":..}` for list items
 * keyed by name, `.` for the map itself), exactly the shape server-side apply records.
 */
export function fieldsV1(value: unknown): Json {
  if (Array.isArray(value)) {
    const out: Json = {};
    for (const item of value) {
      if (item && typeof item === 'object' && 'name' in item) out[`k:{"name":"${String((item as Json)['name'])}"}`] = { '.': {}, ...fieldsV1(item) };
      else if (typeof item !== 'object') out[`v:${JSON.stringify(item)}`] = {};
    }
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      out[`f:${k}`] = v && typeof v === 'object' ? (Array.isArray(v) ? fieldsV1(v) : { '.': {}, ...fieldsV1(v) }) : {};
    }
    return out;
  }
  return {};
}

export function managedField(manager: string, operation: 'Update' | 'Apply', apiVersion: string, time: string, fields: Json, subresource?: string): Json {
  const entry: Json = { manager, operation, apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: fields };
  if (subresource) entry['subresource'] = subresource;
  return entry;
}

const ENV_NAMES = ['LOG_LEVEL', 'PORT', 'DATABASE_URL', 'REDIS_HOST', 'KAFKA_BROKERS', 'OTEL_EXPORTER_OTLP_ENDPOINT',
  'FEATURE_FLAGS', 'JAVA_TOOL_OPTIONS', 'GOMAXPROCS', 'SERVICE_NAME', 'REGION', 'CACHE_TTL_SECONDS', 'HTTP_TIMEOUT_MS',
  'SENTRY_DSN', 'POD_NAME', 'POD_NAMESPACE', 'NODE_NAME', 'AWS_REGION', 'S3_BUCKET', 'QUEUE_URL'];

function envVars(rng: Rng, count: number, secretName: string): Json[] {
  const env: Json[] = [];
  for (let i = 0; i < count; i++) {
    const base = ENV_NAMES[i % ENV_NAMES.length]!;
    const name = i < ENV_NAMES.length ? base : `${base}_${i}`;
    const kind = rng.next();
    if (kind < 0.12) env.push({ name, valueFrom: { secretKeyRef: { name: secretName, key: name.toLowerCase() } } });
    else if (kind < 0.18) env.push({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: rng.pick(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.podIP']) } } });
    else env.push({ name, value: envValue(rng, name) });
  }
  return env;
}

function envValue(rng: Rng, name: string): string {
  if (name.startsWith('JAVA_TOOL_OPTIONS')) return '-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8 -Duser.timezone=UTC';
  if (name.startsWith('FEATURE_FLAGS')) return Array.from({ length: rng.int(3, 12) }, () => `ff_${rng.suffix(6)}=${rng.pick(['on', 'off'])}`).join(',');
  if (name.startsWith('DATABASE_URL')) return `postgres://app@db-${rng.suffix(4)}.internal:5432/app?sslmode=require`;
  if (name.startsWith('KAFKA_BROKERS')) return 'b-1.kafka.internal:9092,b-2.kafka.internal:9092,b-3.kafka.internal:9092';
  return rng.pick(['info', '8080', 'true', 'eu-west-1', '30', '5000', `svc-${rng.suffix(5)}`, `http://otel-collector.monitoring.svc:4317`]);
}

function probe(path: string, port: number): Json {
  return { httpGet: { path, port, scheme: 'HTTP' }, initialDelaySeconds: 10, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
}

function container(rng: Rng, name: string, image: string, envCount: number, secretName: string, variant: PodVariant): Json {
  const port = rng.pick([8080, 8443, 9090, 3000, 5000]);
  const c: Json = {
    name,
    image,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }, { name: 'metrics', containerPort: 9102, protocol: 'TCP' }],
    env: envVars(rng, envCount, secretName),
    resources: {
      limits: { cpu: rng.pick(['500m', '1', '2']), memory: rng.pick(['256Mi', '512Mi', '1Gi', '2Gi']) },
      requests: { cpu: rng.pick(['50m', '100m', '250m']), memory: rng.pick(['128Mi', '256Mi', '512Mi']) },
    },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      { name: `kube-api-access-${rng.suffix(5)}`, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ],
    livenessProbe: probe('/healthz', port),
    readinessProbe: probe('/ready', port),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: variant.privileged
      ? { privileged: true, runAsUser: 0 }
      : { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
  };
  if (variant.hostPath) (c['volumeMounts'] as Json[]).push({ name: 'host', mountPath: '/host' });
  return c;
}

/** A workload's pod: the create request body (from its controller) and the apiserver's response (defaults, status). */
export function pod(rng: Rng, w: Workload, time: string, manager: string, variant: PodVariant = {}): { request: Json; response: Json; name: string } {
  const namespace = variant.namespace ?? w.namespace;
  const generateName = `${w.name}-${w.replicaSetHash}-`;
  const name = variant.name ?? `${generateName}${rng.suffix(5)}`;
  const labels = {
    'app.kubernetes.io/name': w.name, 'app.kubernetes.io/instance': `${w.name}-${namespace}`, 'app.kubernetes.io/part-of': namespace,
    'pod-template-hash': w.replicaSetHash,
  };
  const secretName = `${w.name}-env`;
  const images = variant.image ? w.images.map(() => variant.image!) : w.images;
  const containers = images.map((image, i) => container(rng, i === 0 ? w.name : imageShortName(image), image, i === 0 ? w.envCount : Math.min(w.envCount, 4), secretName, variant));
  const volumes: Json[] = [
    { name: 'config', configMap: { name: `${w.name}-config`, defaultMode: 420 } },
    { name: 'tmp', emptyDir: {} },
    { name: `kube-api-access-${rng.suffix(5)}`, projected: { sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ], defaultMode: 420 } },
  ];
  if (variant.hostPath) volumes.push({ name: 'host', hostPath: { path: variant.hostPath, type: '' } });
  const spec: Json = {
    volumes,
    containers,
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: w.serviceAccount,
    serviceAccount: w.serviceAccount,
    securityContext: { fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: {
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': w.name } }, topologyKey: 'topology.kubernetes.io/zone' } }] } },
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  if (w.initImage && !variant.image) {
    spec['initContainers'] = [container(rng, 'migrate', w.initImage, 3, secretName, {})];
  }
  if (variant.hostNetwork) spec['hostNetwork'] = true;
  if (variant.hostPID) spec['hostPID'] = true;
  const ownerReferences = [{ apiVersion: 'apps/v1', kind: w.kind === 'Deployment' ? 'ReplicaSet' : w.kind, name: `${w.name}-${w.replicaSetHash}`, uid: w.uid, controller: true, blockOwnerDeletion: true }];
  const metadata: Json = variant.name
    ? { name, namespace, labels }
    : { generateName, namespace, labels, annotations: { 'kubectl.kubernetes.io/default-container': w.name }, ownerReferences };
  const request: Json = { kind: 'Pod', apiVersion: 'v1', metadata, spec, status: {} };
  const responseMetadata: Json = {
    name, ...metadata, uid: rng.uuid(), resourceVersion: String(rng.int(10_000_000, 99_999_999)), creationTimestamp: time.slice(0, 19) + 'Z',
    managedFields: [managedField(manager, 'Update', 'v1', time.slice(0, 19) + 'Z', fieldsV1({ metadata: withoutName(metadata), spec }))],
  };
  const response: Json = { kind: 'Pod', apiVersion: 'v1', metadata: responseMetadata, spec, status: { phase: 'Pending', qosClass: 'Burstable' } };
  return { request, response, name };
}

function withoutName(metadata: Json): Json {
  const { name: _name, namespace: _ns, ...rest } = metadata;
  return rest;
}

function imageShortName(image: string): string {
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.slice(0, last.indexOf(':') < 0 ? undefined : last.indexOf(':'));
}

/** A Deployment as `kubectl apply` / Argo CD send it, with the last-applied annotation that doubles its size. */
export function deployment(rng: Rng, w: Workload, time: string): Json {
  const template = pod(rng, w, time, 'kube-controller-manager').request;
  const spec = {
    replicas: rng.int(2, 6),
    selector: { matchLabels: { 'app.kubernetes.io/name': w.name } },
    template: { metadata: { labels: { 'app.kubernetes.io/name': w.name } }, spec: template['spec'] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  };
  const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: w.name, namespace: w.namespace, labels: { 'app.kubernetes.io/name': w.name } }, spec };
  return {
    ...body,
    metadata: { ...body.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(body)}\n` } },
  };
}

const WORDS = ['server', 'listen', 'timeout', 'upstream', 'cache', 'retry', 'backoff', 'enabled', 'threshold', 'replica',
  'window', 'metric', 'label', 'route', 'match', 'target', 'interval', 'scrape', 'rule', 'alert', 'expr', 'severity'];

/**
 * ConfigMap data of about `bytes` characters: application properties, an nginx-like config, or a dashboard-like JSON
 * blob (the big ones). `credentials` adds the kind of line Falco's rule looks for.
 */
export function configMapData(rng: Rng, bytes: number, credentials = false): Record<string, string> {
  const data: Record<string, string> = {};
  const style = bytes > 20_000 ? 'dashboard' : rng.pick(['properties', 'nginx', 'yaml']);
  const keys = bytes > 20_000 ? rng.int(1, 3) : rng.int(1, 6);
  const per = Math.max(16, Math.floor(bytes / keys));
  for (let k = 0; k < keys; k++) {
    let text = '';
    while (text.length < per) {
      const a = rng.pick(WORDS);
      const b = rng.pick(WORDS);
      if (style === 'dashboard') text += `{"title":"${a} ${b}","type":"timeseries","targets":[{"expr":"sum(rate(${a}_${b}_total[5m])) by (pod)","refId":"${rng.suffix(1).toUpperCase()}"}],"gridPos":{"h":8,"w":12,"x":${rng.int(0, 12)},"y":${rng.int(0, 80)}}},`;
      else if (style === 'nginx') text += `  ${a}_${b} ${rng.int(1, 9999)};\n`;
      else if (style === 'yaml') text += `${a}:\n  ${b}: ${rng.int(0, 500)}\n`;
      else text += `${a}.${b}=${rng.int(0, 100000)}\n`;
    }
    data[style === 'dashboard' ? `${rng.pick(WORDS)}-${k}.json` : `${rng.pick(WORDS)}-${k}.${style === 'yaml' ? 'yaml' : 'conf'}`] = text;
  }
  if (credentials) data['credentials'] = `aws_access_key_id = AKIA${rng.hex(16).toUpperCase()}\naws_secret_access_key = ${rng.hex(40)}\n`;
  return data;
}

export function configMap(name: string, namespace: string, data: Record<string, string>, rng: Rng, time: string, manager: string): { request: Json; response: Json } {
  const request = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': manager } }, data };
  const response = {
    ...request,
    metadata: { ...request.metadata, uid: rng.uuid(), resourceVersion: String(rng.int(10_000_000, 99_999_999)), creationTimestamp: time.slice(0, 19) + 'Z',
      managedFields: [managedField(manager, 'Update', 'v1', time.slice(0, 19) + 'Z', fieldsV1({ data, metadata: { labels: request.metadata.labels } }))] },
  };
  return { request, response };
}

/** RBAC rules: a typical namespaced reader/writer, or (when asked) a wildcard role. */
export function roleRules(rng: Rng, wildcard: boolean): Json[] {
  if (wildcard) return [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
  const rules: Json[] = [];
  const n = rng.int(1, 8);
  for (let i = 0; i < n; i++) {
    rules.push({
      apiGroups: [rng.pick(['', 'apps', 'batch', 'networking.k8s.io', 'monitoring.coreos.com', 'cert-manager.io'])],
      resources: [rng.pick(['pods', 'services', 'configmaps', 'endpoints', 'deployments', 'jobs', 'ingresses', 'servicemonitors', 'certificates', 'leases'])],
      verbs: rng.chance(0.7) ? ['get', 'list', 'watch'] : ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
    });
  }
  return rules;
}

export function role(kind: 'Role' | 'ClusterRole', name: string, namespace: string | undefined, rules: Json[]): Json {
  const metadata: Json = namespace ? { name, namespace } : { name };
  metadata['labels'] = { 'app.kubernetes.io/managed-by': 'Helm' };
  return { kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata, rules };
}

export function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, namespace: string | undefined, roleKind: string, roleName: string, subjects: Json[]): Json {
  const metadata: Json = namespace ? { name, namespace } : { name };
  return { kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName } };
}

/** A Lease renewal body: the client sends back the object it read, managedFields included. */
export function lease(rng: Rng, name: string, namespace: string, holder: string, time: string, manager: string): Json {
  const spec = { holderIdentity: holder, leaseDurationSeconds: namespace === 'kube-node-lease' ? 40 : 15, acquireTime: `${time.slice(0, 11)}00:00:00.000000Z`, renewTime: time, leaseTransitions: rng.int(0, 9) };
  return {
    kind: 'Lease', apiVersion: 'coordination.k8s.io/v1',
    metadata: { name, namespace, uid: rng.uuid(), resourceVersion: String(rng.int(10_000_000, 99_999_999)), creationTimestamp: '2024-05-02T07:41:13Z',
      managedFields: [managedField(manager, 'Update', 'coordination.k8s.io/v1', time.slice(0, 19) + 'Z', fieldsV1({ spec }))] },
    spec,
  };
}

/** An EndpointSlice update from the endpointslice controller: one entry per ready pod. */
export function endpointSlice(rng: Rng, w: Workload, nodes: readonly { name: string }[]): Json {
  const n = Math.max(1, Math.round(rng.logNormal(4, 0.9)));
  const endpoints = Array.from({ length: Math.min(n, 60) }, () => ({
    addresses: [`10.0.${rng.int(64, 95)}.${rng.int(2, 250)}`],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: 'Pod', namespace: w.namespace, name: `${w.name}-${w.replicaSetHash}-${rng.suffix(5)}`, uid: rng.uuid() },
    nodeName: rng.pick(nodes).name,
    zone: rng.pick(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']),
  }));
  return {
    kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1',
    metadata: { name: `${w.name}-${rng.suffix(5)}`, generateName: `${w.name}-`, namespace: w.namespace,
      labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': w.name },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: w.name, uid: w.uid, controller: true, blockOwnerDeletion: true }] },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

const EVENT_REASONS = [
  ['Scheduled', 'Successfully assigned {ns}/{pod} to {node}', 'default-scheduler'],
  ['Pulled', 'Container image "{image}" already present on machine', 'kubelet'],
  ['Created', 'Created container {container}', 'kubelet'],
  ['Started', 'Started container {container}', 'kubelet'],
  ['Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 'kubelet'],
  ['BackOff', 'Back-off restarting failed container {container} in pod {pod}', 'kubelet'],
  ['SuccessfulCreate', 'Created pod: {pod}', 'replicaset-controller'],
] as const;

/** A core/v1 Event object (the `events` resource), as kubelets and controllers create them. */
export function coreEvent(rng: Rng, w: Workload, node: string, time: string): Json {
  const [reason, template, component] = rng.pick(EVENT_REASONS);
  const podName = `${w.name}-${w.replicaSetHash}-${rng.suffix(5)}`;
  const message = template.replace('{ns}', w.namespace).replace('{pod}', podName).replace('{node}', node)
    .replace('{image}', w.images[0]!).replace('{container}', w.name);
  return {
    kind: 'Event', apiVersion: 'v1',
    metadata: { name: `${podName}.${rng.hex(16)}`, namespace: w.namespace },
    involvedObject: { kind: 'Pod', namespace: w.namespace, name: podName, uid: rng.uuid(), apiVersion: 'v1', resourceVersion: String(rng.int(10_000_000, 99_999_999)), fieldPath: `spec.containers{${w.name}}` },
    reason, message,
    source: component === 'kubelet' ? { component, host: node } : { component },
    firstTimestamp: time.slice(0, 19) + 'Z', lastTimestamp: time.slice(0, 19) + 'Z', count: 1, type: reason === 'Unhealthy' || reason === 'BackOff' ? 'Warning' : 'Normal',
    eventTime: null, reportingComponent: component, reportingInstance: component === 'kubelet' ? node : '',
  };
}

/** The kubelet's strategic-merge patch of a pod's status (conditions, container statuses, IPs). */
export function podStatusPatch(rng: Rng, w: Workload, time: string): Json {
  const t = time.slice(0, 19) + 'Z';
  const types = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  return {
    metadata: { uid: rng.uuid() },
    status: {
      '$setElementOrder/conditions': types.map((type) => ({ type })),
      conditions: types.slice(0, 4).map((type) => ({ lastProbeTime: null, lastTransitionTime: t, status: 'True', type })),
      containerStatuses: w.images.map((image, i) => ({
        containerID: `containerd://${rng.hex(64)}`, image, imageID: `${image.split(':')[0]}@sha256:${rng.hex(64)}`,
        lastState: {}, name: i === 0 ? w.name : imageShortName(image), ready: true, restartCount: rng.int(0, 3), started: true,
        state: { running: { startedAt: t } },
      })),
      hostIP: `10.0.1.${rng.int(10, 250)}`, hostIPs: [{ ip: `10.0.1.${rng.int(10, 250)}` }],
      phase: 'Running', podIP: `10.0.${rng.int(64, 95)}.${rng.int(2, 250)}`, podIPs: [{ ip: `10.0.${rng.int(64, 95)}.${rng.int(2, 250)}` }], startTime: t,
    },
  };
}

/**
 * The kubelet's node status patch: usually the heartbeat (conditions only); now and then the full status with the
 * node's image list (up to 50 images, --node-status-max-images), the biggest routine Request-level body.
 */
export function nodeStatusPatch(rng: Rng, full: boolean, time: string): Json {
  const t = time.slice(0, 19) + 'Z';
  const conditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({
    lastHeartbeatTime: t, type, status: type === 'Ready' ? 'True' : 'False',
    reason: type === 'Ready' ? 'KubeletReady' : `KubeletHasNo${type}`, message: type === 'Ready' ? 'kubelet is posting ready status' : `kubelet has no ${type.toLowerCase()}`,
  }));
  const status: Json = { '$setElementOrder/conditions': conditions.map((c) => ({ type: c.type })), conditions };
  if (full) {
    status['images'] = Array.from({ length: rng.int(30, 50) }, () => {
      const repo = `${rng.pick(['docker.io/library', 'registry.k8s.io', 'quay.io/prometheus', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/apps'])}/${rng.pick(WORDS)}-${rng.pick(WORDS)}`;
      return { names: [`${repo}@sha256:${rng.hex(64)}`, `${repo}:v${rng.int(1, 9)}.${rng.int(0, 40)}.${rng.int(0, 9)}`], sizeBytes: rng.int(5_000_000, 900_000_000) };
    });
    status['nodeInfo'] = { machineID: rng.hex(32), systemUUID: rng.uuid(), bootID: rng.uuid(), kernelVersion: '6.1.84-99.169.amzn2023.x86_64', osImage: 'Amazon Linux 2023',
      containerRuntimeVersion: 'containerd://1.7.11', kubeletVersion: 'v1.29.4', kubeProxyVersion: 'v1.29.4', operatingSystem: 'linux', architecture: 'amd64' };
  }
  return { status };
}

export function service(name: string, namespace: string, type: 'ClusterIP' | 'NodePort'): Json {
  const port: Json = { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 };
  if (type === 'NodePort') port['nodePort'] = 31080;
  return { kind: 'Service', apiVersion: 'v1', metadata: { name, namespace, labels: { 'app.kubernetes.io/name': name } },
    spec: { ports: [port], selector: { 'app.kubernetes.io/name': name }, type, sessionAffinity: 'None' } };
}

/** The TokenRequest a kubelet sends to mint a pod's projected service-account token. */
export function tokenRequest(rng: Rng, podName: string): Json {
  return { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null },
    spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: podName, uid: rng.uuid() } }, status: { token: '', expirationTimestamp: null } };
}
