/**
 * Which API group a resource belongs to. Rules name resources only (`ka.target.resource=deployments`), but audit policy
 * rules name a group with them, and the apiserver matches the group exactly: `{group: "", resources: [deployments]}`
 * never matches a deployment (its group is `apps`). The built-in resources are listed here; a resource that is not
 * (a custom resource) matches a policy entry of any group that names it.
 */

/** Built-in resources by group ("" is the core group). A resource served by two groups is listed under both. */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  '': [
    'bindings', 'componentstatuses', 'configmaps', 'endpoints', 'events', 'limitranges', 'namespaces', 'nodes',
    'persistentvolumeclaims', 'persistentvolumes', 'pods', 'podtemplates', 'replicationcontrollers', 'resourcequotas',
    'secrets', 'serviceaccounts', 'services',
  ],
  'admissionregistration.k8s.io': [
    'mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies',
    'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings',
  ],
  'apiextensions.k8s.io': ['customresourcedefinitions'],
  'apiregistration.k8s.io': ['apiservices'],
  apps: ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  'authentication.k8s.io': ['selfsubjectreviews', 'tokenreviews'],
  'authorization.k8s.io': ['localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'],
  autoscaling: ['horizontalpodautoscalers'],
  batch: ['cronjobs', 'jobs'],
  'certificates.k8s.io': ['certificatesigningrequests', 'clustertrustbundles'],
  'coordination.k8s.io': ['leases'],
  'discovery.k8s.io': ['endpointslices'],
  'events.k8s.io': ['events'],
  'flowcontrol.apiserver.k8s.io': ['flowschemas', 'prioritylevelconfigurations'],
  'networking.k8s.io': ['ingressclasses', 'ingresses', 'ipaddresses', 'networkpolicies', 'servicecidrs'],
  'node.k8s.io': ['runtimeclasses'],
  policy: ['poddisruptionbudgets'],
  'rbac.authorization.k8s.io': ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'],
  'scheduling.k8s.io': ['priorityclasses'],
  'storage.k8s.io': ['csidrivers', 'csinodes', 'csistoragecapacities', 'storageclasses', 'volumeattachments'],
};

const BY_RESOURCE: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [group, resources] of Object.entries(GROUPS)) {
    for (const r of resources) map.set(r, [...(map.get(r) ?? []), group]);
  }
  return map;
})();

/**
 * The groups serving `resource`: one for most, two for `events` (core and events.k8s.io), and `[undefined]` for a
 * resource not listed, meaning "whatever group the policy names it under".
 */
export function groupsOf(resource: string): readonly (string | undefined)[] {
  return BY_RESOURCE.get(resource) ?? [undefined];
}
