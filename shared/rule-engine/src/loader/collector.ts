/**
 * Items -> the merged set of lists, macros and rules, with Falco's definition semantics: a redefinition replaces in
 * place (keeping the original load order), `append: true` and `override: {key: append|replace}` extend or replace an
 * existing definition, `enabled` alone toggles a rule, and unknown keys are warnings. Order matters twice: a rule's
 * index (first definition) is its evaluation order, and a list's or macro's index/visibility decide which other lists
 * and macros it may use (see compile-lists.ts and expand-macros.ts).
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { parsePriority, type Priority } from '../priority.js';
import { LocatedText } from './located-text.js';
import { type Item, locate, scalarText } from './reader.js';

export interface ListInfo {
  readonly name: string;
  items: LocatedText[];
  readonly index: number;
  visibility: number;
  readonly origin: number;
  used: boolean;
}

export interface MacroInfo {
  readonly name: string;
  condition: LocatedText;
  readonly index: number;
  visibility: number;
  readonly origin: number;
  used: boolean;
}

/** One tuple element of an exception's values: a scalar, or a list of scalars. */
export type ExceptionValue = LocatedText | readonly LocatedText[];

export interface ExceptionInfo {
  readonly name: string;
  /** The fields; `singleField` is the form `fields: ka.user.name` (one field, flat values, default comp `in`). */
  readonly fields: readonly LocatedText[];
  readonly singleField: boolean;
  readonly comps: readonly LocatedText[];
  /** Tuples, each as long as `fields` (in the single-field form each tuple has one element). */
  values: ExceptionValue[][];
  readonly origin: number;
}

export interface RuleInfo {
  readonly name: string;
  desc: string;
  condition: LocatedText;
  output: LocatedText;
  priority: Priority;
  source: string;
  tags: string[];
  enabled: boolean;
  exceptions: ExceptionInfo[];
  skipIfUnknownFilter: boolean;
  /** Defined in a file that requires an engine older than 0.15: legacy operator rules apply (see compile.ts). */
  legacy: boolean;
  readonly index: number;
  readonly origin: number;
}

/** Rule sources we know. `syscall` rules load (so Falco's main rules file loads) but are never evaluated here. */
export const AUDIT_SOURCE = 'k8s_audit';
export const KNOWN_SOURCES = new Set([AUDIT_SOURCE, 'syscall']);

