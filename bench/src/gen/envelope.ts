/**
 * One API request as the audit events the apiserver writes for it: the `audit.k8s.io/v1` Event envelope (level,
 * auditID, stage, requestURI, verb, user, sourceIPs, userAgent, objectRef, responseStatus, bodies, timestamps,
 * authorization annotations), with the members in the order the apiserver serializes them.
 *
 * Invariants: the level decides the bodies (Metadata: none; Request: requestObject; RequestResponse: both), as the
 * audit policy does; one auditID per request, shared by its stages (ResponseStarted, then ResponseComplete for
 * long-running requests), as the apiserver does.
 */
import type { Identity } from './cluster.js';

type Json = Record<string, unknown>;

export type Level = 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'ResponseStarted' | 'ResponseComplete';

/** What a scenario decides about one request; the event stream adds ids and times. */
export interface ApiRequest {
  readonly level: Level;
  readonly verb: string;
  readonly uri: string;
  readonly who: Identity;
  readonly objectRef?: Json | undefined;
  /** The final response code (ResponseComplete). */
  readonly code: number;
  readonly requestObject?: Json | undefined;
  readonly responseObject?: Json | undefined;
  readonly impersonatedUser?: Json | undefined;
  /** `forbid` makes a 403 with the authorizer's denial. Default: allow. */
  readonly decision?: 'allow' | 'forbid';
  readonly extraAnnotations?: Readonly<Record<string, string>>;
  /**
   * The stages to emit, with their times relative to "now" in microseconds (0 = now, the clock of the stream).
   * Default: one ResponseComplete now. A watch seen ending has a single ResponseComplete received long ago.
   */
  readonly stages?: readonly { stage: Stage; atUs: number; code?: number }[];
  /** When the apiserver received the request, microseconds before now (the first stage's latency). */
  readonly receivedAgoUs: number;
}

/** The apiserver's RFC 3339 time with microseconds, from microseconds since the epoch. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
}

/** A core (`/api/v1`) or group (`/apis/g/v`) path for a resource, optionally namespaced, named, with subresource. */
export function apiPath(group: string, version: string, resource: string, namespace?: string, name?: string, subresource?: string): string {
  let p = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  if (namespace) p += `/namespaces/${namespace}`;
  p += `/${resource}`;
  if (name) p += `/${name}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** The audit `objectRef`, members in the apiserver's order. */
export function objectRef(group: string, version: string, resource: string, namespace?: string, name?: string, subresource?: string): Json {
  const ref: Json = { resource };
  if (namespace) ref['namespace'] = namespace;
  if (name) ref['name'] = name;
  if (group !== '') ref['apiGroup'] = group;
  ref['apiVersion'] = version;
  if (subresource) ref['subresource'] = subresource;
  return ref;
}

/** Builds the Event for one stage of a request. */
export function auditEvent(r: ApiRequest, auditID: string, stage: Stage, receivedUs: number, stageUs: number, code: number): Json {
  const forbid = r.decision === 'forbid';
  const e: Json = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: r.level,
    auditID,
    stage,
    requestURI: r.uri,
    verb: r.verb,
    user: r.who.user,
  };
  if (r.impersonatedUser) e['impersonatedUser'] = r.impersonatedUser;
  e['sourceIPs'] = [r.who.sourceIP];
  e['userAgent'] = r.who.userAgent;
  if (r.objectRef) e['objectRef'] = r.objectRef;
  e['responseStatus'] = forbid ? forbidden(r) : status(code);
  if (!forbid && r.level !== 'Metadata' && r.requestObject) e['requestObject'] = r.requestObject;
  if (!forbid && r.level === 'RequestResponse' && r.responseObject && stage === 'ResponseComplete') e['responseObject'] = r.responseObject;
  e['requestReceivedTimestamp'] = isoMicros(receivedUs);
  e['stageTimestamp'] = isoMicros(stageUs);
  e['annotations'] = {
    'authorization.k8s.io/decision': forbid ? 'forbid' : 'allow',
    'authorization.k8s.io/reason': forbid ? '' : authorizationReason(r.who),
    ...r.extraAnnotations,
  };
  return e;
}

function status(code: number): Json {
  if (code < 400) return { metadata: {}, code };
  const reason = code === 404 ? 'NotFound' : code === 409 ? 'Conflict' : code === 422 ? 'Invalid' : 'InternalError';
  return { metadata: {}, status: 'Failure', message: `the request failed: ${reason}`, reason, code };
}

function forbidden(r: ApiRequest): Json {
  const username = String(r.who.user['username']);
  const ref = r.objectRef ?? {};
  const what = ref['resource'] ? `${String(ref['resource'])}${ref['name'] ? ` "${String(ref['name'])}"` : ''}` : 'the server';
  return {
    metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
    message: `${what} is forbidden: User "${username}" cannot ${r.verb} resource "${String(ref['resource'] ?? '')}" in API group "${String(ref['apiGroup'] ?? '')}"${ref['namespace'] ? ` in the namespace "${String(ref['namespace'])}"` : ''}`,
    details: { name: ref['name'] ?? '', kind: ref['resource'] ?? '' },
  };
}

/** The authorizer's reason: the Node authorizer gives none, RBAC names the binding. */
function authorizationReason(who: Identity): string {
  const username = String(who.user['username']);
  const groups = (who.user['groups'] as string[] | undefined) ?? [];
  if (username.startsWith('system:node:') || groups.includes('system:masters')) return '';
  if (username === 'system:anonymous') return 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"';
  const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(username);
  if (sa) return `RBAC: allowed by ClusterRoleBinding "system:controller:${sa[2]}" of ClusterRole "system:controller:${sa[2]}" to ServiceAccount "${sa[2]}/${sa[1]}"`;
  if (username.startsWith('system:')) return `RBAC: allowed by ClusterRoleBinding "${username}" of ClusterRole "${username}" to User "${username}"`;
  return `RBAC: allowed by ClusterRoleBinding "${groups[0] ?? 'oidc'}-binding" of ClusterRole "edit" to Group "${groups[0] ?? ''}"`;
}
