import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeAuditPayload } from '../decode.js';
import type { AuditEvent } from '../event.js';
import { k8sAuditFields } from './k8saudit.js';
import { lookupField } from './registry.js';
import { FieldArgError, type FieldValue } from './types.js';

function event(json: Record<string, unknown>, cluster?: string): AuditEvent {
  return { json, timeNs: 1_540_476_552_581_541_000n, cluster };
}

function extract(name: string, ev: AuditEvent, arg?: string): FieldValue {
  const field = lookupField(name);
  assert.ok(field, `unknown field ${name}`);
  return field.compile(arg)(ev);
}

/** A pod create with every container list, security contexts at both levels, ports and three kinds of volume. */
const podJson = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: 'pod-1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/pods?fieldManager=kubectl-client-side-apply',
  verb: 'create',
  user: { username: 'alice', groups: ['system:authenticated', 'devs'] },
  impersonatedUser: { username: 'bob' },
  sourceIPs: ['10.0.0.1', '192.168.1.2'],
  userAgent: 'kubectl/v1.29.0 (linux/amd64)',
  objectRef: { resource: 'pods', namespace: 'prod', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 201 },
  annotations: {
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "admins"',
    'authentication.openshift.io/decision': 'allow',
    'authentication.openshift.io/username': 'kube:admin',
    'validation.policy.admission.k8s.io/validation_failure': '[{"message":"denied","policy":"no-privileged"}]',
    'pod-security.kubernetes.io/audit-violations': 'privileged (container "app" must not set securityContext.privileged=true)',
    cluster_name: 'annotated-cluster',
  },
  requestObject: {
    kind: 'Pod',
    spec: {
      hostIPC: true,
      hostNetwork: false,
      hostPID: true,
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000] },
      containers: [
        {
          name: 'app',
          image: 'registry.example.com:5000/team/app:1.2@sha256:abc',
          command: ['/bin/sh', '-c'],
          args: ['echo', 'hi'],
          ports: [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 19090 }],
          securityContext: {
            privileged: true,
            allowPrivilegeEscalation: true,
            readOnlyRootFilesystem: false,
            runAsUser: 0,
            runAsGroup: 0,
            procMount: 'Unmasked',
            capabilities: { add: ['NET_ADMIN', 'SYS_TIME'] },
          },
        },
        { name: 'sidecar', image: 'busybox@sha256:def', securityContext: { readOnlyRootFilesystem: true } },
      ],
      initContainers: [
        {
          name: 'init',
          image: 'alpine:3.19',
          command: ['sh'],
          args: ['-c', 'true'],
          ports: [{ containerPort: 53, hostPort: 5353 }],
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsUser: 1,
            runAsGroup: 2,
            procMount: 'Default',
            capabilities: { add: ['SYS_ADMIN'] },
          },
        },
      ],
      ephemeralContainers: [
        {
          name: 'debugger',
          image: 'nicolaka/netshoot:v0.11',
          command: ['bash'],
          args: ['-l'],
          securityContext: {
            privileged: true,
            allowPrivilegeEscalation: true,
            readOnlyRootFilesystem: false,
            runAsUser: 42,
            runAsGroup: 43,
            procMount: 'Unmasked',
            capabilities: { add: ['SYS_PTRACE'] },
          },
        },
      ],
      volumes: [
        { name: 'data', hostPath: { path: '/var/lib/data', type: 'Directory' } },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'flex', flexVolume: { driver: 'example/lvm' } },
      ],
    },
  },
  responseObject: { kind: 'Pod', metadata: { name: 'web-7f9c', namespace: 'prod' } },
};
const pod = event(podJson);

const exec = event({
  kind: 'Event',
  auditID: 'exec-1',
  stage: 'ResponseStarted',
  verb: 'create',
  requestURI: '/api/v1/namespaces/prod/pods/web-0/exec?command=sh&command=-c&container=app&stdin=true',
  objectRef: { resource: 'pods', namespace: 'prod', name: 'web-0', subresource: 'exec' },
  responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 },
});