const LIST_KEYS = new Set(['list', 'items', 'append', 'override']);
const MACRO_KEYS = new Set(['macro', 'condition', 'append', 'override']);
const RULE_KEYS = new Set([
  'rule', 'desc', 'condition', 'output', 'priority', 'source', 'enabled', 'tags', 'exceptions', 'append', 'override',
  'capture', 'capture_duration', 'warn_evttypes', 'skip-if-unknown-filter',
]);
const RULE_APPENDABLE = new Set(['condition', 'output', 'desc', 'tags', 'exceptions']);
const RULE_REPLACEABLE = new Set([
  'condition', 'output', 'desc', 'priority', 'capture', 'capture_duration', 'tags', 'exceptions', 'enabled',
  'warn_evttypes', 'skip-if-unknown-filter',
]);
const BARE_NAME = /^[^()"'\s=,]+$/;
const IDENTIFIER_NAME = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;

export class Collector {
  readonly lists = new Map<string, ListInfo>();
  readonly macros = new Map<string, MacroInfo>();
  readonly rules = new Map<string, RuleInfo>();
  #counter = 0;

  /** Applies one item; `legacy` is true for files that require an engine older than 0.15. */
  add(item: Item, legacy: boolean): void {
    switch (item.kind) {
      case 'list':
        return this.#addList(item);
      case 'macro':
        return this.#addMacro(item);
      case 'rule':
        return this.#addRule(item, legacy);
      default:
        return; // engine and plugin requirements are read by the loader
    }
  }

  orderedLists(): ListInfo[] {
    return [...this.lists.values()].sort((a, b) => a.index - b.index);
  }

  orderedRules(): RuleInfo[] {
    return [...this.rules.values()].sort((a, b) => a.index - b.index);
  }

  #addList(item: Item): void {
    const name = this.#name(item, 'list');
    if (name === undefined) return;
    item.label = `list '${name}'`;
    warnUnknownKeys(item, LIST_KEYS);
    if (!BARE_NAME.test(name)) item.warn('PG_WARN_RULE_VALUE', `list name '${name}' cannot be used in a condition`);
    const mode = appendMode(item, 'items');
    if (mode === 'invalid') return;
    const items = item.textList('items');
    if (items === undefined) {
      // A present but malformed 'items' has been reported by textList.
      if (!item.has('items')) item.error('PG_ERR_RULE_SCHEMA', `missing required key 'items'`);
      return;
    }
    this.#define('list', this.lists, item, name, mode,
      (position) => ({ name, items, index: position, visibility: position, origin: item.origin, used: false }),
      (list, append) => {
        list.items = append ? [...list.items, ...items] : items;
      });
  }

  #addMacro(item: Item): void {
    const name = this.#name(item, 'macro');
    if (name === undefined) return;
    item.label = `macro '${name}'`;
    warnUnknownKeys(item, MACRO_KEYS);
    if (!IDENTIFIER_NAME.test(name)) {
      item.warn('PG_WARN_RULE_VALUE', `macro name '${name}' is not an identifier and cannot be used in a condition`);
    }
    const mode = appendMode(item, 'condition');
    if (mode === 'invalid') return;
    const condition = item.text('condition', true);
    if (condition === undefined) return;
    this.#define('macro', this.macros, item, name, mode,
      (position) => ({ name, condition, index: position, visibility: position, origin: item.origin, used: false }),
      (macro, append) => {
        macro.condition = append ? joinWithSpace(macro.condition, condition) : condition;
      });
  }

  /**
   * Falco's definition semantics, shared by lists and macros: a plain definition creates the entry, or replaces its
   * value in place (keeping its index, hence its load order); `append` and `override: replace` need an existing entry.
   * Every definition moves the entry's visibility to the current position (see passes/resolve-lists.ts).
   */
  #define<E extends { visibility: number }>(
    kind: 'list' | 'macro', entries: Map<string, E>, item: Item, name: string, mode: 'define' | 'append' | 'replace',
    create: (position: number) => E, update: (entry: E, append: boolean) => void,
  ): void {
    const existing = entries.get(name);
    const position = ++this.#counter;
    if (!existing) {
      if (mode === 'define') entries.set(name, create(position));
      else {
        item.error('PG_ERR_RULE_OVERRIDE',
          `${kind} uses '${mode === 'append' ? 'append' : 'override: replace'}' but no ${kind} named '${name}' exists yet`);
      }
      return;
    }
    update(existing, mode === 'append');
    existing.visibility = position;
  }

  #addRule(item: Item, legacy: boolean): void {
    const name = this.#name(item, 'rule');
    if (name === undefined) return;
    item.label = `rule '${name}'`;
    warnUnknownKeys(item, RULE_KEYS);
    const existing = this.rules.get(name);

    if (item.bool('append') === true && item.has('override')) {
      item.error('PG_ERR_RULE_OVERRIDE', `'append: true' and 'override' cannot be used together`);
      return;
    }
    if (item.has('override')) return this.#overrideRule(item, existing);
    if (item.bool('append') === true) return this.#appendRule(item, existing);

    const defining = ['condition', 'output', 'desc', 'priority'].some((k) => item.has(k));
    if (!defining) {
      if (item.has('enabled')) {
        if (!existing) {
          item.error('PG_ERR_RULE_OVERRIDE', `rule '${name}' is enabled/disabled but no rule by that name exists yet`);
          return;
        }
        item.warn('PG_WARN_RULE_DEPRECATED', `'enabled' without 'override' is deprecated; add 'override: {enabled: replace}'`,
          item.originOf('enabled'));
        const enabled = item.bool('enabled');
        if (enabled !== undefined) existing.enabled = enabled;
        return;
      }
      item.error('PG_ERR_RULE_SCHEMA', `rule '${name}' needs 'condition', 'output', 'desc' and 'priority'`);
      return;
    }

    const condition = item.text('condition', true);
    const output = item.text('output', true);
    const desc = item.text('desc', true);
    // An invalid priority is reported and the rule still compiled (with Debug), so that its other errors show too.
    const priority = readPriority(item) ?? 'Debug';
    const sourceText = item.text('source')?.text.trim();
    const source = sourceText || 'syscall';
    const tags = readTags(item) ?? [];
    const enabled = item.bool('enabled') ?? true;
    const exceptions = readExceptions(item, true) ?? [];
    const skipIfUnknownFilter = item.bool('skip-if-unknown-filter') ?? false;
    if (!condition || !output || !desc) return;

    if (!KNOWN_SOURCES.has(source)) {
      item.warn('PG_WARN_RULE_SOURCE', `unknown source '${source}': the rule is skipped`, item.originOf('source'));
      return;
    }
    // Falco: a redefinition without `source:` means `syscall`, so it must not silently turn an audit rule into one.
    if (existing && existing.source !== source) {
      item.error('PG_ERR_RULE_OVERRIDE',
        `rule '${name}' re-defined with a different source ('${source}'${sourceText ? '' : ', the default'}; it was '${existing.source}')`);
      return;
    }
    const fields = {
      desc: desc.text, condition, output: trimmed(output), priority, source, tags, enabled, exceptions,
      skipIfUnknownFilter, legacy,
    };
    if (existing) {
      Object.assign(existing, fields);
      return;
    }
    this.rules.set(name, { name, ...fields, index: ++this.#counter, origin: item.origin });
  }

  /** `append: true` (deprecated): adds condition text and/or exception values to an existing rule. */
  #appendRule(item: Item, existing: RuleInfo | undefined): void {
    item.warn('PG_WARN_RULE_DEPRECATED', `'append: true' is deprecated; use 'override: {condition: append}'`,
      item.originOf('append'));
    if (!existing) {
      item.error('PG_ERR_RULE_OVERRIDE', `rule uses 'append' but no rule by that name exists yet`);
      return;
    }
    if (!item.has('condition') && !item.has('exceptions')) {
      item.error('PG_ERR_RULE_OVERRIDE', `appending to a rule needs 'condition' or 'exceptions'`);
      return;
    }
    const condition = item.text('condition');
    if (condition) existing.condition = joinWithSpace(existing.condition, condition);
    const exceptions = readExceptions(item, false);
    if (exceptions) appendExceptions(item, existing, exceptions);
  }

  /** `override: {key: append|replace}` on an existing rule. */
  #overrideRule(item: Item, existing: RuleInfo | undefined): void {
    const node = item.node('override');
    if (!node || !isMap(node)) {
      item.error('PG_ERR_RULE_SCHEMA', `'override' must be a map of key: append|replace`, item.originOf('override'));
      return;
    }
    const modes = new Map<string, 'append' | 'replace'>();
    for (const pair of node.items) {
      const key = scalarText(item.file, pair.key as Node) ?? '';
      const mode = scalarText(item.file, pair.value as Node);
      const at = item.file.origin((pair.key as Node).range?.[0] ?? 0);
      if (mode !== 'append' && mode !== 'replace') {
        item.error('PG_ERR_RULE_OVERRIDE', `override of '${key}' must be 'append' or 'replace'`, at);
        return;
      }
      const allowed = mode === 'append' ? RULE_APPENDABLE : RULE_REPLACEABLE;
      if (!allowed.has(key)) {
        item.error('PG_ERR_RULE_OVERRIDE', `key '${key}' cannot be overridden with '${mode}'`, at);
        return;
      }
      if (!item.has(key)) {
        item.error('PG_ERR_RULE_OVERRIDE', `override lists '${key}' but the item has no '${key}'`, at);
        return;
      }
      modes.set(key, mode);
    }
    for (const key of item.keys()) {
      if ((RULE_APPENDABLE.has(key) || RULE_REPLACEABLE.has(key)) && !modes.has(key)) {
        item.error('PG_ERR_RULE_OVERRIDE', `unexpected key '${key}': no corresponding entry under 'override'`,
          item.originOf(key));
        return;
      }
    }
    if (!existing) {
      item.error('PG_ERR_RULE_OVERRIDE', `rule uses 'override' but no rule by that name exists yet`);
      return;
    }
    for (const [key, mode] of modes) this.#applyOverride(item, existing, key, mode);
  }

  #applyOverride(item: Item, rule: RuleInfo, key: string, mode: 'append' | 'replace'): void {
    switch (key) {
      case 'condition': {
        const c = item.text('condition', true);
        if (c) rule.condition = mode === 'append' ? joinWithSpace(rule.condition, c) : c;
        return;
      }
      case 'output': {
        const o = item.text('output', true);
        if (o) rule.output = mode === 'append' ? joinWithSpace(rule.output, trimmed(o)) : trimmed(o);
        return;
      }
      case 'desc': {
        const d = item.text('desc', true);
        if (d) rule.desc = mode === 'append' ? `${rule.desc} ${d.text}` : d.text;
        return;
      }
      case 'tags': {
        const tags = readTags(item);
        if (tags) rule.tags = mode === 'append' ? [...new Set([...rule.tags, ...tags])] : tags;
        return;
      }
      case 'exceptions': {
        const exceptions = readExceptions(item, mode === 'replace');
        if (!exceptions) return;
        if (mode === 'replace') rule.exceptions = exceptions;
        else appendExceptions(item, rule, exceptions);
        return;
      }
      case 'priority': {
        const p = readPriority(item);
        if (p) rule.priority = p;
        return;
      }
      case 'enabled': {
        const e = item.bool('enabled');
        if (e !== undefined) rule.enabled = e;
        return;
      }
      case 'skip-if-unknown-filter': {
        const s = item.bool('skip-if-unknown-filter');
        if (s !== undefined) rule.skipIfUnknownFilter = s;
        return;
      }
      default:
        return; // capture, capture_duration, warn_evttypes: syscall-only settings, accepted and ignored
    }
  }

  #name(item: Item, key: string): string | undefined {
    const name = item.text(key, true)?.text;
    return name === undefined ? undefined : name;
  }
}

