/**
 * Expanded AST -> predicate `(event) => boolean`, built once per rule. Every lookup happens here: a field name becomes
 * its extractor, a literal list a Set, a glob/regex/pmatch a compiled matcher; `and`/`or` short-circuit. The function
 * that runs per event interprets nothing.
 *
 * Semantics (Falco's): a field that extracts nothing makes every comparison false, `!=` included; list fields take
 * only `in` (every element is in the set), `intersects` (some element is) and `exists`; numeric fields compare as
 * numbers, text fields as text (`<` on text is byte order).
 */
import type { AuditEvent } from '../event.js';
import { ConditionError, type DiagnosticCode } from '../errors.js';
import { lookupField } from '../fields/registry.js';
import { FieldArgError, type FieldInfo, type FieldValue, type OperandReads } from '../fields/types.js';
import { assertNever, type Check, type Expr, type FieldOperand, type Operand, type Operator, type TransformerArg } from '../syntax/ast.js';
import { printOperand } from '../syntax/print.js';
import { pmatchTest, type ScalarOperator, scalarTest, type StringTest } from './operators.js';

export type Predicate = (event: AuditEvent) => boolean;

/** A compiled field or transformer: how to get its value, and what kind of value it is. */
export interface CompiledOperand {
  readonly get: (event: AuditEvent) => FieldValue;
  readonly isList: boolean;
  readonly numeric: boolean;
  /** Canonical text (`ka.uri.param[command]`, `tolower(ka.user.name)`): the key in an alert's `output_fields`. */
  readonly text: string;
  /** What it reads of the event (a transformer: what its arguments read). */
  readonly reads: readonly OperandReads[];
}

export interface CompileContext {
  /** Rules from files that require an engine older than 0.15 may use text operators on list fields (any element). */
  readonly legacy: boolean;
  warn(code: DiagnosticCode, message: string, origin: number): void;
  /** A check that cannot compile is reported here and compiles to false, so every problem of a rule is reported. */
  error(err: ConditionError): void;
  /**
   * The operands compiled so far for this ruleset, by canonical text. With it, every check that reads a field (in any
   * rule) shares one extractor that remembers its value for the last event: Falco's current rules read
   * `ka.req.configmap.obj` (a JSON text of the whole ConfigMap data) in six checks, `ka.verb` and `ka.target.resource`
   * in most rules; each is now extracted once per event. Without it, every check extracts on its own.
   */
  readonly operands?: Map<string, CompiledOperand>;
  /** Where the reads of every operand the condition uses are recorded (the rule's part of the extraction plan). */
  readonly reads?: OperandReads[];
}

const NUMERIC_OPERATORS = new Set<Operator>(['=', '==', '!=', '<', '<=', '>', '>=', 'in', 'intersects', 'exists']);

