/**
 * The kubeconfig the kube-apiserver reads from `--audit-webhook-config-file`: where to post (the cluster's server),
 * how to trust ingest's certificate (certificate-authority-data) and how to authenticate to it (a bearer token, or a
 * client certificate and key). Files are embedded as data, not referenced by path: the file is read on the
 * control-plane node, where the paths of the machine that ran `peregrine setup` mean nothing.
 */
import { stringify } from 'yaml';

export type WebhookCredential =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'client-cert'; readonly certPem: string; readonly keyPem: string };

export interface KubeconfigOptions {
  readonly server: string;
  /** PEM bundle of the CA that signed ingest's serving certificate; absent: the node's system CAs. */
  readonly caPem?: string | undefined;
  readonly credential: WebhookCredential;
}

/** Names inside the file; the apiserver uses the current context and nothing else reads them. */
const CLUSTER = 'peregrine';
const USER = 'kube-apiserver';

export function webhookKubeconfig(o: KubeconfigOptions): Record<string, unknown> {
  const cluster: Record<string, string> = { server: o.server };
  if (o.caPem !== undefined) cluster['certificate-authority-data'] = base64(o.caPem);
  const user: Record<string, string> = o.credential.kind === 'token'
    ? { token: o.credential.token }
    : { 'client-certificate-data': base64(o.credential.certPem), 'client-key-data': base64(o.credential.keyPem) };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER, cluster }],
    users: [{ name: USER, user }],
    contexts: [{ name: CLUSTER, context: { cluster: CLUSTER, user: USER } }],
    'current-context': CLUSTER,
  };
}

export function webhookKubeconfigYaml(o: KubeconfigOptions): string {
  return `# The kube-apiserver's audit webhook (--audit-webhook-config-file), written by peregrine setup apiserver.
# It holds a credential for ingest: keep it readable by root only (chmod 600).
${stringify(webhookKubeconfig(o), { lineWidth: 0 })}`;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
