/**
 * Rewrites every `pos` of an AST through a function. The loader parses a condition's text (offsets from 0) and then
 * relocates the tree so that each `pos` is an origin code (file and offset, see loader/source-file.ts): after macros
 * from several files are stitched into one tree, every node still knows where it was written.
 */
import { assertNever, type Expr, type FieldOperand, type Operand, type TransformerArg } from './ast.js';

export function relocate(e: Expr, f: (pos: number) => number): Expr {
  switch (e.kind) {
    case 'and':
    case 'or':
      return { ...e, children: e.children.map((c) => relocate(c, f)), pos: f(e.pos) };
    case 'not':
      return { ...e, child: relocate(e.child, f), pos: f(e.pos) };
    case 'macro':
      return { ...e, pos: f(e.pos) };
    case 'check':
      return {
        ...e,
        left: relocateOperand(e.left, f),
        right: e.right && relocateRight(e.right, f),
        pos: f(e.pos),
      };
    default:
      return assertNever(e);
  }
}

export function relocateOperand(o: FieldOperand, f: (pos: number) => number): FieldOperand {
  if (o.kind === 'field') return { ...o, pos: f(o.pos) };
  return { ...o, args: o.args.map((a) => relocateArg(a, f)), pos: f(o.pos) };
}

function relocateArg(a: TransformerArg, f: (pos: number) => number): TransformerArg {
  if (a.kind === 'string') return { ...a, pos: f(a.pos) };
  if (a.kind === 'list') return { ...a, items: a.items.map((i) => ({ ...i, pos: f(i.pos) })), pos: f(a.pos) };
  return relocateOperand(a, f);
}

function relocateRight(r: Operand, f: (pos: number) => number): Operand {
  switch (r.kind) {
    case 'string':
      return { ...r, pos: f(r.pos) };
    case 'list':
      return { ...r, items: r.items.map((i) => ({ ...i, pos: f(i.pos) })), pos: f(r.pos) };
    case 'val':
      return { ...r, field: relocateOperand(r.field, f), pos: f(r.pos) };
    case 'transformer':
      return relocateOperand(r, f) as Operand;
    default:
      return assertNever(r);
  }
}
