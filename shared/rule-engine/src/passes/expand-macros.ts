/**
 * Macro references are replaced by the macro's own (parsed, list-expanded) tree, recursively, as Falco's macro
 * resolver does: substitution happens on the AST, so `a and m` with `m: x or y` means `a and (x or y)`.
 *
 * Visibility: a macro may use only macros defined before its own last definition (index < visibility); rules see all
 * macros. A macro that reaches itself is a reference loop. Both, and unknown names, are errors at the reference.
 *
 * Size and depth are bounded, because expansion multiplies: `m1: m0 or m0`, `m2: m1 or m1`, ... doubles at each
 * level (thirty such lines, a kilobyte of YAML, would expand to a billion checks: the "billion laughs" of
 * conditions), and a chain of thousands of macros, each wrapping the previous one, nests deeper than the later passes
 * can recurse. An expansion that goes past a limit stops at once (so the bomb costs the limit, not its full size) and
 * is an error at the rule's outermost macro reference on the way. Real rules are far below both limits: Falco's
 * k8s audit rules expand to at most 17 checks.
 */
import { ConditionError } from '../errors.js';
import { assertNever, type Expr } from '../syntax/ast.js';
import { DEFAULT_MAX_DEPTH } from '../syntax/parser.js';

export interface MacroSource {
  readonly name: string;
  readonly index: number;
  readonly visibility: number;
  used: boolean;
}

export interface MacroTable<M extends MacroSource> {
  get(name: string): M | undefined;
  /** The macro's condition as a relocated AST; undefined when it does not parse (reported once, elsewhere). */
  parsed(macro: M): Expr | undefined;
}

/** A placeholder for a reference that cannot be expanded: an empty `or`, which is false. */
export const FALSE_EXPR: Expr = { kind: 'or', children: [], pos: -1 };

/** Nodes the macros of one condition may expand to. */
export const MAX_EXPANDED_NODES = 10_000;
/**
 * Levels an expanded condition may nest: what the parser allows one condition (each of its DEFAULT_MAX_DEPTH levels
 * opens at most two levels of tree, `and`/`or` and `not`), so every condition that parses on its own fits. The
 * later passes (compiler, partition keys) recurse once per level, and fit it in the default stack.
 */
export const MAX_EXPANDED_DEPTH = 2 * DEFAULT_MAX_DEPTH;

export interface ExpansionLimits {
  /** Nodes this expansion may create (at most MAX_EXPANDED_NODES, less when a whole load has a budget). */
  readonly maxNodes: number;
  readonly maxDepth: number;
  /** The error when `maxNodes` is a caller's budget rather than the per-condition limit. */
  readonly budgetMessage?: string | undefined;
}

const DEFAULT_LIMITS: ExpansionLimits = { maxNodes: MAX_EXPANDED_NODES, maxDepth: MAX_EXPANDED_DEPTH };

/**
 * Expands every macro reference. Problems (errors carry the origin code of the reference as their offset) go to
 * `onError` and the reference becomes FALSE_EXPR, so that the rest of the condition is still checked. Returns the
 * expanded tree, the number of nodes its macros brought in (what it cost, for a caller's budget), and whether it is complete
 * (false when a limit cut it short: the tree is then only a part of the condition).
 */
export function expandMacros<M extends MacroSource>(
  expr: Expr, table: MacroTable<M>, onError: (err: ConditionError) => void, limits: ExpansionLimits = DEFAULT_LIMITS,
): { expr: Expr; nodes: number; complete: boolean } {
  let nodes = 0;
  let exceeded = false;
  /** The macros being expanded, outermost first: loop detection, and the chain shown in its message. */
  const stack = new Set<string>();
  /** Where each of those macros was referenced: the outermost one is in the rule's own text. */
  const refs: number[] = [];

  const tooLarge = (at: number, message: string): Expr => {
    exceeded = true;
    onError(new ConditionError(message, refs[0] ?? at, 'PG_ERR_RULE_MACRO'));
    return FALSE_EXPR;
  };

  // Plain loops, not map(): one stack frame per level of the tree, so that MAX_EXPANDED_DEPTH fits in the stack.
  const expand = (e: Expr, visibility: number, depth: number): Expr => {
    if (exceeded) return FALSE_EXPR;
    // Only what macros bring in is counted: the rule's own text is bounded by its size, like any input.
    if (refs.length > 0 && ++nodes > limits.maxNodes) {
      return tooLarge(e.pos, limits.budgetMessage ?? `the macros of the condition expand to more than ${limits.maxNodes} ` +
        'nodes (a macro that uses another one several times multiplies its size at every level)');
    }
    if (depth > limits.maxDepth) {
      return tooLarge(e.pos, `the condition nests deeper than ${limits.maxDepth} levels once its macros are expanded`);
    }
    switch (e.kind) {
      case 'and':
      case 'or': {
        const children = new Array<Expr>(e.children.length);
        for (let i = 0; i < children.length; i++) children[i] = expand(e.children[i]!, visibility, depth + 1);
        return { ...e, children };
      }
      case 'not':
        return { ...e, child: expand(e.child, visibility, depth + 1) };
      case 'check':
        return e;
      case 'macro': {
        const macro = table.get(e.name);
        if (!macro || macro.index >= visibility) {
          const hint = macro ? ` (it is defined after the macro that uses it)` : '';
          onError(new ConditionError(`undefined macro '${e.name}'${hint}`, e.pos, 'PG_ERR_RULE_MACRO'));
          return FALSE_EXPR;
        }
        if (stack.has(macro.name)) {
          onError(new ConditionError(`reference loop in macro '${macro.name}' (${[...stack, macro.name].join(' -> ')})`,
            e.pos, 'PG_ERR_RULE_MACRO'));
          return FALSE_EXPR;
        }
        macro.used = true;
        const parsed = table.parsed(macro);
        if (parsed === undefined) return FALSE_EXPR;
        stack.add(macro.name);
        refs.push(e.pos);
        try {
          // The macro's tree takes the place of the reference: same depth.
          return expand(parsed, macro.visibility, depth);
        } finally {
          stack.delete(macro.name);
          refs.pop();
        }
      }
      default:
        return assertNever(e);
    }
  };

  const out = expand(expr, Number.POSITIVE_INFINITY, 0);
  return { expr: out, nodes, complete: !exceeded };
}
