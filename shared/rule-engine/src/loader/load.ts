/**
 * The loader's pipeline, from rules files to a compiled Ruleset:
 *
 *   files --reader--> items --collector--> lists, macros, rules (merged: append/override/enabled)
 *         --exceptions--> condition text --lists--> text --parser--> AST --macros--> expanded AST
 *         --compiler--> predicate + output formatter + partition keys --> Ruleset
 *
 * Every problem on the way becomes a Diagnostic with its file position; all of them are collected, and any error
 * fails the load. Rules of the `syscall` source (Falco's main rules file) are read and syntax-checked, their lists and
 * macros stay usable, but they are never compiled for audit events.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import { type CompiledOperand, compileExpr } from '../compiler/compile.js';
import { compileOutput } from '../compiler/output.js';
import { ConditionError, type Diagnostic, type DiagnosticCode } from '../errors.js';
import { appendExceptions } from '../passes/exceptions.js';
import { expandMacros, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, type MacroTable } from '../passes/expand-macros.js';
import { summarizeCondition } from '../passes/condition-summary.js';
import { partitionKeys } from '../passes/partition-keys.js';
import { resolveListItems, substituteLists, type ResolvedList } from '../passes/resolve-lists.js';
import { type Priority, priorityRank } from '../priority.js';
import { type CompiledRule, type RuleMatching, Ruleset } from '../runtime/ruleset.js';
import type { OperandReads } from '../fields/types.js';
import type { Expr } from '../syntax/ast.js';
import { parseCondition } from '../syntax/parser.js';
import { relocate } from '../syntax/relocate.js';
import { AUDIT_SOURCE, Collector, type MacroInfo, type RuleInfo } from './collector.js';
import type { LocatedText } from './located-text.js';
import { type Item, readRulesFile, scalarText } from './reader.js';
import { SourceFiles } from './source-file.js';
import { compareVersions, parseVersion, ENGINE_VERSION, PROVIDED_PLUGINS } from './versions.js';

export interface RulesInput {
  /** Shown in diagnostics. */
  readonly path: string;
  readonly text: string;
}

export interface LoadOptions {
  /** Rules less severe than this are loaded but not evaluated (Falco's `priority` setting). Default: Debug. */
  readonly minPriority?: Priority;
  /** Default for `Ruleset.evaluate`. Default: `first`, as Falco. */
  readonly ruleMatching?: RuleMatching;
  /**
   * Index rules by the resources their condition can match (default: true). `false` runs every active rule on every
   * event in load order: the same matches, more work; benchmarks use it to measure what the index saves.
   */
  readonly partition?: boolean;
}

export interface LoadStats {
  readonly files: number;
  readonly lists: number;
  readonly macros: number;
  /** k8s_audit rules, enabled or not. */
  readonly auditRules: number;
  /** k8s_audit rules that will be evaluated (enabled and at or above the minimum priority). */
  readonly activeRules: number;
  /** Active rules that could not be narrowed to resources and run on every event. */
  readonly unpartitionedRules: number;
  /** Rules of other sources (syscall): loaded, never evaluated on audit events. */
  readonly otherSourceRules: number;
}

export interface LoadResult {
  readonly ok: boolean;
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
  /** Present when `ok`. */
  readonly ruleset?: Ruleset | undefined;
  readonly stats: LoadStats;
}

/**
 * Nodes the macros of all the rules of one load may expand to together. Each condition is bounded on its own
 * (MAX_EXPANDED_NODES), but a small file of a few doubling macros and many rules that use them would still make the
 * load take minutes; legitimate rule sets are far below (Falco's k8s audit rules: a few hundred nodes in all).
 */
export const MAX_EXPANDED_NODES_PER_LOAD = 200_000;

/**
 * Characters the conditions of one load may add up to once lists are substituted into them: this many, plus four
 * times the size of the input. Substitution is linear but multiplies (a list of 2000 items used 200 times in a 16 KB
 * file makes 3 MB of conditions, seconds of parsing); legitimate rules stay below their own size (Falco's rules
 * files: 77 KB of conditions for 185 KB of YAML).
 */
