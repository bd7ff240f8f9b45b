/**
 * AST -> canonical condition text: fully parenthesised, one space around operators. Used by golden tests (two
 * spellings that must parse the same print the same) and to show expanded conditions in diagnostics.
 */
import { assertNever, type Expr, type FieldOperand, type Operand, type TransformerArg } from './ast.js';

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'and':
      return `(${e.children.map(printExpr).join(' and ')})`;
    case 'or':
      return `(${e.children.map(printExpr).join(' or ')})`;
    case 'not':
      return `not ${printExpr(e.child)}`;
    case 'macro':
      return e.name;
    case 'check': {
      const left = printOperand(e.left);
      if (e.op === 'exists') return `${left} exists`;
      const modifier = e.modifier ? ` ${e.modifier}` : '';
      return `${left} ${e.op}${modifier} ${printRight(e.right!)}`;
    }
    default:
      return assertNever(e);
  }
}

/**
 * Operands already printed. The compiler prints every operand it compiles, and a transformer nested n deep reprinted
 * its whole argument at each level: 1000 nested `tolower(` (9 KB of condition) took a second. Each node (the AST is
 * immutable) is now printed once, and a parent's text reuses its argument's.
 */
const printed = new WeakMap<FieldOperand, string>();

export function printOperand(o: FieldOperand): string {
  let text = printed.get(o);
  if (text === undefined) {
    text = o.kind === 'field'
      ? (o.arg === undefined ? o.name : `${o.name}[${printArg(o.arg)}]`)
      : `${o.name}(${o.args.map(printTransformerArg).join(', ')})`;
    printed.set(o, text);
  }
  return text;
}

function printTransformerArg(a: TransformerArg): string {
  // A transformer argument is a quoted string or a number (Falco's FieldTransformerArg has no bare strings): print a
  // quoted one quoted, so that `concat(ka.verb, "x")` does not print as the unparseable `concat(ka.verb, x)`.
  if (a.kind === 'string') return a.quoted ? JSON.stringify(a.value) : a.value;
  if (a.kind === 'list') return printRight(a);
  return printOperand(a);
}

function printRight(r: Operand): string {
  switch (r.kind) {
    case 'string':
      return printString(r.value);
    case 'list':
      return `(${r.items.map((i) => printString(i.value)).join(', ')})`;
    case 'val':
      return `val(${printOperand(r.field)})`;
    case 'transformer':
      return printOperand(r);
    default:
      return assertNever(r);
  }
}

/** Falco's canonical field text: an argument is quoted only when it holds blanks, quotes or `=`. */
export function printArg(arg: string): string {
  return /[\s"'=\]]/.test(arg) ? JSON.stringify(arg) : arg;
}

function printString(s: string): string {
  return /^[^()"'\s=,\\]+$/.test(s) ? s : JSON.stringify(s);
}