/** `append: true`, `override: {<key>: append|replace}`, or a plain definition; errors for contradictions. */
function appendMode(item: Item, key: string): 'define' | 'append' | 'replace' | 'invalid' {
  const append = item.bool('append');
  const override = item.node('override');
  if (append === true && override !== undefined) {
    item.error('PG_ERR_RULE_OVERRIDE', `'append: true' and 'override' cannot be used together`);
    return 'invalid';
  }
  if (append) {
    item.warn('PG_WARN_RULE_DEPRECATED', `'append: true' is deprecated; use 'override: {${key}: append}'`,
      item.originOf('append'));
    return 'append';
  }
  if (override === undefined) return 'define';
  if (!override || !isMap(override) || override.items.length !== 1) {
    item.error('PG_ERR_RULE_OVERRIDE', `'override' must be '{${key}: append}' or '{${key}: replace}'`,
      item.originOf('override'));
    return 'invalid';
  }
  const pair = override.items[0]!;
  const k = scalarText(item.file, pair.key as Node);
  const mode = scalarText(item.file, pair.value as Node);
  if (k !== key || (mode !== 'append' && mode !== 'replace')) {
    item.error('PG_ERR_RULE_OVERRIDE', `'override' must be '{${key}: append}' or '{${key}: replace}'`,
      item.originOf('override'));
    return 'invalid';
  }
  return mode;
}