const subjects = [
  { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
  { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
  { kind: 'ServiceAccount', name: 'nons' },
  { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' },
];
const binding = event({
  kind: 'Event',
  auditID: 'crb-1',
  verb: 'create',
  objectRef: { resource: 'clusterrolebindings', name: 'ops' },
  requestObject: {
    kind: 'ClusterRoleBinding',
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects,
  },
});

const rules = [
  { apiGroups: [''], resources: ['pods', 'pods/exec'], verbs: ['get', 'create'] },
  { nonResourceURLs: ['/healthz', '/metrics'], verbs: ['get'] },
];
const role = event({
  kind: 'Event',
  auditID: 'cr-1',
  verb: 'create',
  objectRef: { resource: 'clusterroles', name: 'exec-all' },
  requestObject: { kind: 'ClusterRole', rules },
});

const service = event({
  kind: 'Event',
  auditID: 'svc-1',
  verb: 'create',
  objectRef: { resource: 'services', namespace: 'prod', name: 'web' },
  requestObject: {
    kind: 'Service',
    spec: {
      type: 'NodePort',
      ports: [
        { port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' },
        { port: 443, protocol: 'TCP' },
      ],
    },
  },
});

const configmap = event({
  kind: 'Event',
  auditID: 'cm-1',
  verb: 'create',
  objectRef: { resource: 'configmaps', namespace: 'prod', name: 'app-config' },
  requestObject: { kind: 'ConfigMap', data: { 'db.password': 'hunter2', mode: 'prod' } },
});

interface Case {
  readonly field: string;
  readonly on: AuditEvent;
  readonly arg?: string;
  readonly want: FieldValue;
}

/** One value assertion per ka.* field (some fields have more, further down). */
const CASES: readonly Case[] = [
  { field: 'ka.auditid', on: pod, want: 'pod-1' },
  { field: 'ka.stage', on: pod, want: 'ResponseComplete' },
  { field: 'ka.auth.decision', on: pod, want: 'allow' },
  { field: 'ka.auth.reason', on: pod, want: 'RBAC: allowed by ClusterRoleBinding "admins"' },
  { field: 'ka.auth.openshift.decision', on: pod, want: 'allow' },
  { field: 'ka.validations.admission.policy.failure', on: pod, want: '[{"message":"denied","policy":"no-privileged"}]' },
  { field: 'ka.security.pod.violations', on: pod, want: 'privileged (container "app" must not set securityContext.privileged=true)' },
  { field: 'ka.auth.openshift.username', on: pod, want: 'kube:admin' },
  { field: 'ka.user.name', on: pod, want: 'alice' },
  { field: 'ka.user.groups', on: pod, want: ['system:authenticated', 'devs'] },
  { field: 'ka.impuser.name', on: pod, want: 'bob' },
  { field: 'ka.verb', on: pod, want: 'create' },
  { field: 'ka.uri', on: pod, want: '/api/v1/namespaces/prod/pods?fieldManager=kubectl-client-side-apply' },
  { field: 'ka.uri.param', on: exec, arg: 'command', want: 'sh' },
  { field: 'ka.target.name', on: exec, want: 'web-0' },
  { field: 'ka.target.namespace', on: pod, want: 'prod' },
  { field: 'ka.target.resource', on: pod, want: 'pods' },
  { field: 'ka.target.subresource', on: exec, want: 'exec' },
  { field: 'ka.target.pod.name', on: pod, want: 'web-7f9c' },
  { field: 'ka.req.binding.subjects', on: binding, want: subjects.map((subject) => JSON.stringify(subject)) },
  { field: 'ka.req.binding.subjects.user_names', on: binding, want: ['alice'] },
  { field: 'ka.req.binding.subjects.serviceaccount_names', on: binding, want: ['deployer', 'nons'] },
  { field: 'ka.req.binding.subjects.serviceaccount_ns_names', on: binding, want: ['ci:deployer'] },
  { field: 'ka.req.binding.subjects.group_names', on: binding, want: ['system:masters'] },
  { field: 'ka.req.binding.role', on: binding, want: 'cluster-admin' },
  { field: 'ka.req.binding.subject.has_name', on: binding, arg: 'nobody', want: 'true' },
  { field: 'ka.req.configmap.name', on: configmap, want: 'app-config' },
  { field: 'ka.req.configmap.obj', on: configmap, want: '{"db.password":"hunter2","mode":"prod"}' },
  { field: 'ka.req.pod.containers.name', on: pod, want: ['app', 'sidecar'] },
  { field: 'ka.req.pod.containers.image', on: pod, want: ['registry.example.com:5000/team/app:1.2@sha256:abc', 'busybox@sha256:def'] },
  // The first ':' is the registry port's: the plugin's cut keeps only the host.
  { field: 'ka.req.pod.containers.image.repository', on: pod, want: ['registry.example.com', 'busybox'] },
  { field: 'ka.req.pod.containers.command', on: pod, want: ['/bin/sh -c'] },
  { field: 'ka.req.pod.containers.args', on: pod, want: ['echo hi'] },
  { field: 'ka.req.pod.containers.privileged', on: pod, want: ['true'] },
  { field: 'ka.req.pod.containers.allow_privilege_escalation', on: pod, want: ['true'] },
  { field: 'ka.req.pod.containers.read_only_fs', on: pod, want: ['false', 'true'] },
  { field: 'ka.req.pod.containers.run_as_user', on: pod, want: ['0'] },
  { field: 'ka.req.pod.containers.eff_run_as_user', on: pod, want: ['0', '1000'] },
  { field: 'ka.req.pod.containers.run_as_group', on: pod, want: ['0'] },
  { field: 'ka.req.pod.containers.eff_run_as_group', on: pod, want: ['0', '3000'] },
  { field: 'ka.req.pod.containers.proc_mount', on: pod, want: ['Unmasked'] },
  { field: 'ka.req.pod.containers.add_capabilities', on: pod, want: ['["NET_ADMIN","SYS_TIME"]'] },
  { field: 'ka.req.pod.containers.host_port', on: pod, want: ['8080', '19090'] },
  { field: 'ka.req.container.image', on: pod, want: 'registry.example.com:5000/team/app:1.2@sha256:abc' },
  { field: 'ka.req.container.image.repository', on: pod, want: 'registry.example.com' },
  { field: 'ka.req.pod.host_ipc', on: pod, want: 'true' },
  { field: 'ka.req.pod.host_network', on: pod, want: 'false' },
  { field: 'ka.req.container.host_network', on: pod, want: 'false' },
  { field: 'ka.req.pod.host_pid', on: pod, want: 'true' },
  { field: 'ka.req.container.privileged', on: pod, want: 'true' },
  { field: 'ka.req.pod.run_as_user', on: pod, want: '1000' },
  { field: 'ka.req.pod.run_as_group', on: pod, want: '3000' },
  { field: 'ka.req.role.rules', on: role, want: rules.map((rule) => JSON.stringify(rule)) },
  { field: 'ka.req.role.rules.apiGroups', on: role, want: [''] },
  { field: 'ka.req.role.rules.nonResourceURLs', on: role, want: ['/healthz', '/metrics'] },
  { field: 'ka.req.role.rules.verbs', on: role, want: ['get', 'create', 'get'] },
  { field: 'ka.req.role.rules.resources', on: role, want: ['pods', 'pods/exec'] },
  { field: 'ka.req.pod.fs_group', on: pod, want: '2000' },
  { field: 'ka.req.pod.supplemental_groups', on: pod, want: ['4000', '5000'] },
  { field: 'ka.req.service.type', on: service, want: 'NodePort' },
  { field: 'ka.req.service.ports', on: service, want: ['{"port":80,"targetPort":8080,"nodePort":30080,"protocol":"TCP"}', '{"port":443,"protocol":"TCP"}'] },
  { field: 'ka.req.pod.volumes.hostpath', on: pod, want: ['/var/lib/data'] },
  { field: 'ka.req.volume.hostpath', on: pod, arg: '/var/lib/*', want: 'true' },
  { field: 'ka.req.pod.volumes.flexvolume_driver', on: pod, want: ['example/lvm'] },
  { field: 'ka.req.pod.volumes.volume_type', on: pod, want: ['hostPath', 'configMap', 'flexVolume'] },
  { field: 'ka.resp.name', on: pod, want: 'web-7f9c' },
  { field: 'ka.response.code', on: pod, want: '201' },
  { field: 'ka.response.reason', on: exec, want: 'Forbidden' },
  { field: 'ka.useragent', on: pod, want: 'kubectl/v1.29.0 (linux/amd64)' },
  { field: 'ka.sourceips', on: pod, want: ['10.0.0.1', '192.168.1.2'] },
  { field: 'ka.cluster.name', on: pod, want: 'annotated-cluster' },
  { field: 'ka.req.pod.initContainers.name', on: pod, want: ['init'] },
  { field: 'ka.req.pod.initContainers.image', on: pod, want: ['alpine:3.19'] },
  { field: 'ka.req.pod.initContainers.image.repository', on: pod, want: ['alpine'] },
  { field: 'ka.req.pod.initContainers.command', on: pod, want: ['sh'] },
  { field: 'ka.req.pod.initContainers.args', on: pod, want: ['-c true'] },
  { field: 'ka.req.pod.initContainers.privileged', on: pod, want: ['false'] },
  { field: 'ka.req.pod.initContainers.allow_privilege_escalation', on: pod, want: ['false'] },
  { field: 'ka.req.pod.initContainers.read_only_fs', on: pod, want: ['true'] },
  { field: 'ka.req.pod.initContainers.run_as_user', on: pod, want: ['1'] },
  { field: 'ka.req.pod.initContainers.eff_run_as_user', on: pod, want: ['1'] },
  { field: 'ka.req.pod.initContainers.run_as_group', on: pod, want: ['2'] },
  { field: 'ka.req.pod.initContainers.eff_run_as_group', on: pod, want: ['2'] },
  { field: 'ka.req.pod.initContainers.proc_mount', on: pod, want: ['Default'] },
  { field: 'ka.req.pod.initContainers.add_capabilities', on: pod, want: ['["SYS_ADMIN"]'] },
  { field: 'ka.req.pod.initContainers.host_port', on: pod, want: ['5353'] },
  { field: 'ka.req.pod.ephemeralContainers.name', on: pod, want: ['debugger'] },
  { field: 'ka.req.pod.ephemeralContainers.image', on: pod, want: ['nicolaka/netshoot:v0.11'] },
  { field: 'ka.req.pod.ephemeralContainers.image.repository', on: pod, want: ['nicolaka/netshoot'] },
  { field: 'ka.req.pod.ephemeralContainers.command', on: pod, want: ['bash'] },
  { field: 'ka.req.pod.ephemeralContainers.args', on: pod, want: ['-l'] },
  { field: 'ka.req.pod.ephemeralContainers.privileged', on: pod, want: ['true'] },
  { field: 'ka.req.pod.ephemeralContainers.allow_privilege_escalation', on: pod, want: ['true'] },
  { field: 'ka.req.pod.ephemeralContainers.read_only_fs', on: pod, want: ['false'] },
  { field: 'ka.req.pod.ephemeralContainers.run_as_user', on: pod, want: ['42'] },
  { field: 'ka.req.pod.ephemeralContainers.eff_run_as_user', on: pod, want: ['42'] },
  { field: 'ka.req.pod.ephemeralContainers.run_as_group', on: pod, want: ['43'] },
  { field: 'ka.req.pod.ephemeralContainers.eff_run_as_group', on: pod, want: ['43'] },
  { field: 'ka.req.pod.ephemeralContainers.proc_mount', on: pod, want: ['Unmasked'] },
  { field: 'ka.req.pod.ephemeralContainers.add_capabilities', on: pod, want: ['["SYS_PTRACE"]'] },
];

function label(name: string, arg: string | undefined): string {
  return arg === undefined ? name : `${name}[${arg}]`;
}

test('the value table covers exactly the 100 ka.* fields', () => {
  const names = k8sAuditFields.map((field) => field.name);
  assert.equal(names.length, 100);
  assert.deepEqual([...new Set(CASES.map((c) => c.field))].sort(), [...names].sort());
});

for (const { field, on, arg, want } of CASES) {
  test(`value of ${label(field, arg)}`, () => {
    assert.deepEqual(extract(field, on, arg), want);
  });
}

test('no ka.* field is available on an event without auditID', () => {
  const { auditID, ...withoutId } = podJson;
  assert.equal(auditID, 'pod-1');
  const anonymous = event(withoutId, 'cluster-a');
  for (const field of k8sAuditFields) {
    const arg = field.arg === 'key' ? '/var/lib/*' : undefined;
    assert.equal(field.compile(arg)(anonymous), undefined, field.name);
  }
});

test('an auditID member counts whatever its value', () => {
  assert.equal(extract('ka.verb', event({ auditID: null, verb: 'get' })), 'get');
  assert.equal(extract('ka.auditid', event({ auditID: null })), 'null');
});

test('index arguments narrow the list the field walks', () => {
  assert.deepEqual(extract('ka.req.pod.containers.image', pod, '1'), ['busybox@sha256:def']);
  assert.deepEqual(extract('ka.req.pod.containers.name', pod, '0'), ['app']);
  assert.deepEqual(extract('ka.req.pod.containers.name', pod, '00'), ['app']);
  assert.deepEqual(extract('ka.req.pod.containers.image.repository', pod, '1'), ['busybox']);
  assert.deepEqual(extract('ka.req.pod.containers.read_only_fs', pod, '1'), ['true']);
  // The ports of the selected container are not narrowed: they are the leaf, not an array met on the way.
  assert.deepEqual(extract('ka.req.pod.containers.host_port', pod, '0'), ['8080', '19090']);
  assert.deepEqual(extract('ka.req.role.rules.verbs', role, '0'), ['get', 'create']);
  assert.deepEqual(extract('ka.req.role.rules.verbs', role, '1'), ['get']);
  assert.deepEqual(extract('ka.req.service.ports', service, '1'), ['{"port":443,"protocol":"TCP"}']);
  assert.deepEqual(extract('ka.sourceips', pod, '1'), ['192.168.1.2']);
  assert.deepEqual(extract('ka.req.pod.volumes.hostpath', pod, '0'), ['/var/lib/data']);
  assert.deepEqual(extract('ka.req.pod.volumes.volume_type', pod, '2'), ['flexVolume']);
  assert.deepEqual(extract('ka.req.pod.containers.eff_run_as_user', pod, '1'), ['1000']);
});

test('an index out of range, or on an element lacking the value, is not available', () => {
  assert.equal(extract('ka.req.pod.containers.image', pod, '2'), undefined);
  assert.equal(extract('ka.req.pod.containers.eff_run_as_user', pod, '2'), undefined);
  assert.equal(extract('ka.sourceips', pod, '2'), undefined);
  assert.equal(extract('ka.req.role.rules.apiGroups', role, '1'), undefined);
  assert.equal(extract('ka.req.pod.containers.privileged', pod, '1'), undefined);
  assert.equal(extract('ka.req.pod.containers.host_port', pod, '1'), undefined);
  assert.equal(extract('ka.req.pod.volumes.hostpath', pod, '1'), undefined);
  assert.equal(extract('ka.req.service.ports', service, '99999999999999999999'), undefined);
});

test('missing paths are not available', () => {
  for (const name of ['ka.impuser.name', 'ka.target.pod.name', 'ka.req.container.image', 'ka.req.container.privileged', 'ka.cluster.name']) {
    assert.equal(extract(name, role), undefined, name);
  }
  assert.equal(extract('ka.req.pod.containers.image', role), undefined);
  assert.equal(extract('ka.req.pod.containers.eff_run_as_user', role), undefined);
  assert.equal(extract('ka.req.volume.hostpath', role, '/etc'), undefined);
  assert.equal(extract('ka.uri.param', pod, 'command'), undefined);
  assert.equal(extract('ka.uri.param', role, 'command'), undefined);
});

test('an empty list is not available', () => {
  const empty = event({
    auditID: 'e',
    user: { groups: [] },
    requestObject: { subjects: [], rules: [{ verbs: [] }], spec: { containers: [], volumes: [] } },
  });
  for (const name of [
    'ka.user.groups',
    'ka.req.binding.subjects',
    'ka.req.binding.subjects.user_names',
    'ka.req.role.rules.verbs',
    'ka.req.pod.containers.name',
    'ka.req.pod.containers.eff_run_as_user',
    'ka.req.pod.volumes.volume_type',
  ]) {
    assert.equal(extract(name, empty), undefined, name);
  }
  // Subjects of other kinds only: the name lists are empty.
  assert.equal(extract('ka.req.binding.subjects.user_names', event({ auditID: 'g', requestObject: { subjects: [subjects[3]] } })), undefined);
  // An empty container list has no privileged container.
  assert.equal(extract('ka.req.container.privileged', empty), 'false');
  assert.equal(extract('ka.req.volume.hostpath', empty, '/etc'), 'false');
});

test('values of the wrong JSON type are not available', () => {
  const odd = event({
    auditID: 'odd',
    user: { groups: 'devs' },
    requestObject: {
      subjects: { kind: 'User', name: 'alice' },
      spec: { containers: [{ name: 'a', image: 'x', command: 'sh -c', ports: { containerPort: 80 } }], volumes: 'none' },
    },
  });
  for (const name of [
    'ka.user.groups',
    'ka.req.binding.subjects',
    'ka.req.binding.subjects.user_names',
    'ka.req.pod.containers.command',
    'ka.req.pod.containers.host_port',
    'ka.req.pod.volumes.volume_type',
    'ka.req.pod.volumes.hostpath',
  ]) {
    assert.equal(extract(name, odd), undefined, name);
  }
});

test('non-string values render as compact JSON', () => {
  const typed = event({ auditID: 7, stage: null, verb: false, requestObject: { data: { b: [1, { c: true }], a: 'x' } } });
  assert.equal(extract('ka.auditid', typed), '7');
  assert.equal(extract('ka.stage', typed), 'null');
  assert.equal(extract('ka.verb', typed), 'false');
  assert.equal(extract('ka.req.configmap.obj', typed), '{"b":[1,{"c":true}],"a":"x"}');
});

test('name and image need every container to have one; other members skip containers without', () => {
  const partial = event({
    auditID: 'p',
    requestObject: { spec: { containers: [{ name: 'a', image: 'nginx:1.25' }, { name: 'b' }] } },
  });
  assert.equal(extract('ka.req.pod.containers.image', partial), undefined);
  assert.equal(extract('ka.req.pod.containers.image.repository', partial), undefined);
  assert.deepEqual(extract('ka.req.pod.containers.image', partial, '0'), ['nginx:1.25']);
  assert.equal(extract('ka.req.container.image', partial), 'nginx:1.25');
  assert.equal(extract('ka.req.container.image.repository', partial), 'nginx');
  assert.deepEqual(extract('ka.req.pod.containers.name', partial), ['a', 'b']);
  assert.equal(extract('ka.req.container.privileged', partial), 'false');
  assert.equal(extract('ka.req.pod.containers.privileged', partial), undefined);
});

test('effective ids fall back to the pod security context, then to 0', () => {
  const bare = event({ auditID: 'b', requestObject: { spec: { containers: [{ name: 'a', image: 'x' }] } } });
  assert.deepEqual(extract('ka.req.pod.containers.eff_run_as_user', bare), ['0']);
  assert.deepEqual(extract('ka.req.pod.containers.eff_run_as_group', bare), ['0']);
  const podLevel = event({
    auditID: 'c',
    requestObject: { spec: { securityContext: { runAsUser: 65534 }, initContainers: [{ name: 'i', securityContext: {} }] } },
  });
  assert.deepEqual(extract('ka.req.pod.initContainers.eff_run_as_user', podLevel), ['65534']);
  assert.deepEqual(extract('ka.req.pod.initContainers.eff_run_as_group', podLevel), ['0']);
});

test('ka.target.pod.name needs a pod request without subresource', () => {
  const withResponse = (objectRef: object) => event({ auditID: 't', objectRef, responseObject: { metadata: { name: 'p' } } });
  assert.equal(extract('ka.target.pod.name', withResponse({ resource: 'pods', subresource: '' })), 'p');
  assert.equal(extract('ka.target.pod.name', withResponse({ resource: 'pods', subresource: 'exec' })), undefined);
  assert.equal(extract('ka.target.pod.name', withResponse({ resource: 'deployments' })), undefined);
});

test('ka.cluster.name prefers the cluster ingest assigned', () => {
  assert.equal(extract('ka.cluster.name', event(podJson, 'prod-eu')), 'prod-eu');
  assert.equal(extract('ka.cluster.name', event(podJson, '')), 'annotated-cluster');
  assert.equal(extract('ka.cluster.name', event({ auditID: 'x' }, 'prod-eu')), 'prod-eu');
});

test('ka.sourceips reads the event sourceIPs', () => {
  assert.deepEqual(extract('ka.sourceips', event({ auditID: 's', sourceIPs: ['::1'] })), ['::1']);
  assert.equal(extract('ka.sourceips', event({ auditID: 's', requestObject: { rules: [{ sourceIPs: ['::1'] }] } })), undefined);
});

test('ka.uri.param takes the first value, decoded like Go url.ParseQuery', () => {
  const uri = (requestURI: string) => event({ auditID: 'u', requestURI });
  assert.equal(extract('ka.uri.param', exec, 'container'), 'app');
  assert.equal(extract('ka.uri.param', uri('/x?msg=a+b%2Fc%2B&x=1'), 'msg'), 'a b/c+');
  assert.equal(extract('ka.uri.param', uri('/x?na%C3%AFve=%E2%9C%93'), 'naïve'), '✓');
  assert.equal(extract('ka.uri.param', uri('/x?flag&x=1'), 'flag'), '');
  assert.equal(extract('ka.uri.param', uri('/x?a=1#b=2'), 'b'), undefined);
  assert.equal(extract('ka.uri.param', uri('/x?command=%zz&command=ls'), 'command'), 'ls');
  // Invalid pairs (a `;`, a bad escape) are skipped, not fatal to the others.
  assert.equal(extract('ka.uri.param', uri('/x?a=1;b=2&command=ls&c=%'), 'command'), 'ls');
  assert.equal(extract('ka.uri.param', uri('/x?a=1;command=2'), 'command'), undefined);
  assert.equal(extract('ka.uri.param', uri('/x?command=rm;ls&command=ls'), 'command'), 'ls');
  assert.equal(extract('ka.uri.param', uri('/x\n?command=ls'), 'command'), undefined);
});

test('ka.req.volume.hostpath matches a path exactly, or a prefix with a trailing *', () => {
  assert.equal(extract('ka.req.volume.hostpath', pod, '/var/lib/data'), 'true');
  assert.equal(extract('ka.req.volume.hostpath', pod, '/var/lib'), 'false');
  assert.equal(extract('ka.req.volume.hostpath', pod, '/etc*'), 'false');
  assert.equal(extract('ka.req.volume.hostpath', pod, '*'), 'true');
  const second = event({
    auditID: 'v',
    requestObject: { spec: { volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'etc', hostPath: { path: '/etc' } }] } },
  });
  assert.equal(extract('ka.req.volume.hostpath', second, '/etc'), 'true');
});

test('argument errors are FieldArgError at compile time', () => {
  const compile = (name: string, arg: string | undefined) => () => lookupField(name)?.compile(arg);
  assert.throws(compile('ka.user.name', '0'), FieldArgError);
  assert.throws(compile('ka.user.name', ''), FieldArgError);
  assert.throws(compile('ka.user.groups', '0'), FieldArgError);
  assert.throws(compile('ka.uri.param', undefined), FieldArgError);
  assert.throws(compile('ka.uri.param', ''), FieldArgError);
  assert.throws(compile('ka.req.volume.hostpath', undefined), FieldArgError);
  assert.throws(compile('ka.req.binding.subject.has_name', undefined), FieldArgError);
  for (const bad of ['x', '-1', '1.5', ' 1', '']) {
    assert.throws(compile('ka.req.pod.containers.image', bad), FieldArgError, bad);
  }
  assert.throws(compile('ka.user.name', '0'), /ka\.user\.name/);
});

test('huge lists extract', () => {
  const containers = Array.from({ length: 300_000 }, (_, i) => ({ name: `c${i}`, image: 'x' }));
  const big = event({ auditID: 'h', requestObject: { spec: { containers }, rules: [{ verbs: containers.map((c) => c.name) }] } });
  assert.equal(extract('ka.req.pod.containers.name', big)?.length, 300_000);
  assert.equal(extract('ka.req.role.rules.verbs', big)?.length, 300_000);
});

test('extractors never throw, even on values too deep to serialize', () => {
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const hostile = event({ auditID: 'd', requestObject: { data: deep, rules: [deep], spec: { containers: [{ name: deep }] } } });
  assert.equal(extract('ka.req.configmap.obj', hostile), undefined);
  assert.equal(extract('ka.req.role.rules', hostile), undefined);
  assert.equal(extract('ka.req.pod.containers.name', hostile), undefined);
});

/** The repository root: the nearest directory above this file whose package.json declares workspaces. */
function findRepoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The Falco 0.35.1 k8s_audit traces of the conformance kit, which sits at `<repo>/../shared/conformance`. */
function traceDir(): string | undefined {
  const root = findRepoRoot();
  const dir = root && join(root, '..', 'shared', 'conformance', 'falco-0.35.1', 'trace_files', 'k8s_audit');
  return dir !== undefined && existsSync(dir) ? dir : undefined;
}

const NO_KIT = `../shared/conformance not found: no falco-0.35.1/trace_files/k8s_audit beside the repository of ${fileURLToPath(import.meta.url)}`;

function readTrace(dir: string, file: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (line.trim() !== '') events.push(...decodeAuditPayload(line).events);
  }
  return events;
}

test('fields of real audit events from the Falco 0.35.1 traces', (t) => {
  const dir = traceDir();
  if (dir === undefined) {
    t.skip(NO_KIT);
    return;
  }
  const [privileged] = readTrace(dir, 'create_nginx_pod_privileged.json');
  assert.ok(privileged);
  assert.equal(privileged.timeNs, 1_540_476_552_581_541_000n);
  assert.deepEqual(extract('ka.req.pod.containers.image', privileged), ['nginx']);
  assert.deepEqual(extract('ka.req.pod.containers.image.repository', privileged), ['nginx']);
  assert.deepEqual(extract('ka.req.pod.containers.privileged', privileged), ['true']);
  assert.equal(extract('ka.req.container.privileged', privileged), 'true');
  assert.equal(extract('ka.req.pod.initContainers.image', privileged), undefined);
  assert.equal(extract('ka.target.pod.name', privileged), 'nginx-deployment-5cdcc99dbf-rgw6z');
  assert.equal(extract('ka.user.name', privileged), 'system:serviceaccount:kube-system:replicaset-controller');
  assert.equal(extract('ka.response.code', privileged), '201');
  assert.deepEqual(extract('ka.sourceips', privileged), ['::1']);

  const [mounts] = readTrace(dir, 'create_nginx_pod_sensitive_mount_2nd_container.json');
  assert.ok(mounts);
  assert.deepEqual(extract('ka.req.pod.containers.image.repository', mounts), ['nginx', 'mysql']);
  assert.deepEqual(extract('ka.req.pod.volumes.hostpath', mounts), ['/etc']);
  assert.equal(extract('ka.req.volume.hostpath', mounts, '/etc'), 'true');

  const [execPod] = readTrace(dir, 'exec_pod.json');
  assert.ok(execPod);
  assert.equal(extract('ka.uri.param', execPod, 'command'), 'bash');
  assert.equal(extract('ka.target.subresource', execPod), 'exec');
});

test('every ka.* field extracts cleanly from every event of every trace', (t) => {
  const dir = traceDir();
  if (dir === undefined) {
    t.skip(NO_KIT);
    return;
  }
  let checked = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    for (const ev of readTrace(dir, file)) {
      for (const field of k8sAuditFields) {
        const value = field.compile(field.arg === 'key' ? 'x' : undefined)(ev);
        const ok = value === undefined || typeof value === 'string' || (Array.isArray(value) && value.length > 0);
        assert.ok(ok, `${file}: ${field.name}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 50, `only ${checked} events`);
});
