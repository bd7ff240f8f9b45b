/**
 * The URL the apiserver posts audit events to: ingest's `POST <path>` or `POST <path>/<cluster>`. `--cluster NAME`
 * appends the cluster to the path, as ingest expects it; a URL without a path gets ingest's default path (a bare
 * `https://host:8765/` would only ever be answered 404).
 */
import { CLUSTER_NAME_PATTERN } from '@peregrine/ingest';
import { UsageError } from '../usage.js';

const DEFAULT_PATH = '/k8s-audit';
const CLUSTER_NAME = new RegExp(CLUSTER_NAME_PATTERN);

export interface WebhookUrl {
  readonly url: string;
  readonly https: boolean;
  /** Said on stderr: what was assumed or is risky. */
  readonly notes: readonly string[];
}

export function webhookUrl(text: string, cluster: string | undefined): WebhookUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: '${text}' is not a URL (expected https://HOST:8765/k8s-audit)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--url: expected an https:// URL, got ${url.protocol}`);
  // The apiserver posts to the server URL as it is: a query or fragment would reach ingest as part of the path.
  if (url.search || url.hash) throw new UsageError('--url: must not have a query (?...) or fragment (#...)');
  if (url.username || url.password) throw new UsageError('--url: credentials go in --token or --client-cert, not in the URL');
  const notes: string[] = [];
  let path = url.pathname.replace(/\/+$/, '');
  if (path === '') {
    path = DEFAULT_PATH;
    notes.push(`the URL has no path: using ingest's default, ${DEFAULT_PATH}`);
  }
  if (cluster !== undefined) {
    if (!CLUSTER_NAME.test(cluster)) {
      throw new UsageError(`--cluster: '${cluster}' is not a cluster name (letters, digits, '.', '_', '-'; starting with a letter or digit)`);
    }
    path = `${path}/${cluster}`;
  }
  url.pathname = path;
  const https = url.protocol === 'https:';
  if (!https) notes.push('plain http: the credential and every audit event cross the network in clear (ingest refuses this beyond loopback unless insecure: true)');
  return { url: url.toString(), https, notes };
}
