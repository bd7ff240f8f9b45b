/**
 * The condition AST: plain objects with a `kind` discriminant, walked with exhaustive switches. Every node carries
 * `pos`, the offset in the condition text it was parsed from, so later passes can point at the spot.
 */

export type Expr = AndExpr | OrExpr | NotExpr | MacroRef | Check;

export interface AndExpr { readonly kind: 'and'; readonly children: readonly Expr[]; readonly pos: number }
export interface OrExpr { readonly kind: 'or'; readonly children: readonly Expr[]; readonly pos: number }
export interface NotExpr { readonly kind: 'not'; readonly child: Expr; readonly pos: number }
/** A bare identifier: a macro reference, resolved by the macro expansion pass. */
export interface MacroRef { readonly kind: 'macro'; readonly name: string; readonly pos: number }

/** `field op value`, `field exists`, `field op modifier (list)`, or `field op val(other)`. */
export interface Check {
  readonly kind: 'check';
  readonly left: FieldOperand;
  readonly op: Operator;
  /** `oneof` / `anyof` / `allof`: only with string operators and a list value. */
  readonly modifier?: Modifier | undefined;
  /** Absent only for `exists`. */
  readonly right?: Operand | undefined;
  readonly pos: number;
}

export type Operator =
  | '=' | '==' | '!=' | '<' | '<=' | '>' | '>='
  | 'contains' | 'icontains' | 'bcontains' | 'startswith' | 'bstartswith' | 'endswith'
  | 'glob' | 'iglob' | 'regex' | 'in' | 'intersects' | 'pmatch' | 'exists';

export type Modifier = 'oneof' | 'anyof' | 'allof';

export type TransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt';

/** The left side of a check, and what `val(...)` or a transformer argument may hold. */
export type FieldOperand = FieldRef | Transformer;

export interface FieldRef {
  readonly kind: 'field';
  readonly name: string;
  /** The text inside `[...]`, unescaped when it was quoted; undefined without brackets. */
  readonly arg?: string | undefined;
  readonly pos: number;
}

export interface Transformer {
  readonly kind: 'transformer';
  readonly name: TransformerName;
  readonly args: readonly TransformerArg[];
  readonly pos: number;
}

export type TransformerArg = FieldOperand | StringValue | ListValue;

export interface StringValue { readonly kind: 'string'; readonly value: string; readonly quoted: boolean; readonly pos: number }
export interface ListValue { readonly kind: 'list'; readonly items: readonly StringValue[]; readonly pos: number }
/** `val(field)`: compare against another field's value of the same event. */
export interface FieldValueRef { readonly kind: 'val'; readonly field: FieldOperand; readonly pos: number }

export type Operand = StringValue | ListValue | FieldValueRef | Transformer;

export function assertNever(x: never): never {
  throw new Error(`unexpected AST node: ${JSON.stringify(x)}`);
}