export const MAX_SUBSTITUTED_CHARS_BASE = 500_000;

/** Old engines (before 0.15) accepted text operators on list fields; files that require one keep that meaning. */
const LEGACY_ENGINE_BELOW = parseVersion('0.15.0')!;

/** Reads rules files (a directory means its `*.yaml`/`*.yml` files, sorted by name) and loads them in order. */
export async function loadRuleFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const { inputs, errors } = await readRuleInputs(paths);
  const result = loadRules(inputs, options);
  if (errors.length === 0) return result;
  return { ...result, ok: false, ruleset: undefined, errors: [...errors, ...result.errors] };
}

/**
 * Reads rules files into texts, in load order (a directory gives its `*.yaml`/`*.yml` files sorted by name); a path
 * that cannot be read becomes a diagnostic. The evaluator reads once and hands the same texts to every worker.
 */
export async function readRuleInputs(paths: readonly string[]): Promise<{ inputs: RulesInput[]; errors: Diagnostic[] }> {
  const inputs: RulesInput[] = [];
  const errors: Diagnostic[] = [];
  for (const path of paths) {
    try {
      for (const file of await expandPath(path)) inputs.push({ path: file, text: await readFile(file, 'utf8') });
    } catch (err) {
      errors.push({
        severity: 'error', code: 'PG_ERR_RULE_FILE_READ',
        message: `cannot read rules file '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      });
    }
  }
  return { inputs, errors };
}

async function expandPath(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return names.map((n) => join(path, n));
}

/** Loads rules from texts, in order (later files append to and override earlier ones). */
export function loadRules(inputs: readonly RulesInput[], options: LoadOptions = {}): LoadResult {
  return new Load(options).run(inputs);
}

class Load {
  readonly #files = new SourceFiles();
  readonly #collector = new Collector();
  readonly #errors: Diagnostic[] = [];
  readonly #warnings: Diagnostic[] = [];
  readonly #pluginRequirements: { item: Item; node: Node }[] = [];
  readonly #macroAsts = new Map<MacroInfo, Expr | 'failed'>();
  /** The ruleset's field operands, shared by every rule (see CompileContext.operands). */
  readonly #operands = new Map<string, CompiledOperand>();
  #lists: ResolvedList[] = [];
  /** Expanded nodes the rules not yet compiled may still create (MAX_EXPANDED_NODES_PER_LOAD). */
  #expansionBudget = MAX_EXPANDED_NODES_PER_LOAD;
  /** Characters the conditions not yet substituted may still have (MAX_SUBSTITUTED_CHARS_BASE); -1 once exceeded. */
  #substitutionBudget = MAX_SUBSTITUTED_CHARS_BASE;
  #substitutionLimit = MAX_SUBSTITUTED_CHARS_BASE;

  constructor(private readonly options: LoadOptions) {}

  run(inputs: readonly RulesInput[]): LoadResult {
    this.#substitutionLimit = MAX_SUBSTITUTED_CHARS_BASE + 4 * inputs.reduce((a, i) => a + i.text.length, 0);
    this.#substitutionBudget = this.#substitutionLimit;
    for (const input of inputs) {
      const file = this.#files.add(input.path, input.text);
      const items = readRulesFile(file, this.#report);
      const legacy = this.#checkEngineVersions(items);
      for (const item of items) {
        if (item.kind === 'required_plugin_versions') {
          const node = item.node('required_plugin_versions');
          if (node) this.#pluginRequirements.push({ item, node });
        }
        this.#collector.add(item, legacy);
      }
    }
    this.#checkPluginRequirements();

    this.#lists = resolveListItems(this.#collector.orderedLists());
    for (const macro of this.#collector.macros.values()) this.#parsedMacro(macro); // syntax errors in every macro
    const compiled: CompiledRule[] = [];
    let otherSourceRules = 0;
    for (const rule of this.#collector.orderedRules()) {
      if (rule.source !== AUDIT_SOURCE) {
        otherSourceRules++;
        this.#parseOnly(rule);
        continue;
      }
      const c = this.#guarded(rule.origin, `rule '${rule.name}'`, () => this.#compileRule(rule));
      if (c) compiled.push(c);
    }
    this.#warnUnused();

    const min = priorityRank(this.options.minPriority ?? 'Debug');
    const active = compiled.filter((r) => r.enabled && priorityRank(r.priority) <= min);
    const ok = this.#errors.length === 0;
    const ruleset = ok ? new Ruleset(compiled, active, this.options.ruleMatching ?? 'first', this.options.partition ?? true) : undefined;
    return {
      ok,
      errors: this.#errors,
      warnings: this.#warnings,
      ruleset,
      stats: {
        files: inputs.length,
        lists: this.#collector.lists.size,
        macros: this.#collector.macros.size,
        auditRules: compiled.length,
        activeRules: active.length,
        unpartitionedRules: ruleset?.unpartitionedCount ?? 0,
        otherSourceRules,
      },
    };
  }

  readonly #report = (
    severity: 'error' | 'warning', code: DiagnosticCode, message: string, origin: number, item?: string,
  ): void => {
    const d: Diagnostic = { severity, code, message, pos: this.#files.position(origin), item };
    (severity === 'error' ? this.#errors : this.#warnings).push(d);
  };

  /** Checks `required_engine_version` items; returns whether the file asks for a legacy (< 0.15) engine. */
  #checkEngineVersions(items: readonly Item[]): boolean {
    let legacy = false;
    for (const item of items) {
      if (item.kind !== 'required_engine_version') continue;
      const text = item.text('required_engine_version', true)?.text.trim();
      if (text === undefined) continue;
      const required = /^\d+$/.test(text) ? parseVersion(`0.${text}.0`) : parseVersion(text);
      if (!required) {
        item.error('PG_ERR_RULE_ENGINE_VERSION', `required_engine_version '${text}' is not a number or a semantic version`,
          item.originOf('required_engine_version'));
        continue;
      }
      if (required[0] !== ENGINE_VERSION[0] || compareVersions(required, ENGINE_VERSION) > 0) {
        item.error('PG_ERR_RULE_ENGINE_VERSION',
          `rules require engine version ${required.join('.')}, but this engine is ${ENGINE_VERSION.join('.')}`,
          item.originOf('required_engine_version'));
      }
      if (compareVersions(required, LEGACY_ENGINE_BELOW) < 0) legacy = true;
    }
    return legacy;
  }

  /**
   * `required_plugin_versions`: each entry names a plugin and its alternatives; one of them must be one that
   * Peregrine provides the fields of (k8saudit, json), at a compatible version.
   */
  #checkPluginRequirements(): void {
    for (const { item, node } of this.#pluginRequirements) {
      if (!isSeq(node)) {
        item.error('PG_ERR_RULE_SCHEMA', `'required_plugin_versions' must be a list of {name, version}`);
        continue;
      }
      for (const entry of node.items as (Node | null)[]) {
        if (!entry || !isMap(entry)) continue;
        const origin = item.file.origin(entry.range?.[0] ?? 0);
        const options = [entry, ...alternatives(entry)].map((m) => ({
          name: scalarText(item.file, m.get('name', true) as Node) ?? '',
          version: scalarText(item.file, m.get('version', true) as Node) ?? '',
        }));
        const satisfied = options.some(({ name, version }) => {
          const provided = PROVIDED_PLUGINS[name];
          const wanted = parseVersion(version);
          return provided !== undefined && wanted !== undefined &&
            provided[0] === wanted[0] && compareVersions(provided, wanted) >= 0;
        });
        if (!satisfied) {
          const list = options.map((o) => `${o.name} (>= ${o.version})`).join(', ');
          const have = Object.entries(PROVIDED_PLUGINS).map(([n, v]) => `${n} ${v.join('.')}`).join(', ');
          item.error('PG_ERR_RULE_ENGINE_VERSION',
            `plugin requirement not satisfied, must load one of: ${list} (Peregrine provides the fields of ${have})`,
            origin);
        }
      }
    }
  }

  #parsedMacro(macro: MacroInfo): Expr | 'failed' {
    let ast = this.#macroAsts.get(macro);
    if (ast === undefined) {
      const label = `macro '${macro.name}'`;
      const text = this.#substituted(macro.condition, macro.origin, label);
      ast = (text && this.#parseLocated(text, label)) ?? 'failed';
      this.#macroAsts.set(macro, ast);
    }
    return ast;
  }

  /** Parses located text into a relocated AST; reports and returns undefined on a syntax error. */
  #parseLocated(text: LocatedText, label: string): Expr | undefined {
    return this.#guarded(text.originAt(0), label, () => {
      try {
        return relocate(parseCondition(text.text), (pos) => text.originAt(pos));
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        this.#report('error', err.code, err.message, text.originAt(err.offset), label);
        return undefined;
      }
    });
  }

  /**
   * Runs one item's passes so that a RangeError (the stack or a string running out) is an error at the item, not an
   * exception out of the load. The nesting limits of the parser and of macro expansion are there to make this
   * unreachable; it is the last guard, because how much stack is left depends on the caller.
   */
  #guarded<T>(origin: number, label: string, pass: () => T | undefined): T | undefined {
    try {
      return pass();
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.#report('error', 'PG_ERR_RULE_PARSE', `the condition is too large or too deeply nested to compile (${err.message})`,
        origin, label);
      return undefined;
    }
  }

  #conditionText(rule: RuleInfo, label: string): LocatedText | undefined {
    return this.#substituted(appendExceptions(rule.condition, rule.exceptions), rule.origin, label);
  }

  /**
   * Lists substituted into a condition, within what is left of the load's budget (MAX_SUBSTITUTED_CHARS_BASE). Past
   * it, one error (at the item that crossed it) fails the load, and no further condition is substituted.
   */
  #substituted(text: LocatedText, origin: number, label: string): LocatedText | undefined {
    if (this.#substitutionBudget < 0) return undefined;
    const out = substituteLists(text, this.#lists, this.#substitutionBudget);
    if (out === undefined) {
      this.#substitutionBudget = -1;
      this.#report('error', 'PG_ERR_RULE_LIST', `the conditions grow longer than ${this.#substitutionLimit} characters in all ` +
        'once their lists are substituted (a long list used many times); the conditions after this one are not checked',
      text.originAt(0) >= 0 ? text.originAt(0) : origin, label);
      return undefined;
    }
    this.#substitutionBudget -= out.text.length;
    return out;
  }

  /** Rules of other sources: syntax only (their fields are not ours to check). */
  #parseOnly(rule: RuleInfo): void {
    const label = `rule '${rule.name}'`;
    const text = this.#conditionText(rule, label);
    if (text) this.#parseLocated(text, label);
  }

  #compileRule(rule: RuleInfo): CompiledRule | undefined {
    const label = `rule '${rule.name}'`;
    const text = this.#conditionText(rule, label);
    const ast = text && this.#parseLocated(text, label);
    if (!ast) return undefined;
    const problems: ConditionError[] = [];
    const table: MacroTable<MacroInfo> = {
      get: (name) => this.#collector.macros.get(name),
      parsed: (macro) => {
        const parsed = this.#parsedMacro(macro);
        if (parsed !== 'failed') return parsed;
        failedMacro = true; // its own error is already reported, once
        return undefined;
      },
    };
    let failedMacro = false;
    const perRule = this.#expansionBudget >= MAX_EXPANDED_NODES;
    const expansion = expandMacros(ast, table, (err) => problems.push(err), {
      maxNodes: perRule ? MAX_EXPANDED_NODES : this.#expansionBudget,
      maxDepth: MAX_EXPANDED_DEPTH,
      budgetMessage: perRule ? undefined : `the macros of all the rules' conditions expand to more than ` +
        `${MAX_EXPANDED_NODES_PER_LOAD} nodes in all (a macro that uses another one several times multiplies its size ` +
        'at every level)',
    });
    this.#expansionBudget = Math.max(0, this.#expansionBudget - expansion.nodes);
    // A cut-short expansion is reported; compiling the part that was built would only cost time.
    if (!expansion.complete) {
      for (const p of problems) this.#report('error', p.code, p.message, p.offset, label);
      return undefined;
    }
    const expanded = expansion.expr;
    const reads: OperandReads[] = [];
    const condition = compileExpr(expanded, {
      reads,
      legacy: rule.legacy,
      warn: (code, message, origin) => this.#report('warning', code, message, origin, label),
      error: (err) => problems.push(err),
      operands: this.#operands,
    });
    const output = this.#compileRuleOutput(rule, problems);
    if (problems.length > 0 && rule.skipIfUnknownFilter && problems.every((p) => p.code === 'PG_ERR_RULE_FIELD' || p.code === 'PG_ERR_RULE_OUTPUT')) {
      this.#report('warning', 'PG_WARN_RULE_SOURCE', `skipped (skip-if-unknown-filter): ${problems[0]!.message}`,
        problems[0]!.offset, label);
      return undefined;
    }
    for (const p of problems) this.#report('error', p.code, p.message, p.offset, label);
    if (problems.length > 0 || failedMacro || !output) return undefined;
    const partition = partitionKeys(expanded, 'resource');
    const verbs = partitionKeys(expanded, 'verb');
    const subresources = partitionKeys(expanded, 'subresource');
    const stages = partitionKeys(expanded, 'stage');
    for (const [keys, what] of [[partition, 'resources'], [verbs, 'verbs']] as const) {
      if (keys !== 'any' && keys.size === 0) {
        this.#report('warning', 'PG_WARN_RULE_NEVER_MATCHES',
          `the condition asks for two different ${what} at once and can never match`, rule.origin, label);
      }
    }
    const { fields, operators, checks } = summarizeCondition(expanded);
    return {
      name: rule.name, desc: rule.desc, priority: rule.priority, tags: rule.tags, source: rule.source,
      enabled: rule.enabled, index: rule.index, condition, output, partition, verbs, subresources, stages, fields,
      operators, checks,
      pos: this.#files.position(rule.origin),
      // Conditions only: an alert is rendered from the complete event (AuditEvent.complete), never a pruned one.
      reads,
    };
  }

  /** The output template; a problem is added to `problems` with its origin. */
  #compileRuleOutput(rule: RuleInfo, problems: ConditionError[]): ReturnType<typeof compileOutput> | undefined {
    try {
      return compileOutput(rule.output.text);
    } catch (err) {
      if (!(err instanceof ConditionError)) throw err;
      problems.push(new ConditionError(err.message, rule.output.originAt(err.offset), err.code));
      return undefined;
    }
  }

  /** Lists and macros that no condition or list mentions at all (a word scan over every source). */
  #warnUnused(): void {
    const words = new Set<string>();
    const scan = (t: string) => {
      for (const w of t.split(/[\s(),=]+/)) if (w) words.add(w);
    };
    for (const m of this.#collector.macros.values()) scan(m.condition.text);
    for (const r of this.#collector.rules.values()) {
      scan(r.condition.text);
      for (const e of r.exceptions) for (const t of e.values) for (const v of t) scan(Array.isArray(v) ? v.map((x) => x.text).join(' ') : (v as LocatedText).text);
    }
    for (const l of this.#collector.lists.values()) for (const i of l.items) scan(i.text);
    for (const m of this.#collector.macros.values()) {
      if (!m.used && !words.has(m.name)) {
        this.#report('warning', 'PG_WARN_RULE_UNUSED', `macro '${m.name}' is not used by any rule or macro`, m.origin);
      }
    }
    for (const l of this.#collector.lists.values()) {
      if (!l.used && !words.has(l.name)) {
        this.#report('warning', 'PG_WARN_RULE_UNUSED', `list '${l.name}' is not used by any rule, macro or list`, l.origin);
      }
    }
  }
}

function alternatives(entry: YAMLMap): YAMLMap[] {
  const alts = entry.get('alternatives', true) as Node | undefined;
  if (!alts || !isSeq(alts)) return [];
  return (alts.items as (Node | null)[]).filter((n): n is YAMLMap => n !== null && isMap(n));
}

