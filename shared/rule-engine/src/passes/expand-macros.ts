/**
 * Macro references are replaced by the macro's own (parsed, list-expanded) tree, recursively, as Falco's macro
 * resolver does: substitution happens on the AST, so `a and m` with `m: x or y` means `a and (x or y)`.
 *
 * Visibility: a macro may use only macros defined before its own last definition (index < visibility); rules see all
 * macros. A macro that reaches itself is a reference loop. Both, and unknown names, are errors at the reference.
 */
import { ConditionError } from '../errors.js';
import { assertNever, type Expr } from '../syntax/ast.js';

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

/**
 * Expands every macro reference. Problems (errors carry the origin code of the reference as their offset) go to
 * `onError` and the reference becomes FALSE_EXPR, so that the rest of the condition is still checked.
 */
export function expandMacros<M extends MacroSource>(
  expr: Expr, table: MacroTable<M>, onError: (err: ConditionError) => void,
  visibility = Number.POSITIVE_INFINITY, stack: readonly string[] = [],
): Expr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { ...expr, children: expr.children.map((c) => expandMacros(c, table, onError, visibility, stack)) };
    case 'not':
      return { ...expr, child: expandMacros(expr.child, table, onError, visibility, stack) };
    case 'check':
      return expr;
    case 'macro': {
      const macro = table.get(expr.name);
      if (!macro || macro.index >= visibility) {
        const hint = macro ? ` (it is defined after the macro that uses it)` : '';
        onError(new ConditionError(`undefined macro '${expr.name}'${hint}`, expr.pos, 'PG_ERR_RULE_MACRO'));
        return FALSE_EXPR;
      }
      if (stack.includes(macro.name)) {
        onError(new ConditionError(`reference loop in macro '${macro.name}' (${[...stack, macro.name].join(' -> ')})`,
          expr.pos, 'PG_ERR_RULE_MACRO'));
        return FALSE_EXPR;
      }
      macro.used = true;
      const parsed = table.parsed(macro);
      return parsed === undefined ? FALSE_EXPR : expandMacros(parsed, table, onError, macro.visibility, [...stack, macro.name]);
    }
    default:
      return assertNever(expr);
  }
}
