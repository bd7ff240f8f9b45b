/**
 * YAML -> rules-file items. A rules file is one or more YAML documents, each a sequence of maps; each map is one item
 * (`list`, `macro`, `rule`, `required_engine_version`, `required_plugin_versions`). This module only reads shapes and
 * types, with positions; what items mean together (append, override, visibility) is the collector's business.
 */
import {
  type Alias, Composer, type Document, isMap, isScalar, isSeq, LineCounter, type Node, type Pair, Parser, visit, type YAMLMap,
} from 'yaml';
import type { DiagnosticCode } from '../errors.js';
import { LocatedText } from './located-text.js';
import type { SourceFile } from './source-file.js';
import { bracketDepthExceeded, MAX_YAML_DEPTH, tokenDepthExceeded } from './yaml-depth.js';

export type ItemKind = 'list' | 'macro' | 'rule' | 'required_engine_version' | 'required_plugin_versions';
const ITEM_KINDS: readonly ItemKind[] = ['required_engine_version', 'required_plugin_versions', 'list', 'macro', 'rule'];

export interface Report {
  (severity: 'error' | 'warning', code: DiagnosticCode, message: string, origin: number, item?: string): void;
}

/** One map of a rules file, with typed accessors that report problems instead of throwing. */
export class Item {
  constructor(
    readonly kind: ItemKind,
    readonly file: SourceFile,
    readonly map: YAMLMap,
    private readonly report: Report,
    /** `rule 'X'` / `macro 'y'` / `list 'z'`, for diagnostics. */
    public label: string = kind,
  ) {}

  /** Origin of the item (its first key). */
  get origin(): number {
    return this.file.origin(this.map.range?.[0] ?? 0);
  }

  keys(): string[] {
    return this.map.items.map((p) => scalarText(this.file, p.key as Node) ?? '');
  }

  has(key: string): boolean {
    return this.pair(key) !== undefined;
  }

  /** Origin of a key's value (or of the key when the value is empty). */
  originOf(key: string): number {
    const pair = this.pair(key);
    const node = (pair?.value ?? pair?.key) as Node | undefined;
    return this.file.origin(node?.range?.[0] ?? this.map.range?.[0] ?? 0);
  }

  /** A scalar as text, located; undefined (and an error when `required`) when absent or not a scalar. */
  text(key: string, required = false): LocatedText | undefined {
    const pair = this.pair(key);
    const node = pair?.value as Node | null | undefined;
    if (node === undefined || node === null) {
      if (required) this.error('PG_ERR_RULE_SCHEMA', `missing required key '${key}'`, this.origin);
      return undefined;
    }
    const value = scalarText(this.file, node);
    if (value === undefined) {
      this.error('PG_ERR_RULE_SCHEMA', `'${key}' must be a scalar (text)`, this.originOf(key));
      return undefined;
    }
    if (required && value.trim() === '') {
      this.error('PG_ERR_RULE_SCHEMA', `'${key}' must not be empty`, this.originOf(key));
      return undefined;
    }
    return locate(this.file, node, value);
  }

  /** A boolean (`true/false`, and YAML 1.1 `yes/no/on/off` as Falco's yaml-cpp accepts them). */
  bool(key: string): boolean | undefined {
    const t = this.text(key);
    if (t === undefined) return undefined;
    const v = t.text.toLowerCase();
    if (['true', 'yes', 'on', 'y'].includes(v)) return true;
    if (['false', 'no', 'off', 'n'].includes(v)) return false;
    this.error('PG_ERR_RULE_SCHEMA', `'${key}' must be true or false, not '${t.text}'`, this.originOf(key));
    return undefined;
  }

  /** A sequence of scalars (`items`, `tags`); undefined when absent; an error for other shapes. */
  textList(key: string): LocatedText[] | undefined {
    const node = this.pair(key)?.value as Node | null | undefined;
    if (node === undefined) return undefined;
    if (node === null) return [];
    if (!isSeq(node)) {
      this.error('PG_ERR_RULE_SCHEMA', `'${key}' must be a list`, this.originOf(key));
      return undefined;
    }
    const out: LocatedText[] = [];
    for (const child of node.items as (Node | null)[]) {
      if (child === null) continue;
      const value = scalarText(this.file, child);
      if (value === undefined) {
        this.error('PG_ERR_RULE_SCHEMA', `every element of '${key}' must be a scalar`, this.file.origin(child.range?.[0] ?? 0));
        continue;
      }
      out.push(locate(this.file, child, value));
    }
    return out;
  }

  /** The raw YAML node of a key, for structured values (exceptions, override, plugin versions). */
  node(key: string): Node | null | undefined {
    return this.pair(key)?.value as Node | null | undefined;
  }