function warnUnknownKeys(item: Item, known: ReadonlySet<string>): void {
  for (const key of item.keys()) {
    if (!known.has(key)) item.warn('PG_WARN_RULE_UNKNOWN_KEY', `unknown key '${key}', ignored`, item.originOf(key));
  }
}

function readPriority(item: Item): Priority | undefined {
  const text = item.text('priority', true);
  if (!text) return undefined;
  const p = parsePriority(text.text);
  if (!p) {
    item.error('PG_ERR_RULE_PRIORITY',
      `invalid priority '${text.text}' (one of emergency, alert, critical, error, warning, notice, informational/info, debug)`,
      item.originOf('priority'));
  }
  return p;
}

function readTags(item: Item): string[] | undefined {
  return item.textList('tags')?.map((t) => t.text);
}

function trimmed(t: LocatedText): LocatedText {
  const start = t.text.length - t.text.trimStart().length;
  const end = t.text.trimEnd().length;
  return t.slice(start, Math.max(start, end));
}

function joinWithSpace(a: LocatedText, b: LocatedText): LocatedText {
  return LocatedText.concat([a, LocatedText.made(' '), b]);
}

/**
 * Reads `exceptions:`. With `complete` (a definition or a replace), each exception needs `fields`; when appending,
 * an exception may name an existing one and bring only `values`.
 */
