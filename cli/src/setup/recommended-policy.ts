/**
 * The audit policy `peregrine setup apiserver` recommends: the request bodies the project's rules read, and as little
 * else as possible (the apiserver buffers, and the webhook carries, everything audited). Kept as YAML text so that its
 * comments, which say why each rule is there, reach the file the operator installs. `setup check` runs it against
 * the project's rules in the tests: a rule that needs a body this policy does not give fails them.
 */
export const RECOMMENDED_POLICY = `# Audit policy recommended by Peregrine (peregrine setup apiserver). The first rule that matches a request
# decides its level, so the order matters. After changing it, or your rules, check that every rule still sees
# what it reads:   peregrine setup check --policy audit-policy.yaml [--rules your_rules.yaml]...
apiVersion: audit.k8s.io/v1
kind: Policy
# RequestReceived is sent before a request is handled: it repeats ResponseComplete without the outcome and doubles
# the traffic. Rules judge ResponseComplete, and ResponseStarted for exec, attach, port-forward and watch.
omitStages:
  - RequestReceived
# managedFields (server-side apply bookkeeping) is often half of an object, and no rule reads it.
# Kubernetes 1.23 and later; earlier versions ignore it.
omitManagedFields: true
rules:
  # ---- Noise: frequent requests that no rule judges. ----

  # Health and version probes: several per second, and public (the anonymous-access rule ignores them too).
  - level: None
    nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/version/*"]

  # Discovery, OpenAPI and metrics by authenticated clients (kubectl, controllers, Prometheus). Anonymous requests
  # for them stay audited by the last rule: "Anonymous Request Authorized" wants those.
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/openapi/*", "/metrics"]

  # Leader election and node heartbeats: a write every few seconds per node and per controller.
  - level: None
    resources:
      - group: coordination.k8s.io
        resources: ["leases"]

  # Deleting events is how tracks get covered: keep that, before the next rule drops events.
  - level: Metadata
    verbs: ["delete", "deletecollection"]
    resources:
      - group: ""
        resources: ["events"]
      - group: events.k8s.io
        resources: ["events"]

  # Events are written by every controller and kubelet and read by every dashboard.
  - level: None
    resources:
      - group: ""
        resources: ["events"]
      - group: events.k8s.io
        resources: ["events"]

  # kube-proxy watches endpoints and services on every node, all the time.
  - level: None
    users: ["system:kube-proxy", "system:serviceaccount:kube-system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services", "services/status"]
      - group: discovery.k8s.io
        resources: ["endpointslices"]

  # Kubelets read what runs on their node...
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get", "list", "watch"]
    resources:
      - group: ""
        resources: ["nodes", "pods", "services", "endpoints"]

  # ...and report node and pod status many times a minute per node.
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["update", "patch"]
    resources:
      - group: ""
        resources: ["nodes/status", "pods/status"]

  # The apiserver's own reads, through its loopback client.
  - level: None
    users: ["system:apiserver"]
    verbs: ["get", "list", "watch"]

  # ---- Metadata: who did what to which object, without bodies. ----

  # Secrets and token reviews carry credentials in their bodies: never send those to a webhook. Who read, listed,
  # created or deleted which secret is in the metadata, and that is what the secret rules judge.
  - level: Metadata
    resources:
      - group: ""
        resources: ["secrets"]
      - group: authentication.k8s.io
        resources: ["tokenreviews"]

  # Exec, attach, port-forward, proxies and logs: the stream is not in the event; the command, container and
  # ports are in the URI, which Metadata has.
  - level: Metadata
    resources:
      - group: ""
        resources: ["pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "pods/log", "services/proxy", "nodes/proxy"]

  # Every other read: the response is the object or a whole list of them (configmaps included), and no rule needs
  # it.
  - level: Metadata
    verbs: ["get", "list", "watch"]

  # ---- Bodies: the changes rules inspect. ----

  # A TokenRequest's response holds the token it issued: Request keeps the audiences and expiry a rule prints,
  # not the token.
  - level: Request
    resources:
      - group: ""
        resources: ["serviceaccounts/token"]

  # The objects whose content rules judge: pod specs (privileged, host namespaces, host paths, ephemeral
  # containers), workloads, services, configmaps (credential-like data), RBAC (wildcards, escalation verbs,
  # bindings to cluster-admin), ingresses, admission webhooks and certificate approvals. The response adds what the
  # server filled in, such as the name of a pod created with generateName (ka.resp.name).
  - level: RequestResponse
    verbs: ["create", "update", "patch"]
    resources:
      - group: ""
        resources: ["pods", "pods/ephemeralcontainers", "services", "configmaps", "serviceaccounts", "namespaces", "persistentvolumes"]
      - group: apps
        resources: ["deployments", "daemonsets", "statefulsets", "replicasets"]
      - group: batch
        resources: ["jobs", "cronjobs"]
      - group: rbac.authorization.k8s.io
        resources: ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]
      - group: networking.k8s.io
        resources: ["ingresses", "networkpolicies"]
      - group: admissionregistration.k8s.io
        resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings"]
      - group: certificates.k8s.io
        resources: ["certificatesigningrequests", "certificatesigningrequests/approval"]

  # Everything else, deletions included: metadata. Rules about identities (anonymous access, impersonation,
  # denied requests) need no more.
  - level: Metadata
`;