  error(code: DiagnosticCode, message: string, origin: number = this.origin): void {
    this.report('error', code, message, origin, this.label);
  }

  warn(code: DiagnosticCode, message: string, origin: number = this.origin): void {
    this.report('warning', code, message, origin, this.label);
  }

  private pair(key: string): Pair | undefined {
    return this.map.items.find((p) => scalarText(this.file, p.key as Node) === key);
  }
}

/**
 * Reads one rules file into items, reporting YAML errors and shape errors (a document that is not a sequence, an
 * element that is not a map, an unknown top-level item).
 */
export function readRulesFile(file: SourceFile, report: Report): Item[] {
  const docs = parseYaml(file, report);
  const items: Item[] = [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      // The composer turns a stack overflow into an error of the document; what it means for the user is nesting.
      const message = /call stack/i.test(err.message) ? 'nested too deeply' : firstLine(err.message);
      report('error', 'PG_ERR_RULE_YAML', `invalid YAML: ${message}`, file.origin(err.pos[0]));
    }
    if (doc.errors.length > 0) continue;
    const alias = firstAlias(doc);
    if (alias) {
      // Never resolved: an alias of an alias of ... ("billion laughs") costs nothing here. Without this error, an
      // alias where a value is expected would only be called a value of the wrong type.
      report('error', 'PG_ERR_RULE_YAML', `YAML aliases (*${alias.source}) are not supported in rules files: write the value ` +
        'out where it is used', file.origin(alias.range?.[0] ?? 0));
      continue;
    }
    for (const warning of doc.warnings) {
      report('warning', 'PG_ERR_RULE_YAML', `YAML: ${firstLine(warning.message)}`, file.origin(warning.pos[0]));
    }
    const root = doc.contents as Node | null;
    if (root === null || (isScalar(root) && root.value === null)) continue;
    if (!isSeq(root)) {
      report('error', 'PG_ERR_RULE_SCHEMA', 'a rules file must be a list of items (- rule: ..., - macro: ..., - list: ...)',
        file.origin(root.range?.[0] ?? 0));
      continue;
    }
    for (const element of root.items as (Node | null)[]) {
      if (element === null || (isScalar(element) && element.value === null)) continue;
      if (!isMap(element)) {
        report('error', 'PG_ERR_RULE_SCHEMA', 'each item of a rules file must be a map (key: value)',
          file.origin(element.range?.[0] ?? 0));
        continue;
      }
      const keys = element.items.map((p) => scalarText(file, p.key as Node));
      const kind = ITEM_KINDS.find((k) => keys.includes(k));
      if (!kind) {
        const first = keys[0] ?? '';
        report('warning', 'PG_WARN_RULE_UNKNOWN_ITEM', `unknown top-level item '${first}', ignored`,
          file.origin(element.range?.[0] ?? 0));
        continue;
      }
      items.push(new Item(kind, file, element, report));
    }
  }
  return items;
}

/**
 * The documents of a rules file, as `parseAllDocuments` makes them, but composed only when they nest at most
 * MAX_YAML_DEPTH levels (yaml-depth.ts says why); a deeper file is one error at the spot, and no documents.
 */
function parseYaml(file: SourceFile, report: Report): Document.Parsed[] {
  const tooDeep = (offset: number) => {
    report('error', 'PG_ERR_RULE_YAML', `invalid YAML: nested deeper than ${MAX_YAML_DEPTH} levels`, file.origin(offset));
    return [];
  };
  const brackets = bracketDepthExceeded(file.text);
  if (brackets >= 0) return tooDeep(brackets);
  const lineCounter = new LineCounter();
  const tokens = [...new Parser(lineCounter.addNewLine).parse(file.text)];
  for (const token of tokens) {
    const deep = tokenDepthExceeded(token);
    if (deep >= 0) return tooDeep(deep);
  }
  return [...new Composer({ uniqueKeys: true }).compose(tokens)];
}

function firstAlias(doc: Document.Parsed): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** A scalar node's text: the source text for plain scalars (so `1.0` stays `1.0`), the value for quoted/block ones. */
export function scalarText(file: SourceFile, node: Node | null | undefined): string | undefined {
  if (!node || !isScalar(node)) return undefined;
  if (node.value === null) return '';
  if (node.type === 'PLAIN' && node.range) {
    const src = file.text.slice(node.range[0], node.range[1]);
    if (!src.includes('\n')) return src;
  }
  return typeof node.value === 'string' ? node.value : String(node.value);
}

export function locate(file: SourceFile, node: Node, value: string): LocatedText {
  const [start, end] = node.range ?? [0, 0];
  return LocatedText.fromScalar(value, file, start, end);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