function readExceptions(item: Item, complete: boolean): ExceptionInfo[] | undefined {
  const node = item.node('exceptions');
  if (node === undefined || node === null) return undefined;
  if (!isSeq(node)) {
    item.error('PG_ERR_RULE_EXCEPTION', `'exceptions' must be a list`, item.originOf('exceptions'));
    return undefined;
  }
  const out: ExceptionInfo[] = [];
  const seen = new Set<string>();
  for (const entry of node.items as (Node | null)[]) {
    if (!entry) continue;
    const origin = item.file.origin(entry.range?.[0] ?? 0);
    if (!isMap(entry)) {
      item.error('PG_ERR_RULE_EXCEPTION', 'each exception must be a map with name, fields, comps, values', origin);
      continue;
    }
    const get = (k: string) => entry.items.find((p) => scalarText(item.file, p.key as Node) === k)?.value as
      Node | null | undefined;
    for (const p of entry.items) {
      const k = scalarText(item.file, p.key as Node) ?? '';
      if (!['name', 'fields', 'comps', 'values'].includes(k)) {
        item.warn('PG_WARN_RULE_UNKNOWN_KEY', `unknown exception key '${k}', ignored`,
          item.file.origin((p.key as Node).range?.[0] ?? 0));
      }
    }
    const name = scalarText(item.file, get('name'));
    if (!name) {
      item.error('PG_ERR_RULE_EXCEPTION', `an exception needs a 'name'`, origin);
      continue;
    }
    if (seen.has(name)) item.warn('PG_WARN_RULE_EXCEPTION', `exception '${name}' is defined twice`, origin);
    seen.add(name);
    const exc = readOneException(item, name, get, origin, complete);
    if (exc) out.push(exc);
  }
  return out;
}

function readOneException(
  item: Item, name: string, get: (k: string) => Node | null | undefined, origin: number, complete: boolean,
): ExceptionInfo | undefined {
  const fail = (msg: string, at = origin): undefined => {
    item.error('PG_ERR_RULE_EXCEPTION', `exception '${name}': ${msg}`, at);
    return undefined;
  };
  const fieldsNode = get('fields');
  const compsNode = get('comps');
  const valuesNode = get('values');
  const at = (n: Node | null | undefined) => item.file.origin(n?.range?.[0] ?? 0);
  if (fieldsNode === undefined || fieldsNode === null) {
    if (complete) return fail(`needs 'fields'`);
    // Values for an exception of the same name that the rule already has: scalars for a single-field exception,
    // tuples otherwise (checked against the existing exception when appending).
    const scalars = isSeq(valuesNode) && (valuesNode.items as (Node | null)[]).every((v) => v === null || isScalar(v));
    const values = readValues(item, valuesNode, scalars, 0, fail) ?? [];
    return { name, fields: [], singleField: scalars, comps: [], values, origin };
  }
  const singleField = isScalar(fieldsNode);
  const fields = singleField ? [scalarLocated(item, fieldsNode)] : seqOfScalars(item, fieldsNode);
  if (!fields || fields.length === 0) return fail(`'fields' must be a field name or a non-empty list of field names`, at(fieldsNode));
  let comps: LocatedText[];
  if (compsNode === undefined || compsNode === null) {
    comps = fields.map(() => LocatedText.made(singleField ? 'in' : '='));
  } else if (singleField) {
    if (!isScalar(compsNode)) return fail(`with a single field, 'comps' must be one operator`, at(compsNode));
    comps = [scalarLocated(item, compsNode)];
  } else {
    const c = seqOfScalars(item, compsNode);
    if (!c) return fail(`'comps' must be a list of operators`, at(compsNode));
    if (c.length !== fields.length) {
      return fail(`'fields' and 'comps' have different lengths (${fields.length} and ${c.length})`, at(compsNode));
    }
    comps = c;
  }
  if (singleField) {
    const comp = comps[0]!.text.trim();
    if (!['in', 'pmatch', 'intersects'].some((op) => comp === op || comp.startsWith(`${op} `)) &&
        !/\s(oneof|anyof|allof)$/.test(comp)) {
      return fail(`with a single field, 'comps' must be in, pmatch or intersects (got '${comp}')`, comps[0]!.originAt(0));
    }
  }
  const values = readValues(item, valuesNode, singleField, fields.length, fail) ?? [];
  return { name, fields, singleField, comps, values, origin };
}

