/**
 * What an expanded condition reads and how it compares: the fields, the operators, and one entry per check. Computed
 * once at load and kept on each CompiledRule, so that tools (`peregrine bench rules`, `validate`) can explain a rule's
 * cost without the AST: `ka.req.configmap.obj icontains` x8 renders the configmap data as JSON eight times per event,
 * `jevt.value[...]` walks a pointer, `regex` runs an automaton, a long `in` list is one Set lookup.
 *
 * Invariant: the summary is of the EXPANDED condition (macros inlined, lists substituted, exceptions appended), in
 * source order, so what it lists is exactly what the predicate evaluates; nothing here is read per event.
 */
import { lookupField } from '../fields/registry.js';
import { assertNever, type Check, type Expr, type FieldOperand, type Operand } from '../syntax/ast.js';
import { printOperand } from '../syntax/print.js';

/** One field read by one check of a condition. */
export interface CheckSummary {
  /** Canonical field name (`json.value` is reported as `jevt.value`). */
  readonly field: string;
  /** The argument inside `[...]`, when there is one (`/stage` for `jevt.value[/stage]`). */
  readonly arg?: string | undefined;
  /** How the operand reads: `jevt.value[/stage]`, or the whole transformer, `tolower(ka.user.name)`. */
  readonly operand: string;
  /** The operator, with its modifier when there is one: `contains`, `in`, `exists`, `startswith anyof`. */
  readonly operator: string;
  /** How many literal values the check compares with: list items, 1 for one value, 0 for `exists` and `val()`. */
  readonly values: number;
}

export interface ConditionSummary {
  /** Distinct field operands (`jevt.value[/stage]`, `ka.req.configmap.obj`) in order of first use. */
  readonly fields: readonly string[];
  /** Distinct operators (with modifier) in order of first use. */
  readonly operators: readonly string[];
  /** Every check, in source order; a check that reads two fields (`val()`, transformers) gives one entry per field. */
  readonly checks: readonly CheckSummary[];
}

/** Summarizes an expanded condition (a macro reference left in it, an error case, contributes nothing). */
export function summarizeCondition(e: Expr): ConditionSummary {
  const checks: CheckSummary[] = [];
  visit(e, checks);
  return {
    fields: [...new Set(checks.map((c) => c.operand))],
    operators: [...new Set(checks.map((c) => c.operator))],
    checks,
  };
}

function visit(e: Expr, out: CheckSummary[]): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const child of e.children) visit(child, out);
      return;
    case 'not':
      visit(e.child, out);
      return;
    case 'macro':
      return;
    case 'check':
      summarizeCheck(e, out);
      return;
    default:
      assertNever(e);
  }
}

function summarizeCheck(c: Check, out: CheckSummary[]): void {
  const operator = c.modifier ? `${c.op} ${c.modifier}` : c.op;
  const values = literalCount(c.right);
  const add = (operand: FieldOperand) => {
    const canonical = (name: string) => lookupField(name)?.name ?? name;
    // A plain field is shown under its canonical name (json.value[/x] -> jevt.value[/x]), a transformer as written.
    const text = printOperand(operand.kind === 'field' ? { ...operand, name: canonical(operand.name) } : operand);
    for (const field of fieldsOf(operand)) out.push({ field: canonical(field.name), arg: field.arg, operand: text, operator, values });
  };
  add(c.left);
  if (c.right?.kind === 'val') add(c.right.field);
  else if (c.right?.kind === 'transformer') add(c.right);
}

/** The plain fields an operand reads: itself, or the fields inside a transformer's arguments. */
function fieldsOf(o: FieldOperand): { name: string; arg?: string | undefined }[] {
  if (o.kind === 'field') return [{ name: o.name, arg: o.arg }];
  return o.args.flatMap((a) => (a.kind === 'field' || a.kind === 'transformer' ? fieldsOf(a) : []));
}

function literalCount(right: Operand | undefined): number {
  if (right === undefined) return 0;
  switch (right.kind) {
    case 'string':
      return 1;
    case 'list':
      return right.items.length;
    case 'val':
    case 'transformer':
      return 0;
    default:
      return assertNever(right);
  }
}
