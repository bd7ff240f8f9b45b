/**
 * The k8saudit plugin's 100 `ka.*` fields (plugin v0.18.0), read from the decoded audit Event.
 *
 * Shared semantics, as in the plugin:
 * - an event without an `auditID` member has no `ka.*` field at all;
 * - a JSON string is its raw text, any other JSON value its compact JSON text (`true`, `201`, `{"a":1}`);
 * - an empty list is "not available", like any missing value or value of the wrong JSON type;
 * - an index argument `[N]` narrows every array met before a key step of the field's path (the containers, the
 *   rules, the volumes, ...) to its element N; out of range, the field is not available.
 *
 * Where the plugin has a bug, Peregrine deliberately does what the field is documented to do; each such place says
 * "Differs from Falco" and is listed in FIELDS.md.
 */
import type { AuditEvent } from '../event.js';
import { SLOT_AUDIT_ID, slotOf } from '../runtime/slots.js';
import { jsonText, member, notThrowing, slotted } from './json.js';
import { FieldArgError, type Extractor, type FieldInfo, type FieldValue } from './types.js';

type AuditJson = AuditEvent['json'];

/** Reads a field from an event that has an `auditID`. */
type Reader = (json: AuditJson, event: AuditEvent) => FieldValue;

/** Member paths of the event whose whole value a field may read (see FieldReads); `auditID` is implied. */
type Paths = readonly (readonly string[])[];

/** A field whose value is a function of the value at one path of object members: the native decoder's slots serve it. */
interface SlotReading {
  readonly path: readonly string[];
  /** The field's value from the member's value (undefined: missing), as JSON.parse gives it. */
  readonly read: (value: unknown, event: AuditEvent) => FieldValue;
}

interface SpecBase {
  readonly name: string;
  readonly desc: string;
  readonly isList: boolean;
  readonly reads: Paths;
  /** For a field that reads one path of object members: that reading, from the checked argument (if it takes one). */
  readonly slot?: (arg: string | undefined) => SlotReading;
}

/** A field declaration: its reader is built from the checked argument, once per use of the field in a rule. */
type KaSpec =
  | (SpecBase & { readonly arg: 'none'; readonly read: Reader })
  | (SpecBase & { readonly arg: 'index'; readonly read: (index: number | undefined) => Reader })
  | (SpecBase & { readonly arg: 'key'; readonly read: (key: string) => Reader });

const REQUEST_SPEC = ['requestObject', 'spec'] as const;
const DIGITS = /^[0-9]+$/;

// ---------------------------------------------------------------------------------------------------------------
// Walking the event

/** The value at a path of object members (no array handling); `undefined` when missing. */
function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    value = member(value, key);
    if (value === undefined) return undefined;
  }
  return value;
}

/**
 * The values at `path`, walked like the plugin's recursive getter: an array met before a key step is fanned out
 * over its elements, or narrowed to element `index` when there is one. An element of a fan-out that lacks the rest
 * of the path leaves a hole (`undefined`) that the caller skips or rejects. Returns `undefined` (not available) when
 * the path is missing outside a fan-out or the index is out of range.
 */
function collect(root: unknown, path: readonly string[], index: number | undefined, from = 0): unknown[] | undefined {
  let value = root;
  for (let step = from; step < path.length; step++) {
    if (Array.isArray(value)) {
      if (index === undefined) return fanOut(value, path, step);
      value = value[index]; // out of range: undefined, so not available below
    }
    value = member(value, path[step] as string);
    if (value === undefined) return undefined;
  }
  return [value];
}

function fanOut(elements: readonly unknown[], path: readonly string[], step: number): unknown[] {
  const values: unknown[] = [];
  for (const element of elements) {
    const found = collect(element, path, undefined, step);
    if (found === undefined) values.push(undefined);
    else for (const value of found) values.push(value); // push(...found) overflows the stack on huge lists
  }
  return values;
}