/** Compiles an expanded condition; problems (offset = origin code) go to `ctx.error`. */
export function compileExpr(e: Expr, ctx: CompileContext): Predicate {
  switch (e.kind) {
    case 'and': {
      const parts = e.children.map((c) => compileExpr(c, ctx));
      if (parts.length === 2) {
        const [a, b] = parts as [Predicate, Predicate];
        return (ev) => a(ev) && b(ev);
      }
      return (ev) => {
        for (const p of parts) if (!p(ev)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = e.children.map((c) => compileExpr(c, ctx));
      if (parts.length === 2) {
        const [a, b] = parts as [Predicate, Predicate];
        return (ev) => a(ev) || b(ev);
      }
      return (ev) => {
        for (const p of parts) if (p(ev)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileExpr(e.child, ctx);
      return (ev) => !inner(ev);
    }
    case 'macro':
      ctx.error(new ConditionError(`undefined macro '${e.name}'`, e.pos, 'PG_ERR_RULE_MACRO'));
      return () => false;
    case 'check':
      try {
        return compileCheck(e, ctx);
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        ctx.error(err);
        return () => false;
      }
    default:
      return assertNever(e);
  }
}

/** What one use of a field reads: its slot when it has one, else its member paths (everything when undeclared). */
function readsOf(info: FieldInfo, arg: string | undefined): OperandReads {
  const slot = info.slot?.(arg);
  if (slot !== undefined) return { slot };
  return info.reads ? info.reads(arg) : 'event';
}

/** Compiles a field or transformer; throws ConditionError for unknown fields and bad arguments. */
export function compileOperand(o: FieldOperand): CompiledOperand {
  if (o.kind === 'field') {
    const info = lookupField(o.name);
    if (!info) throw new ConditionError(`unknown field '${o.name}'`, o.pos, 'PG_ERR_RULE_FIELD');
    try {
      return {
        get: info.compile(o.arg),
        isList: info.isList,
        numeric: info.type !== 'string',
        text: printOperand(o),
        reads: [readsOf(info, o.arg)],
      };
    } catch (err) {
      if (err instanceof FieldArgError) {
        throw new ConditionError(`field '${o.name}': ${err.message}`, o.pos, 'PG_ERR_RULE_FIELD');
      }
      throw err;
    }
  }
  return compileTransformer(o);
}

function compileTransformer(o: Extract<FieldOperand, { kind: 'transformer' }>): CompiledOperand {
  const text = printOperand(o);
  const fail = (msg: string): never => {
    throw new ConditionError(`${o.name}(): ${msg}`, o.pos, 'PG_ERR_RULE_FIELD');
  };
  const operandArg = (a: TransformerArg | undefined): CompiledOperand =>
    a && (a.kind === 'field' || a.kind === 'transformer') ? compileOperand(a) : fail('expects a field');
  switch (o.name) {
    case 'tolower':
    case 'toupper':
    case 'b64':
    case 'basename': {
      if (o.args.length !== 1) fail('takes exactly one argument');
      const inner = operandArg(o.args[0]);
      const f = elementTransform(o.name);
      const get = (ev: AuditEvent): FieldValue => {
        const v = inner.get(ev);
        if (v === undefined) return undefined;
        if (typeof v === 'string') return f(v);
        const out: string[] = [];
        for (const x of v) {
          const t = f(x);
          if (t !== undefined) out.push(t);
        }
        return out.length > 0 ? out : undefined;
      };
      return { get, isList: inner.isList, numeric: false, text, reads: inner.reads };
    }
    case 'len': {
      if (o.args.length !== 1) fail('takes exactly one argument');
      const inner = operandArg(o.args[0]);
      const get = (ev: AuditEvent): FieldValue => {
        const v = inner.get(ev);
        // Falco counts bytes of text (strnlen), and elements of lists.
        return v === undefined ? undefined : String(typeof v === 'string' ? Buffer.byteLength(v) : v.length);
      };
      return { get, isList: false, numeric: true, text, reads: inner.reads };
    }
    case 'join': {
      const [sep, listArg] = o.args;
      if (o.args.length !== 2 || sep?.kind !== 'string') fail(`takes a separator string and a list field: join(",", f)`);
      const separator = (sep as { value: string }).value;
      const inner = operandArg(listArg);
      const get = (ev: AuditEvent): FieldValue => {
        const v = inner.get(ev);
        return v === undefined ? undefined : typeof v === 'string' ? v : v.join(separator);
      };
      return { get, isList: false, numeric: false, text, reads: inner.reads };
    }
    case 'concat': {
      if (o.args.length < 2) fail('takes at least two arguments');
      const reads: OperandReads[] = [];
      const parts = o.args.map((a): ((ev: AuditEvent) => string | undefined) => {
        if (a.kind === 'string') return () => a.value;
        if (a.kind === 'list') return fail('does not take lists');
        const inner = compileOperand(a);
        if (inner.isList) fail('takes single-valued fields only');
        reads.push(...inner.reads);
        return (ev) => inner.get(ev) as string | undefined;
      });
      const get = (ev: AuditEvent): FieldValue => {
        let out = '';
        for (const p of parts) {
          const v = p(ev);
          if (v === undefined) return undefined;
          out += v;
        }
        return out;
      };
      return { get, isList: false, numeric: false, text, reads };
    }
    case 'getopt':
      return fail('is a syscall-argument transformer and has no meaning on audit events');
    default:
      return assertNever(o.name);
  }
}

function elementTransform(name: 'tolower' | 'toupper' | 'b64' | 'basename'): (s: string) => string | undefined {
  switch (name) {
    case 'tolower':
      return (s) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
    case 'toupper':
      return (s) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
    case 'basename':
      return (s) => s.slice(s.lastIndexOf('/') + 1);
    case 'b64':
      return decodeBase64;
    default:
      return assertNever(name);
  }
}

/** Base64 decoding (padding optional); undefined when the text is not base64, as libs fails the extraction. */
function decodeBase64(s: string): string | undefined {
  const body = s.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(body) || body.length % 4 === 1) return undefined;
  return Buffer.from(body, 'base64').toString('utf8');
}

/** The operand of a check: the ruleset's shared, per-event memoized one when the context keeps them (see `operands`). */
function operandOf(o: FieldOperand, ctx: CompileContext): CompiledOperand {
  const operand = sharedOperand(o, ctx.operands);
  ctx.reads?.push(...operand.reads);
  return operand;
}

function sharedOperand(o: FieldOperand, shared: Map<string, CompiledOperand> | undefined): CompiledOperand {
  if (!shared) return compileOperand(o);
  const key = printOperand(o);
  let operand = shared.get(key);
  if (!operand) {
    const compiled = compileOperand(o);
    operand = { ...compiled, get: rememberLastEvent(compiled.get) };
    shared.set(key, operand);
  }
  return operand;
}

/**
 * An extractor that remembers its value for the last event it was called with. Decoded events are never modified,
 * so the same event object always gives the same value; the rules of one event run back to back, so one slot is
 * enough. It keeps the last event alive until the next one arrives, which the worker holds anyway.
 */
function rememberLastEvent(get: (event: AuditEvent) => FieldValue): (event: AuditEvent) => FieldValue {
  let lastEvent: AuditEvent | undefined;
  let lastValue: FieldValue;
  return (event) => {
    if (event !== lastEvent) {
      lastValue = get(event);
      lastEvent = event;
    }
    return lastValue;
  };
}

function compileCheck(c: Check, ctx: CompileContext): Predicate {
  const left = operandOf(c.left, ctx);
  const get = left.get;
  if (c.op === 'exists') return (ev) => get(ev) !== undefined;
  const right = c.right!;
  warnFieldLikeValue(c, ctx);

  if (left.isList) return compileListCheck(c, left, right, ctx);
  if (left.numeric) return compileNumericCheck(c, left, right, ctx);

  if (right.kind === 'val' || right.kind === 'transformer') return compileFieldComparison(c, left, right, ctx);

  const test = scalarCheck(c, right);
  return (ev) => {
    const v = get(ev);
    return v !== undefined && test(v as string);
  };
}

/** The test for one text value against a literal right-hand side (string, list, or modifier + list). */
function scalarCheck(c: Check, right: Operand): StringTest {
  const op = c.op;
  const fail = (msg: string): never => {
    throw new ConditionError(msg, c.pos, 'PG_ERR_RULE_OPERATOR');
  };
  if (op === 'in' || op === 'intersects' || op === 'pmatch') {
    const items = listItems(right, c) ?? fail(`'${op}' needs a list such as (a, b)`);
    if (op === 'pmatch') return pmatchTest(items);
    const set = new Set(items);
    return (v) => set.has(v);
  }
  const scalarOp = op as ScalarOperator;
  if (c.modifier) {
    const items = listItems(right, c) ?? fail(`'${op} ${c.modifier}' needs a list such as (a, b)`);
    const tests = items.map((i) => buildScalarTest(scalarOp, i, c));
    switch (c.modifier) {
      case 'anyof':
        return (v) => tests.some((t) => t(v));
      case 'allof':
        return (v) => tests.every((t) => t(v));
      case 'oneof':
        return (v) => {
          let n = 0;
          for (const t of tests) if (t(v) && ++n > 1) return false;
          return n === 1;
        };
      default:
        return assertNever(c.modifier);
    }
  }
  if (right.kind !== 'string') return fail(`'${op}' compares with one value, not a list`);
  return buildScalarTest(scalarOp, right.value, c);
}

function buildScalarTest(op: ScalarOperator, rhs: string, c: Check): StringTest {
  try {
    return scalarTest(op, rhs);
  } catch (err) {
    throw new ConditionError((err as Error).message, c.right?.pos ?? c.pos, 'PG_ERR_RULE_OPERATOR');
  }
}

function listItems(right: Operand, c: Check): string[] | undefined {
  if (right.kind === 'list') return right.items.map((i) => i.value);
  // `x in val(...)` is handled by compileFieldComparison; a single string is not a list.
  void c;
  return undefined;
}

function compileListCheck(c: Check, left: CompiledOperand, right: Operand, ctx: CompileContext): Predicate {
  const get = left.get;
  if ((c.op === 'in' || c.op === 'intersects') && !c.modifier) {
    if (right.kind === 'val' || right.kind === 'transformer') return compileFieldComparison(c, left, right, ctx);
    if (right.kind !== 'list') throw new ConditionError(`'${c.op}' needs a list such as (a, b)`, c.pos, 'PG_ERR_RULE_OPERATOR');
    const set = new Set(right.items.map((i) => i.value));
    if (c.op === 'in') {
      return (ev) => {
        const v = get(ev);
        if (v === undefined) return false;
        for (const x of v as readonly string[]) if (!set.has(x)) return false;
        return true;
      };
    }
    return (ev) => {
      const v = get(ev);
      if (v === undefined) return false;
      for (const x of v as readonly string[]) if (set.has(x)) return true;
      return false;
    };
  }
  const message = `list field '${left.text}' supports only the operators 'exists', 'in' and 'intersects'`;
  if (!ctx.legacy || right.kind === 'val' || right.kind === 'transformer') {
    throw new ConditionError(message, c.pos, 'PG_ERR_RULE_OPERATOR');
  }
  // Falco before 0.36 accepted any operator on list fields and tested each element; rules files that require such an
  // old engine keep loading, with a warning, and keep that meaning.
  ctx.warn('PG_WARN_RULE_LEGACY', `${message}; accepted because the file requires an engine older than 0.15 (true when any element matches)`, c.pos);
  const test = scalarCheck(c, right);
  return (ev) => {
    const v = get(ev);
    if (v === undefined) return false;
    for (const x of v as readonly string[]) if (test(x)) return true;
    return false;
  };
}

/** Numeric fields (`evt.rawtime`, `len(...)`): the right side must be a number, compared as an integer. */
function compileNumericCheck(c: Check, left: CompiledOperand, right: Operand, ctx: CompileContext): Predicate {
  if (!NUMERIC_OPERATORS.has(c.op) || c.modifier) {
    throw new ConditionError(`operator '${c.op}${c.modifier ? ` ${c.modifier}` : ''}' does not apply to the number '${left.text}'`,
      c.pos, 'PG_ERR_RULE_OPERATOR');
  }
  if (right.kind === 'val' || right.kind === 'transformer') return compileFieldComparison(c, left, right, ctx);
  const toNumber = (s: string, pos: number): bigint => {
    const n = parseInteger(s);
    if (n === undefined) throw new ConditionError(`'${s}' is not an integer, and '${left.text}' is a number`, pos, 'PG_ERR_RULE_VALUE');
    return n;
  };
  const get = left.get;
  // Extractors return numbers as canonical decimal text (`jevt.rawtime`, `len()`), and a canonical text equals another
  // number exactly when it equals that number's canonical text: equality and `in` then compare strings, without
  // building a BigInt per event (Falco's `never_true` macro, `jevt.rawtime=0`, runs in most rules).
  if (c.op === 'in' || c.op === 'intersects') {
    if (right.kind !== 'list') throw new ConditionError(`'${c.op}' needs a list such as (1, 2)`, c.pos, 'PG_ERR_RULE_OPERATOR');
    const set = new Set(right.items.map((i) => toNumber(i.value, i.pos)));
    const texts = new Set([...set].map(String));
    return (ev) => {
      const text = get(ev) as string | undefined;
      if (text === undefined) return false;
      if (CANONICAL_INTEGER.test(text)) return texts.has(text);
      const v = parseInteger(text);
      return v !== undefined && set.has(v);
    };
  }
  if (right.kind !== 'string') throw new ConditionError(`'${c.op}' compares with one number`, c.pos, 'PG_ERR_RULE_OPERATOR');
  const rhs = toNumber(right.value, right.pos);
  if (c.op === '=' || c.op === '==' || c.op === '!=') {
    const rhsText = String(rhs);
    const equal = c.op !== '!=';
    return (ev) => {
      const text = get(ev) as string | undefined;
      if (text === undefined) return false;
      if (CANONICAL_INTEGER.test(text)) return (text === rhsText) === equal;
      const v = parseInteger(text);
      return v !== undefined && (v === rhs) === equal;
    };
  }
  const cmp = numericComparison(c.op);
  return (ev) => {
    const v = parseInteger(get(ev) as string | undefined);
    return v !== undefined && cmp(v, rhs);
  };
}

/** An integer as `String(bigint)` writes it: no sign but `-`, no leading zero, no `-0`. */
const CANONICAL_INTEGER = /^(?:0|-?[1-9]\d*)$/;

function numericComparison(op: Operator): (a: bigint, b: bigint) => boolean {
  switch (op) {
    case '=':
    case '==':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
    default:
      throw new Error(`not a numeric comparison: ${op}`);
  }
}

/** Decimal or 0x-hex integers, as Falco's number literals; undefined for anything else. */
function parseInteger(s: string | undefined): bigint | undefined {
  if (s === undefined || !/^(?:[+-]?\d+|0[xX][0-9a-fA-F]+)$/.test(s)) return undefined;
  try {
    return BigInt(s);
  } catch {
    return undefined;
  }
}

/** `f OP val(g)` / `f OP transformer(...)`: both sides are read per event; a missing side makes the check false. */
function compileFieldComparison(c: Check, left: CompiledOperand, right: Operand, ctx: CompileContext): Predicate {
  const rhs = operandOf(right.kind === 'val' ? right.field : (right as FieldOperand), ctx);
  if (c.modifier) throw new ConditionError(`'${c.modifier}' needs a literal list`, c.pos, 'PG_ERR_RULE_OPERATOR');
  const get = left.get;
  const getR = rhs.get;
  const asArray = (v: FieldValue): readonly string[] => (typeof v === 'string' ? [v] : (v ?? []));
  if (c.op === 'in' || c.op === 'intersects') {
    const every = c.op === 'in';
    return (ev) => {
      const l = get(ev);
      const r = getR(ev);
      if (l === undefined || r === undefined) return false;
      const set = new Set(asArray(r));
      const values = asArray(l);
      return every ? values.every((x) => set.has(x)) : values.some((x) => set.has(x));
    };
  }
  if (c.op === 'pmatch') {
    return (ev) => {
      const l = get(ev);
      const r = getR(ev);
      return typeof l === 'string' && r !== undefined && pmatchTest(asArray(r))(l);
    };
  }
  if (left.isList || rhs.isList) {
    throw new ConditionError(`'${c.op}' cannot compare list values`, c.pos, 'PG_ERR_RULE_OPERATOR');
  }
  if (left.numeric || rhs.numeric) {
    if (!NUMERIC_OPERATORS.has(c.op)) {
      const number = left.numeric ? left.text : rhs.text;
      throw new ConditionError(`operator '${c.op}' does not apply to the number '${number}'`, c.pos, 'PG_ERR_RULE_OPERATOR');
    }
    const cmp = numericComparison(c.op);
    return (ev) => {
      const l = parseInteger(get(ev) as string | undefined);
      const r = parseInteger(getR(ev) as string | undefined);
      return l !== undefined && r !== undefined && cmp(l, r);
    };
  }
  const op = c.op as ScalarOperator;
  buildScalarTest(op, '', c); // rejects operators that cannot apply to text, at load time, as a diagnostic
  return (ev) => {
    const l = get(ev);
    const r = getR(ev);
    if (typeof l !== 'string' || typeof r !== 'string') return false;
    try {
      return scalarTest(op, r)(l);
    } catch {
      return false; // a pattern taken from the event that does not compile matches nothing
    }
  };
}

/** Falco warns when a bare right-hand value is itself a field name: `val()` was probably meant. */
function warnFieldLikeValue(c: Check, ctx: CompileContext): void {
  const r = c.right;
  if (r?.kind === 'string' && !r.quoted && lookupField(r.value)) {
    ctx.warn('PG_WARN_RULE_VALUE', `'${r.value}' is a field name used as a literal value; write val(${r.value}) to compare with the field`, r.pos);
  }
}
