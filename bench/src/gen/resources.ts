/**
 * The API resources the generated traffic touches, with their group and version, and the URI shapes clients use
 * for them (informer watches with bookmarks and random timeouts, paginated lists, gets), so that `requestURI` and
 * `objectRef` agree the way they do in real audit logs.
 */
import { apiPath, objectRef } from './envelope.js';
import type { Rng } from './prng.js';

export interface Resource {
  readonly group: string;
  readonly version: string;
  readonly name: string;
  readonly namespaced: boolean;
}

const r = (group: string, version: string, name: string, namespaced = true): Resource => ({ group, version, name, namespaced });

export const RESOURCES = {
  pods: r('', 'v1', 'pods'),
  configmaps: r('', 'v1', 'configmaps'),
  secrets: r('', 'v1', 'secrets'),
  services: r('', 'v1', 'services'),
  endpoints: r('', 'v1', 'endpoints'),
  events: r('', 'v1', 'events'),
  serviceaccounts: r('', 'v1', 'serviceaccounts'),
  persistentvolumeclaims: r('', 'v1', 'persistentvolumeclaims'),
  nodes: r('', 'v1', 'nodes', false),
  namespaces: r('', 'v1', 'namespaces', false),
  deployments: r('apps', 'v1', 'deployments'),
  replicasets: r('apps', 'v1', 'replicasets'),
  statefulsets: r('apps', 'v1', 'statefulsets'),
  daemonsets: r('apps', 'v1', 'daemonsets'),
  jobs: r('batch', 'v1', 'jobs'),
  cronjobs: r('batch', 'v1', 'cronjobs'),
  endpointslices: r('discovery.k8s.io', 'v1', 'endpointslices'),
  leases: r('coordination.k8s.io', 'v1', 'leases'),
  ingresses: r('networking.k8s.io', 'v1', 'ingresses'),
  networkpolicies: r('networking.k8s.io', 'v1', 'networkpolicies'),
  roles: r('rbac.authorization.k8s.io', 'v1', 'roles'),
  rolebindings: r('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
  clusterroles: r('rbac.authorization.k8s.io', 'v1', 'clusterroles', false),
  clusterrolebindings: r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', false),
  certificates: r('cert-manager.io', 'v1', 'certificates'),
  applications: r('argoproj.io', 'v1alpha1', 'applications'),
  servicemonitors: r('monitoring.coreos.com', 'v1', 'servicemonitors'),
  csidrivers: r('storage.k8s.io', 'v1', 'csidrivers', false),
  runtimeclasses: r('node.k8s.io', 'v1', 'runtimeclasses', false),
  tokenreviews: r('authentication.k8s.io', 'v1', 'tokenreviews', false),
  subjectaccessreviews: r('authorization.k8s.io', 'v1', 'subjectaccessreviews', false),
  mutatingwebhookconfigurations: r('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', false),
} as const;

/** Path of a resource (namespace ignored for cluster-scoped resources). */
export function pathOf(res: Resource, namespace?: string, name?: string, subresource?: string): string {
  return apiPath(res.group, res.version, res.name, res.namespaced ? namespace : undefined, name, subresource);
}

export function refOf(res: Resource, namespace?: string, name?: string, subresource?: string): Record<string, unknown> {
  return objectRef(res.group, res.version, res.name, res.namespaced ? namespace : undefined, name, subresource);
}

/** A resourceVersion as informers send it. */
export function resourceVersion(rng: Rng): string {
  return String(rng.int(10_000_000, 99_999_999));
}

/** An informer watch: bookmarks, the last resourceVersion, and client-go's random 5-10 minute timeout. */
export function watchQuery(rng: Rng, fieldSelector?: string): { query: string; timeoutSeconds: number } {
  const timeoutSeconds = rng.int(300, 599);
  const selector = fieldSelector ? `&fieldSelector=${encodeURIComponent(fieldSelector)}` : '';
  return {
    query: `?allowWatchBookmarks=true${selector}&resourceVersion=${resourceVersion(rng)}&timeout=${Math.floor(timeoutSeconds / 60)}m${timeoutSeconds % 60}s&timeoutSeconds=${timeoutSeconds}&watch=true`,
    timeoutSeconds,
  };
}

/** A list as informers (`resourceVersion=0`, served from cache) or paginating tools (`limit=500`) send it. */
export function listQuery(rng: Rng): string {
  return rng.chance(0.6) ? '?resourceVersion=0' : `?limit=500${rng.chance(0.3) ? `&labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=Helm')}` : ''}`;
}