/** The elements of the array at `path`, or element `index` only; `undefined` when not an array or out of range. */
function elementsAt(root: unknown, path: readonly string[], index: number | undefined): readonly unknown[] | undefined {
  return elementsOf(valueAt(root, path), index);
}

function elementsOf(array: unknown, index: number | undefined): readonly unknown[] | undefined {
  if (!Array.isArray(array)) return undefined;
  if (index === undefined) return array;
  return index < array.length ? [array[index]] : undefined;
}

/** A list result: an empty list is "not available" (libs treats a zero-length list as a missing field). */
function nonEmpty(values: readonly string[] | undefined): FieldValue {
  return values !== undefined && values.length > 0 ? values : undefined;
}

/** The texts of the values found, holes skipped. */
function presentTexts(found: readonly unknown[] | undefined): FieldValue {
  if (found === undefined) return undefined;
  const texts: string[] = [];
  for (const value of found) if (value !== undefined) texts.push(jsonText(value));
  return nonEmpty(texts);
}

/** The texts of the values found, or nothing if any element lacked the value (the plugin errors out there). */
function allTexts(found: readonly unknown[] | undefined): string[] | undefined {
  if (found === undefined || found.includes(undefined)) return undefined;
  return found.map(jsonText);
}

/** The repository of an image reference: cut at the first `:` (which also drops a registry port), then at `@`. */
function imageRepository(image: string): string {
  const colon = image.indexOf(':');
  const name = colon < 0 ? image : image.slice(0, colon);
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

// ---------------------------------------------------------------------------------------------------------------
// Query strings, close to Go's url.Parse + url.ParseQuery

const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const utf8 = new TextDecoder();

/** Go's QueryUnescape: `+` is a space, `%XX` a byte (runs decoded as UTF-8); a malformed escape fails. */
function unescapeQueryComponent(text: string): string | undefined {
  if (BAD_ESCAPE.test(text)) return undefined;
  return text
    .replaceAll('+', ' ')
    .replace(PERCENT_RUN, (run) => utf8.decode(Uint8Array.from(run.slice(1).split('%'), (hex) => parseInt(hex, 16))));
}

/**
 * The first value of query parameter `key` in a request URI. As in Go, the fragment is dropped, a URI with a control
 * character does not parse, and pairs containing `;` or a malformed escape are invalid. Differs from Falco: the
 * plugin drops the whole field when any pair is invalid (ParseQuery's error); Peregrine only skips that pair, as
 * Go's `URL.Query()` and the API server do, so an extra malformed pair cannot hide a parameter from a rule.
 */
function queryParam(uri: string, key: string): string | undefined {
  if (CONTROL_CHAR.test(uri)) return undefined;
  const hash = uri.indexOf('#');
  const withoutFragment = hash < 0 ? uri : uri.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  if (question < 0) return undefined;
  for (const pair of withoutFragment.slice(question + 1).split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const equals = pair.indexOf('=');
    if (unescapeQueryComponent(equals < 0 ? pair : pair.slice(0, equals)) !== key) continue;
    const value = unescapeQueryComponent(equals < 0 ? '' : pair.slice(equals + 1));
    if (value !== undefined) return value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Field shapes

/** A plain string field: the value at a path of members, as text. */
function scalar(name: string, path: readonly string[], desc: string): KaSpec {
  return fromPath(name, desc, path, textOf);
}

function textOf(value: unknown): FieldValue {
  return value === undefined ? undefined : jsonText(value);
}

/** A field computed from the value at one path of members; its reader on the event object is the same function. */
function fromPath(name: string, desc: string, path: readonly string[], read: SlotReading['read']): KaSpec {
  const reading: SlotReading = { path, read };
  return { name, desc, isList: false, arg: 'none', reads: [path], read: (json, event) => read(valueAt(json, path), event), slot: () => reading };
}

/** A list field without argument: the array at a path, each element as text (not an array: not available). */
function arrayField(name: string, path: readonly string[], desc: string): KaSpec {
  return { ...fromPath(name, desc, path, (value) => (Array.isArray(value) ? nonEmpty(value.map(jsonText)) : undefined)), isList: true };
}

/** A list field with an optional index: the values at `path` (see `collect`), missing ones skipped. */
function indexedPath(name: string, path: readonly string[], desc: string): KaSpec {
  return indexedSpec(name, desc, [path], (index) => (json) => presentTexts(collect(json, path, index)));
}

/** The elements of the array at `path` (optionally only element [N]), each as text. */
function indexedElements(name: string, path: readonly string[], desc: string): KaSpec {
  const read = (index: number | undefined) => (value: unknown) => presentTexts(elementsOf(value, index));
  return {
    ...indexedSpec(name, desc, [path], (index) => (json) => read(index)(valueAt(json, path))),
    slot: (arg) => ({ path, read: read(parseIndex(name, arg)) }),
  };
}

function indexedSpec(name: string, desc: string, reads: Paths, read: (index: number | undefined) => Reader): KaSpec {
  return { name, desc, isList: true, arg: 'index', reads, read };
}

function keyed(name: string, desc: string, reads: Paths, read: (key: string) => Reader): KaSpec {
  return { name, desc, isList: false, arg: 'key', reads, read };
}

/** A field with a key argument computed from the value at one path of members. */
function keyedFromPath(name: string, desc: string, path: readonly string[], read: (key: string) => SlotReading['read']): KaSpec {
  return {
    name, desc, isList: false, arg: 'key', reads: [path],
    read: (key) => {
      const fromValue = read(key);
      return (json, event) => fromValue(valueAt(json, path), event);
    },
    slot: (key) => ({ path, read: read(key ?? '') }),
  };
}

/** `requestObject.rules[].<key>[]` flattened into one list; rules whose member is not an array add nothing. */
function ruleMembers(name: string, key: string, desc: string): KaSpec {
  return indexedSpec(name, desc, [['requestObject', 'rules', key]], (index) => (json) => {
    const found = collect(json, ['requestObject', 'rules', key], index);
    if (found === undefined) return undefined;
    const texts: string[] = [];
    for (const value of found) {
      if (Array.isArray(value)) for (const element of value) texts.push(jsonText(element));
    }
    return nonEmpty(texts);
  });
}

/** The names of the binding's subjects of one kind, rendered by `render` (which may skip a subject). */
function subjectNames(name: string, kind: string, desc: string, render: (subject: unknown) => string | undefined): KaSpec {
  return {
    name,
    desc,
    isList: true,
    arg: 'none',
    reads: [['requestObject', 'subjects']],
    read: (json) => {
      const subjects = valueAt(json, ['requestObject', 'subjects']);
      if (!Array.isArray(subjects)) return undefined;
      const names: string[] = [];
      for (const subject of subjects) {
        if (member(subject, 'kind') !== kind) continue;
        const rendered = render(subject);
        if (rendered !== undefined) names.push(rendered);
      }
      return nonEmpty(names);
    },
  };
}

function subjectName(subject: unknown): string | undefined {
  const name = member(subject, 'name');
  return name === undefined ? undefined : jsonText(name);
}

function namespacedSubjectName(subject: unknown): string | undefined {
  const name = member(subject, 'name');
  const namespace = member(subject, 'namespace');
  return name === undefined || namespace === undefined ? undefined : `${jsonText(namespace)}:${jsonText(name)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Container lists: `containers`, `initContainers` and `ephemeralContainers` share one generator

/** One of the pod spec's container lists, as its field family needs it. */
interface ContainerList {
  /** The pod spec member holding the list; also the field name segment (`ka.req.pod.<key>.*`). */
  readonly key: 'containers' | 'initContainers' | 'ephemeralContainers';
  /** How descriptions call the list's members. */
  readonly noun: string;
  /** Ephemeral containers may not declare ports, so the plugin has no `host_port` field for them. */
  readonly hasPorts: boolean;
}

/** The values of `subPath` in each container of the list (see `collect`). */
function inContainers(list: ContainerList, subPath: readonly string[], json: AuditJson, index: number | undefined) {
  return collect(json, [...REQUEST_SPEC, list.key, ...subPath], index);
}

/** Each container's `command`/`args` array joined with spaces; containers without it add nothing. */
function joinedWords(list: ContainerList, key: string) {
  return (index: number | undefined): Reader =>
    (json) => {
      const found = inContainers(list, [key], json, index);
      if (found === undefined) return undefined;
      const lines: string[] = [];
      for (const words of found) {
        if (words === undefined) continue;
        if (!Array.isArray(words)) return undefined;
        lines.push(words.map(jsonText).join(' '));
      }
      return nonEmpty(lines);
    };
}

/**
 * Each container's effective user (group) id: its own `securityContext.<id>`, else the pod's
 * `spec.securityContext.<id>`, else "0". Differs from Falco: the plugin reads `<id>` directly under the container
 * and under `spec` (no `securityContext`), so on real pods it always yields "0".
 */
function effectiveIds(list: ContainerList, id: 'runAsUser' | 'runAsGroup') {
  return (index: number | undefined): Reader =>
    (json) => {
      const containers = elementsAt(json, [...REQUEST_SPEC, list.key], index);
      if (containers === undefined) return undefined;
      const podValue = valueAt(json, [...REQUEST_SPEC, 'securityContext', id]);
      const fallback = podValue === undefined ? '0' : jsonText(podValue);
      return nonEmpty(
        containers.map((container) => {
          const own = valueAt(container, ['securityContext', id]);
          return own === undefined ? fallback : jsonText(own);
        }),
      );
    };
}

/** Each declared port's `hostPort`, else its `containerPort` (which is the host port under hostNetwork). */
function hostPorts(list: ContainerList) {
  return (index: number | undefined): Reader =>
    (json) => {
      const found = inContainers(list, ['ports'], json, index);
      if (found === undefined) return undefined;
      const ports: string[] = [];
      for (const declared of found) {
        if (declared === undefined) continue;
        if (!Array.isArray(declared)) return undefined;
        for (const port of declared) {
          const value = member(port, 'hostPort') ?? member(port, 'containerPort');
          if (value !== undefined) ports.push(jsonText(value));
        }
      }
      return nonEmpty(ports);
    };
}

/** The `ka.req.pod.<list>.*` family: 15 fields, 14 for ephemeral containers (no ports). */
function containerListFields(list: ContainerList): KaSpec[] {
  const prefix = `ka.req.pod.${list.key}.`;
  const of = `the pod's ${list.noun}s`;
  // What each field reads: one member of every container (the list's length and its elements' kinds come with it,
  // as the plan keeps arrays whole and prunes their elements); the effective ids also read the pod's own value.
  const each = (...subPath: string[]): Paths => [[...REQUEST_SPEC, list.key, ...subPath]];
  const ids = (id: string): Paths => [...each('securityContext', id), [...REQUEST_SPEC, 'securityContext', id]];
  const securityContext = (suffix: string, subPath: readonly string[], what: string): KaSpec =>
    indexedPath(
      prefix + suffix,
      [...REQUEST_SPEC, list.key, 'securityContext', ...subPath],
      `${what} of ${of}, from their securityContext.${subPath.join('.')}.`,
    );
  const every = (key: string, index: number | undefined, json: AuditJson) => allTexts(inContainers(list, [key], json, index));
  const fields: KaSpec[] = [
    indexedSpec(`${prefix}name`, `Names of ${of}.`, each('name'), (index) => (json) => nonEmpty(every('name', index, json))),
    indexedSpec(`${prefix}image`, `Images of ${of}.`, each('image'), (index) => (json) => nonEmpty(every('image', index, json))),
    indexedSpec(
      `${prefix}image.repository`,
      `Image repositories of ${of}: each image cut at its first ':', then at its first '@'.`,
      each('image'),
      (index) => (json) => nonEmpty(every('image', index, json)?.map(imageRepository)),
    ),
    indexedSpec(`${prefix}command`, `Commands of ${of}, words joined by spaces, one entry per ${list.noun} that sets one.`, each('command'), joinedWords(list, 'command')),
    indexedSpec(`${prefix}args`, `Arguments of ${of}, joined by spaces, one entry per ${list.noun} that sets them.`, each('args'), joinedWords(list, 'args')),
    securityContext('privileged', ['privileged'], 'Privileged flags'),
    securityContext('allow_privilege_escalation', ['allowPrivilegeEscalation'], 'Privilege escalation flags'),
    securityContext('read_only_fs', ['readOnlyRootFilesystem'], 'Read-only root filesystem flags'),
    securityContext('run_as_user', ['runAsUser'], 'User ids'),
    indexedSpec(`${prefix}eff_run_as_user`, `Effective user ids of ${of}: each one's securityContext.runAsUser, else the pod's, else 0.`, ids('runAsUser'), effectiveIds(list, 'runAsUser')),
    securityContext('run_as_group', ['runAsGroup'], 'Group ids'),
    indexedSpec(`${prefix}eff_run_as_group`, `Effective group ids of ${of}: each one's securityContext.runAsGroup, else the pod's, else 0.`, ids('runAsGroup'), effectiveIds(list, 'runAsGroup')),
    securityContext('proc_mount', ['procMount'], 'Proc mount types'),
    // Not flattened: each container's `add` array is one entry, as compact JSON (`["NET_ADMIN","SYS_TIME"]`).
    indexedPath(
      `${prefix}add_capabilities`,
      [...REQUEST_SPEC, list.key, 'securityContext', 'capabilities', 'add'],
      `Capabilities added by ${of}, one compact JSON array per ${list.noun} (securityContext.capabilities.add).`,
    ),
  ];
  if (list.hasPorts) {
    fields.push(indexedSpec(`${prefix}host_port`, `Host ports of ${of}: each declared port's hostPort, else its containerPort.`, each('ports'), hostPorts(list)));
  }
  return fields;
}

const CONTAINERS: ContainerList = { key: 'containers', noun: 'container', hasPorts: true };
const INIT_CONTAINERS: ContainerList = { key: 'initContainers', noun: 'init container', hasPorts: true };
const EPHEMERAL_CONTAINERS: ContainerList = { key: 'ephemeralContainers', noun: 'ephemeral container', hasPorts: false };

/** The first container's image: the plugin reads it as `ka.req.pod.containers.image[0]`. */
function firstImage(json: AuditJson): string | undefined {
  return allTexts(inContainers(CONTAINERS, ['image'], json, 0))?.[0];
}

// ---------------------------------------------------------------------------------------------------------------
// The table

const SPECS: readonly KaSpec[] = [
  scalar('ka.auditid', ['auditID'], 'The audit event id.'),
  scalar('ka.stage', ['stage'], 'The stage of the request (RequestReceived, ResponseStarted, ResponseComplete, Panic).'),
  scalar('ka.auth.decision', ['annotations', 'authorization.k8s.io/decision'], 'The authorization decision (the authorization.k8s.io/decision annotation).'),
  scalar('ka.auth.reason', ['annotations', 'authorization.k8s.io/reason'], 'The reason of the authorization decision (the authorization.k8s.io/reason annotation).'),
  scalar('ka.auth.openshift.decision', ['annotations', 'authentication.openshift.io/decision'], 'The OpenShift authentication decision (the authentication.openshift.io/decision annotation).'),
  scalar('ka.validations.admission.policy.failure', ['annotations', 'validation.policy.admission.k8s.io/validation_failure'], 'The validating admission policy failures (the validation.policy.admission.k8s.io/validation_failure annotation).'),
  scalar('ka.security.pod.violations', ['annotations', 'pod-security.kubernetes.io/audit-violations'], 'The pod security standard violations (the pod-security.kubernetes.io/audit-violations annotation).'),
  scalar('ka.auth.openshift.username', ['annotations', 'authentication.openshift.io/username'], 'The OpenShift user name (the authentication.openshift.io/username annotation).'),
  scalar('ka.user.name', ['user', 'username'], 'The user name performing the request.'),
  arrayField('ka.user.groups', ['user', 'groups'], 'The groups of the user performing the request.'),
  scalar('ka.impuser.name', ['impersonatedUser', 'username'], 'The impersonated user name.'),
  scalar('ka.verb', ['verb'], 'The action being performed (get, list, create, update, patch, delete, ...).'),
  scalar('ka.uri', ['requestURI'], 'The request URI as sent from client to server.'),
  keyedFromPath('ka.uri.param', 'The first value of a query parameter of the request URI, e.g. ka.uri.param[command].', ['requestURI'],
    (key) => (uri) => (uri === undefined ? undefined : queryParam(jsonText(uri), key))),
  scalar('ka.target.name', ['objectRef', 'name'], 'The target object name.'),
  scalar('ka.target.namespace', ['objectRef', 'namespace'], 'The target object namespace.'),
  scalar('ka.target.resource', ['objectRef', 'resource'], 'The target object resource.'),
  scalar('ka.target.subresource', ['objectRef', 'subresource'], 'The target object subresource.'),
  {
    name: 'ka.target.pod.name',
    desc: 'The name of the pod the request acted on: the response object name, for requests on pods without subresource.',
    isList: false,
    arg: 'none',
    reads: [['objectRef', 'subresource'], ['objectRef', 'resource'], ['responseObject', 'metadata', 'name']],
    read: (json) => {
      const subresource = valueAt(json, ['objectRef', 'subresource']);
      if (valueAt(json, ['objectRef', 'resource']) !== 'pods' || (subresource !== undefined && subresource !== '')) return undefined;
      const name = valueAt(json, ['responseObject', 'metadata', 'name']);
      return name === undefined ? undefined : jsonText(name);
    },
  },
  arrayField('ka.req.binding.subjects', ['requestObject', 'subjects'], 'The subjects of a role binding, each as compact JSON.'),
  subjectNames('ka.req.binding.subjects.user_names', 'User', 'The names of the User subjects of a role binding.', subjectName),
  subjectNames('ka.req.binding.subjects.serviceaccount_names', 'ServiceAccount', 'The names of the ServiceAccount subjects of a role binding.', subjectName),
  subjectNames('ka.req.binding.subjects.serviceaccount_ns_names', 'ServiceAccount', 'The namespace:name of the ServiceAccount subjects of a role binding that have a namespace.', namespacedSubjectName),
  subjectNames('ka.req.binding.subjects.group_names', 'Group', 'The names of the Group subjects of a role binding.', subjectName),
  scalar('ka.req.binding.role', ['requestObject', 'roleRef', 'name'], 'The role a binding refers to.'),
  // Deprecated upstream: documented as N/A, but the plugin (like Falco's original implementation) always says "true".
  keyed('ka.req.binding.subject.has_name', 'Deprecated: always "true", whatever the name; kept for backwards compatibility.', [], () => () => 'true'),
  scalar('ka.req.configmap.name', ['objectRef', 'name'], 'The name of the configmap of the request.'),
  scalar('ka.req.configmap.obj', ['requestObject', 'data'], 'The data of the configmap of the request, as compact JSON.'),
  ...containerListFields(CONTAINERS),
  {
    name: 'ka.req.container.image',
    desc: 'The image of the pod\'s first container.',
    isList: false,
    arg: 'none',
    reads: [[...REQUEST_SPEC, 'containers', 'image']],
    read: firstImage,
  },
  {
    name: 'ka.req.container.image.repository',
    desc: 'The image repository of the pod\'s first container.',
    isList: false,
    arg: 'none',
    reads: [[...REQUEST_SPEC, 'containers', 'image']],
    read: (json) => {
      const image = firstImage(json);
      return image === undefined ? undefined : imageRepository(image);
    },
  },
  scalar('ka.req.pod.host_ipc', [...REQUEST_SPEC, 'hostIPC'], 'The pod\'s hostIPC flag.'),
  scalar('ka.req.pod.host_network', [...REQUEST_SPEC, 'hostNetwork'], 'The pod\'s hostNetwork flag.'),
  scalar('ka.req.container.host_network', [...REQUEST_SPEC, 'hostNetwork'], 'The pod\'s hostNetwork flag (the same value as ka.req.pod.host_network).'),
  scalar('ka.req.pod.host_pid', [...REQUEST_SPEC, 'hostPID'], 'The pod\'s hostPID flag.'),
  {
    name: 'ka.req.container.privileged',
    desc: '"true" when any of the pod\'s containers is privileged, else "false".',
    isList: false,
    arg: 'none',
    reads: [[...REQUEST_SPEC, 'containers', 'securityContext', 'privileged']],
    read: (json) => {
      const found = inContainers(CONTAINERS, ['securityContext', 'privileged'], json, undefined);
      if (found === undefined) return undefined;
      return found.includes(true) ? 'true' : 'false';
    },
  },
  scalar('ka.req.pod.run_as_user', [...REQUEST_SPEC, 'securityContext', 'runAsUser'], 'The pod\'s user id (spec.securityContext.runAsUser).'),
  scalar('ka.req.pod.run_as_group', [...REQUEST_SPEC, 'securityContext', 'runAsGroup'], 'The pod\'s group id (spec.securityContext.runAsGroup).'),
  arrayField('ka.req.role.rules', ['requestObject', 'rules'], 'The rules of a role, each as compact JSON.'),
  ruleMembers('ka.req.role.rules.apiGroups', 'apiGroups', 'The API groups of a role\'s rules, flattened.'),
  ruleMembers('ka.req.role.rules.nonResourceURLs', 'nonResourceURLs', 'The non-resource URLs of a role\'s rules, flattened.'),
  ruleMembers('ka.req.role.rules.verbs', 'verbs', 'The verbs of a role\'s rules, flattened.'),
  ruleMembers('ka.req.role.rules.resources', 'resources', 'The resources of a role\'s rules, flattened.'),
  scalar('ka.req.pod.fs_group', [...REQUEST_SPEC, 'securityContext', 'fsGroup'], 'The pod\'s fsGroup (spec.securityContext.fsGroup).'),
  arrayField('ka.req.pod.supplemental_groups', [...REQUEST_SPEC, 'securityContext', 'supplementalGroups'], 'The pod\'s supplemental groups.'),
  scalar('ka.req.service.type', [...REQUEST_SPEC, 'type'], 'The type of the service of the request.'),
  indexedElements('ka.req.service.ports', [...REQUEST_SPEC, 'ports'], 'The ports of the service of the request, each as compact JSON.'),
  indexedPath('ka.req.pod.volumes.hostpath', [...REQUEST_SPEC, 'volumes', 'hostPath', 'path'], 'The host paths of the pod\'s hostPath volumes.'),
  // Differs from Falco: the plugin narrows the volumes with the request's index, which is 0 for a key argument, so it
  // only ever inspects the first volume; Peregrine inspects every volume, as the field is documented.
  keyed('ka.req.volume.hostpath', '"true" when a hostPath volume of the pod mounts the given path (a trailing * matches a prefix), else "false".', [[...REQUEST_SPEC, 'volumes']], (key) => {
    const prefix = key.endsWith('*') ? key.slice(0, -1) : undefined;
    return (json) => {
      const found = collect(json, [...REQUEST_SPEC, 'volumes', 'hostPath', 'path'], undefined);
      if (found === undefined) return undefined;
      const paths = found.filter((path) => path !== undefined).map(jsonText);
      return paths.some((path) => path === key || (prefix !== undefined && path.startsWith(prefix))) ? 'true' : 'false';
    };
  }),
  indexedPath('ka.req.pod.volumes.flexvolume_driver', [...REQUEST_SPEC, 'volumes', 'flexVolume', 'driver'], 'The drivers of the pod\'s flexVolume volumes.'),
  indexedSpec('ka.req.pod.volumes.volume_type', 'The volume types of the pod\'s volumes: every member of each volume except its name (hostPath, configMap, ...).', [[...REQUEST_SPEC, 'volumes']], (index) => (json) => {
    const volumes = elementsAt(json, [...REQUEST_SPEC, 'volumes'], index);
    if (volumes === undefined) return undefined;
    const types: string[] = [];
    for (const volume of volumes) {
      if (typeof volume !== 'object' || volume === null || Array.isArray(volume)) continue;
      for (const key of Object.keys(volume)) if (key !== 'name') types.push(key);
    }
    return nonEmpty(types);
  }),
  scalar('ka.resp.name', ['responseObject', 'metadata', 'name'], 'The name of the object in the response.'),
  scalar('ka.response.code', ['responseStatus', 'code'], 'The response code.'),
  scalar('ka.response.reason', ['responseStatus', 'reason'], 'The response reason (usually set only for failures).'),
  scalar('ka.useragent', ['userAgent'], 'The user agent of the client.'),
  // Differs from Falco: the plugin reads `requestObject.rules[].sourceIPs`, which never exists; this is the event's
  // own `sourceIPs`.
  indexedElements('ka.sourceips', ['sourceIPs'], 'The IP addresses the request came from, with intermediate proxies.'),
  // Differs from Falco: the plugin only has the annotation; a cluster that ingest assigned (from the endpoint or
  // topic the event came in by) is more reliable.
  fromPath('ka.cluster.name', 'The cluster of the event: the one ingest assigned, else the cluster_name annotation.', ['annotations', 'cluster_name'],
    (annotated, event) => (event.cluster !== undefined && event.cluster !== '' ? event.cluster : textOf(annotated))),
  ...containerListFields(INIT_CONTAINERS),
  ...containerListFields(EPHEMERAL_CONTAINERS),
];

// ---------------------------------------------------------------------------------------------------------------
// From declarations to FieldInfo

function parseIndex(name: string, arg: string | undefined): number | undefined {
  if (arg === undefined) return undefined;
  if (!DIGITS.test(arg)) throw new FieldArgError(`field '${name}' takes an optional numeric index, not '${arg}'`);
  return Number(arg);
}

function buildReader(spec: KaSpec, arg: string | undefined): Reader {
  switch (spec.arg) {
    case 'none':
      if (arg !== undefined) throw new FieldArgError(`field '${spec.name}' does not take an argument`);
      return spec.read;
    case 'index':
      return spec.read(parseIndex(spec.name, arg));
    case 'key':
      if (arg === undefined || arg === '') throw new FieldArgError(`field '${spec.name}' requires a key argument, e.g. ${spec.name}[name]`);
      return spec.read(arg);
  }
}

/** Every `ka.*` field is unavailable on an event without `auditID`, whatever else the event holds. */
function requireAuditId(read: Reader): Extractor {
  return notThrowing((event) => (Object.hasOwn(event.json, 'auditID') ? read(event.json, event) : undefined));
}

function toFieldInfo(spec: KaSpec): FieldInfo {
  const slot = spec.slot;
  return {
    name: spec.name,
    type: 'string',
    isList: spec.isList,
    arg: spec.arg,
    desc: spec.desc,
    compile: (arg) => {
      const viaJson = requireAuditId(buildReader(spec, arg)); // checks the argument first
      if (slot === undefined) return viaJson;
      const { path, read } = slot(arg);
      return slotted(slotOf(path), read, viaJson, SLOT_AUDIT_ID);
    },
    reads: () => [['auditID'], ...spec.reads],
    ...(slot === undefined ? {} : { slot: (arg: string | undefined) => slotOf(slot(arg).path) }),
  };
}

/**
 * The 100 `ka.*` fields, in the plugin's README order except that each container family is one generated block:
 * `ka.req.pod.containers.*` where the plugin lists its first member, then the init and ephemeral families last.
 */
export const k8sAuditFields: readonly FieldInfo[] = SPECS.map(toFieldInfo);