function readValues(
  item: Item, node: Node | null | undefined, singleField: boolean, width: number, fail: (m: string, at?: number) => undefined,
): ExceptionValue[][] | undefined {
  if (node === undefined || node === null) return [];
  const at = (n: Node | null | undefined) => item.file.origin(n?.range?.[0] ?? 0);
  if (!isSeq(node)) return fail(`'values' must be a list`, at(node));
  const tuples: ExceptionValue[][] = [];
  for (const v of node.items as (Node | null)[]) {
    if (v === null) continue;
    if (singleField) {
      if (!isScalar(v)) return fail(`with a single field, each value must be a scalar`, at(v));
      tuples.push([scalarLocated(item, v)]);
      continue;
    }
    if (!isSeq(v)) return fail(`each value must be a list with one entry per field`, at(v));
    const tuple: ExceptionValue[] = [];
    for (const element of v.items as (Node | null)[]) {
      if (element === null) continue;
      if (isScalar(element)) tuple.push(scalarLocated(item, element));
      else if (isSeq(element)) tuple.push(seqOfScalars(item, element) ?? []);
      else return fail(`a value must be a scalar or a list of scalars`, at(element));
    }
    if (width > 0 && tuple.length !== width) {
      return fail(`a value has ${tuple.length} entries but there are ${width} fields`, at(v));
    }
    tuples.push(tuple);
  }
  return tuples;
}

function appendExceptions(item: Item, rule: RuleInfo, added: readonly ExceptionInfo[]): void {
  for (const exc of added) {
    const existing = rule.exceptions.find((e) => e.name === exc.name);
    if (existing) {
      if (exc.fields.length > 0) {
        item.error('PG_ERR_RULE_EXCEPTION',
          `exception '${exc.name}' exists: appending may only add values, not fields or comps`, exc.origin);
        continue;
      }
      if (exc.singleField !== existing.singleField && exc.values.length > 0) {
        item.error('PG_ERR_RULE_EXCEPTION', existing.singleField
          ? `exception '${exc.name}' has a single field: append scalar values`
          : `exception '${exc.name}' has several fields: append one list per value`, exc.origin);
        continue;
      }
      for (const tuple of exc.values) {
        if (!existing.singleField && tuple.length !== existing.fields.length) {
          item.error('PG_ERR_RULE_EXCEPTION',
            `exception '${exc.name}': a value has ${tuple.length} entries but there are ${existing.fields.length} fields`,
            exc.origin);
          continue;
        }
        existing.values.push(tuple);
      }
      continue;
    }
    if (exc.fields.length === 0) {
      item.error('PG_ERR_RULE_EXCEPTION', `new exception '${exc.name}' needs 'fields' and 'values'`, exc.origin);
      continue;
    }
    rule.exceptions.push(exc);
  }
}

function scalarLocated(item: Item, node: Node): LocatedText {
  return locate(item.file, node, scalarText(item.file, node) ?? '');
}

function seqOfScalars(item: Item, node: Node): LocatedText[] | undefined {
  if (!isSeq(node)) return undefined;
  const out: LocatedText[] = [];
  for (const n of node.items as (Node | null)[]) {
    if (n === null) continue;
    if (!isScalar(n)) return undefined;
    out.push(scalarLocated(item, n));
  }
  return out;
}
