/**
 * The Falco condition parser: hand-written recursive descent over the raw text, one function per production, with the
 * same lexical rules as libsinsp's parser (scannerless: each token is recognised at the cursor, so operators such as
 * `contains` need a blank after them while `in(` and `=` do not). It knows nothing about fields or macros: a field is
 * anything shaped like `a.b`, an identifier is a macro reference, and later passes check both.
 *
 * Grammar (EBNF; blanks are space, \t, \b, \r, \n):
 *
 *   Expr             ::= OrExpr
 *   OrExpr           ::= AndExpr ( 'or' ( Blank AndExpr | '(' Expr ')' ) )*
 *   AndExpr          ::= NotExpr ( 'and' ( Blank NotExpr | '(' Expr ')' ) )*
 *   NotExpr          ::= ( 'not' Blank )* ( 'not(' Expr ')' | Check )
 *   Check            ::= '(' Expr ')' | Operand Condition | Identifier
 *   Operand          ::= Field | Transformer
 *   Transformer      ::= TransformerName '(' TArg ( ',' TArg )* ')'
 *   TArg             ::= Operand | QuotedStr | Number | '(' ( TListArg ( ',' TListArg )* )? ')'
 *   Condition        ::= 'exists'
 *                      | NumOperator ( Number | Transformer | 'val(' Operand ')' )
 *                      | StrOperator Modifier ListValue
 *                      | StrOperator ( StrValue | Transformer | 'val(' Operand ')' )
 *                      | ListOperator ( ListValue | Transformer | 'val(' Operand ')' )
 *   ListValue        ::= '(' ( StrValue ( ',' StrValue )* )? ')' | Identifier
 *   Field            ::= FieldName ( '[' ( QuotedStr | [^][\"'blanks]+ ) ']' )?
 *   NumOperator      ::= '<=' | '<' | '>=' | '>'
 *   StrOperator      ::= '==' | '=' | '!=' | ( 'bcontains' | 'bstartswith' | 'contains' | 'endswith' | 'glob'
 *                        | 'icontains' | 'iglob' | 'startswith' | 'regex' ) Blank
 *   Modifier         ::= ( 'oneof' | 'anyof' | 'allof' ) Blank
 *   ListOperator     ::= 'intersects' | 'in' | 'pmatch'
 *   TransformerName  ::= 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt'
 *   Identifier       ::= [a-zA-Z]+ [a-zA-Z0-9_]*
 *   FieldName        ::= Identifier ( '.' Identifier )+
 *   Number           ::= 0[xX][0-9a-fA-F]+ | [+-]?[0-9]+ '.'? [0-9]* ( [eE] [+-] [0-9]+ )?
 *   StrValue         ::= QuotedStr | [^()"'blanks=,]+
 *   QuotedStr        ::= '"' ( '\"' | . )*? '"' | "'" ( "\'" | . )*? "'"
 *
 * Precedence: `or` < `and` < `not` < check; `and`/`or` are n-ary; `not not x` is `x`.
 */
import { ConditionError } from '../errors.js';
import type {
  Check, Expr, FieldOperand, FieldRef, ListValue, Modifier, Operand, Operator, StringValue, Transformer,
  TransformerArg, TransformerName,
} from './ast.js';
import { unescapeQuoted } from './escaping.js';

/** Falco parses rule conditions with a recursion cap of 1000; deeper input is rejected, never a stack overflow. */
export const DEFAULT_MAX_DEPTH = 1000;

const BLANK = /[ \t\b\r\n]/;
const IDENTIFIER = /[a-zA-Z]+[a-zA-Z0-9_]*/y;
const FIELD_NAME = /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y;
// libsinsp's RGX_FIELDARGBARESTR `[^][\"'[:space:]]+` and RGX_BARESTR `[^()\"'[:space:]=,]+`: [:space:] is ASCII
// only (so a no-break space is part of a bare string, not the end of it), and a field argument may hold a backslash
// (`ka.uri.param[a\b]`): the `\"` in libsinsp's pattern escapes the quote, it does not exclude the backslash.
const FIELD_ARG_BARE = /[^\][" '\t\n\v\f\r\b]+/y;
const BARE_STRING = /[^()"' \t\n\v\f\r\b=,]+/y;
const NUMBER = /0[xX][0-9a-fA-F]+|[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y;

const NUM_OPERATORS = ['<=', '<', '>=', '>'] as const;
const SYMBOL_STR_OPERATORS = ['==', '=', '!='] as const;
/** Word operators must be followed by a blank (`containsx` is not `contains x`). */
const WORD_STR_OPERATORS = [
  'bcontains', 'bstartswith', 'contains', 'endswith', 'glob', 'icontains', 'iglob', 'startswith', 'regex',
] as const;
/** Tried in this order so that `intersects` is not read as `in` + `tersects`. */
const LIST_OPERATORS = ['intersects', 'in', 'pmatch'] as const;
const MODIFIERS = ['oneof', 'anyof', 'allof'] as const;
const TRANSFORMERS: readonly TransformerName[] = [
  'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt',
];

export interface ParseOptions {
  readonly maxDepth?: number;
}

/** Parses a whole condition; throws `ConditionError` (with the offset of the problem) on invalid input. */
export function parseCondition(text: string, options: ParseOptions = {}): Expr {
  return new Parser(text, options.maxDepth ?? DEFAULT_MAX_DEPTH).parseAll();
}

/**
 * Parses a field or transformer expression at the start of `text` (used for `%field` in outputs and for exception
 * fields). Returns the operand and how many characters it used, or undefined when nothing field-shaped is there.
 */
export function parseOperandPrefix(text: string): { operand: FieldOperand; length: number } | undefined {
  const p = new Parser(text, DEFAULT_MAX_DEPTH);
  try {
    const operand = p.parseOperand();
    return operand ? { operand, length: p.pos } : undefined;
  } catch {
    return undefined;
  }
}

class Parser {
  pos = 0;
  #depth = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseAll(): Expr {
    this.skipBlanks();
    if (this.pos >= this.text.length) throw new ConditionError('condition is empty', 0);
    const expr = this.parseOr();
    this.skipBlanks();
    if (this.pos < this.text.length) {
      throw this.error(`unexpected token '${this.peekWord()}', expecting 'or', 'and' or the end of the condition`);
    }
    return expr;
  }

  // --- productions -------------------------------------------------------------------------------------------------

  private parseOr(): Expr {
    const start = this.skipBlanksAndMark();
    const children = [this.parseAnd()];
    this.skipBlanks();
    while (this.acceptKeyword('or')) children.push(this.parseKeywordTail('or', () => this.parseAnd()));
    return children.length === 1 ? children[0]! : { kind: 'or', children, pos: start };
  }

  private parseAnd(): Expr {
    const start = this.skipBlanksAndMark();
    const children = [this.parseNot()];
    this.skipBlanks();
    while (this.acceptKeyword('and')) children.push(this.parseKeywordTail('and', () => this.parseNot()));
    return children.length === 1 ? children[0]! : { kind: 'and', children, pos: start };
  }

  /**
   * After `and`/`or`: a blank and the next operand, or a parenthesised expression glued to the keyword. Counted as a
   * level of nesting (Falco counts every production): `a or b and not (` recurses three times per parenthesis, and
   * the cap must bound the recursion, so that deep input is an error and never a stack overflow. It also bounds the
   * tree: at most two levels (`and`/`or` and `not`) per counted level.
   */
  private parseKeywordTail(keyword: string, next: () => Expr): Expr {
    this.enter();
    let child: Expr;
    if (this.skipBlanks()) child = next();
    else if (this.accept('(')) child = this.parseParenRemainder(this.pos - 1);
    else throw this.error(`expected a blank or '(' after '${keyword}'`);
    this.#depth--;
    this.skipBlanks();
    return child;
  }

  private parseNot(): Expr {
    const start = this.skipBlanksAndMark();
    let negated = false;
    for (;;) {
      const at = this.pos;
      if (!this.acceptKeyword('not')) break;
      if (this.skipBlanks()) {
        negated = !negated;
        continue;
      }
      if (this.accept('(')) {
        const inner = this.parseParenRemainder(this.pos - 1);
        // `not(` negates what follows once more on top of any `not ` before it.
        return negated ? inner : { kind: 'not', child: inner, pos: at };
      }
      throw this.error(`expected a blank or '(' after 'not'`);
    }
    const check = this.parseCheck();
    return negated ? { kind: 'not', child: check, pos: start } : check;
  }

  private parseCheck(): Expr {
    this.skipBlanks();
    const start = this.pos;
    if (this.accept('(')) return this.parseParenRemainder(start);
    const operand = this.parseOperand();
    if (operand) return this.parseConditionAfter(operand);
    const ident = this.match(IDENTIFIER);
    if (ident !== undefined) return { kind: 'macro', name: ident, pos: start };
    throw this.error(`expected '(', a field check or a macro name, found '${this.peekWord()}'`);
  }

  /** `Expr ')'` after an opening parenthesis at `openPos`. */
  private parseParenRemainder(openPos: number): Expr {
    this.enter();
    const expr = this.parseOr();
    this.skipBlanks();
    if (!this.accept(')')) throw this.error(`expected ')' to close the '(' opened ${this.pos - openPos} characters before`);
    this.#depth--;
    return expr;
  }

  /** A field or a transformer at the cursor; undefined (cursor unchanged) when there is none. */
  parseOperand(): FieldOperand | undefined {
    const start = this.pos;
    const transformer = this.matchTransformerName();
    if (transformer) return this.parseTransformer(transformer, start);
    const name = this.match(FIELD_NAME);
    if (name === undefined) return undefined;
    let arg: string | undefined;
    if (this.accept('[')) {
      const argStart = this.pos;
      const quoted = this.matchQuoted();
      arg = quoted !== undefined ? quoted : this.match(FIELD_ARG_BARE);
      if (arg === undefined) throw this.error(`expected an argument after '${name}['`, argStart);
      if (!this.accept(']')) throw this.error(`expected ']' after the argument of '${name}'`);
    }
    return { kind: 'field', name, arg, pos: start } satisfies FieldRef;
  }

  private parseTransformer(name: TransformerName, start: number): Transformer {
    this.enter();
    const args: TransformerArg[] = [];
    do {
      this.skipBlanks();
      args.push(this.parseTransformerArg(name));
      this.skipBlanks();
    } while (this.accept(','));
    if (!this.accept(')')) throw this.error(`expected ',' or ')' in the arguments of '${name}('`);
    this.#depth--;
    return { kind: 'transformer', name, args, pos: start };
  }

  private parseTransformerArg(transformer: string): TransformerArg {
    const start = this.pos;
    const operand = this.parseOperand();
    if (operand) return operand;
    const quoted = this.matchQuoted();
    if (quoted !== undefined) return { kind: 'string', value: quoted, quoted: true, pos: start };
    const num = this.match(NUMBER);
    if (num !== undefined) return { kind: 'string', value: num, quoted: false, pos: start };
    if (this.accept('(')) {
      const items: StringValue[] = [];
      this.skipBlanks();
      if (!this.accept(')')) {
        do {
          this.skipBlanks();
          const itemStart = this.pos;
          const q = this.matchQuoted();
          const v = q ?? this.match(NUMBER) ?? this.match(BARE_STRING);
          if (v === undefined) throw this.error(`expected a value in the list argument of '${transformer}('`);
          items.push({ kind: 'string', value: v, quoted: q !== undefined, pos: itemStart });
          this.skipBlanks();
        } while (this.accept(','));
        if (!this.accept(')')) throw this.error(`expected ',' or ')' in a list argument of '${transformer}('`);
      }
      return { kind: 'list', items, pos: start };
    }
    throw this.error(`expected a field, a transformer, a quoted string, a number or a list in '${transformer}('`);
  }

  private parseConditionAfter(left: FieldOperand): Check {
    this.skipBlanks();
    const pos = this.pos;
    if (this.acceptWord('exists')) return { kind: 'check', left, op: 'exists', pos };

    for (const op of NUM_OPERATORS) {
      if (this.accept(op)) {
        this.skipBlanks();
        const right = this.parseFieldRhs() ?? this.parseNumber();
        return { kind: 'check', left, op, right, pos };
      }
    }

    const strOp = this.matchStrOperator();
    if (strOp) {
      this.skipBlanks();
      const modifier = this.matchModifier();
      if (modifier) {
        this.skipBlanks();
        return { kind: 'check', left, op: strOp, modifier, right: this.parseListValue(), pos };
      }
      const right = this.parseFieldRhs() ?? this.parseStringValue();
      return { kind: 'check', left, op: strOp, right, pos };
    }

    for (const op of LIST_OPERATORS) {
      if (this.accept(op)) {
        this.skipBlanks();
        const right = this.parseFieldRhs() ?? this.parseListValue();
        return { kind: 'check', left, op, right, pos };
      }
    }
    throw this.error(`expected an operator after the field, found '${this.peekWord()}'`);
  }

  /** `val(field)` or a transformer on the right-hand side. */
  private parseFieldRhs(): Operand | undefined {
    const start = this.pos;
    if (this.accept('val(')) {
      this.enter();
      this.skipBlanks();
      const field = this.parseOperand();
      if (!field) throw this.error(`expected a field inside 'val('`);
      this.skipBlanks();
      if (!this.accept(')')) throw this.error(`expected ')' after the field in 'val('`);
      this.#depth--;
      return { kind: 'val', field, pos: start };
    }
    const transformer = this.matchTransformerName();
    return transformer ? this.parseTransformer(transformer, start) : undefined;
  }

  private parseNumber(): StringValue {
    const start = this.pos;
    const num = this.match(NUMBER);
    if (num === undefined) throw this.error(`expected a number, found '${this.peekWord()}'`);
    return { kind: 'string', value: num, quoted: false, pos: start };
  }

  private parseStringValue(): StringValue {
    const start = this.pos;
    const quoted = this.matchQuoted();
    if (quoted !== undefined) return { kind: 'string', value: quoted, quoted: true, pos: start };
    const bare = this.match(BARE_STRING);
    if (bare === undefined) throw this.error(`expected a value, found '${this.peekWord()}'`);
    return { kind: 'string', value: bare, quoted: false, pos: start };
  }

  private parseListValue(): ListValue {
    const start = this.pos;
    if (!this.accept('(')) {
      // After list substitution an identifier left here is a literal one-element list (Falco's ListValue rule).
      const ident = this.match(IDENTIFIER);
      if (ident === undefined) throw this.error(`expected a list such as '(a, b)', found '${this.peekWord()}'`);
      return { kind: 'list', items: [{ kind: 'string', value: ident, quoted: false, pos: start }], pos: start };
    }
    const items: StringValue[] = [];
    this.skipBlanks();
    if (this.accept(')')) return { kind: 'list', items, pos: start };
    for (;;) {
      this.skipBlanks();
      items.push(this.parseStringValue());
      this.skipBlanks();
      if (this.accept(')')) return { kind: 'list', items, pos: start };
      if (!this.accept(',')) throw this.error(`expected ',' or ')' in the list that starts at offset ${start}`);
    }
  }

  // --- lexical helpers ---------------------------------------------------------------------------------------------

  private enter(): void {
    if (++this.#depth > this.maxDepth) {
      throw this.error(`condition is nested deeper than ${this.maxDepth} levels`);
    }
  }

  /** Skips blanks; true when at least one was skipped. */
  private skipBlanks(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && BLANK.test(this.text[this.pos]!)) this.pos++;
    return this.pos > start;
  }

  private skipBlanksAndMark(): number {
    this.skipBlanks();
    return this.pos;
  }

  private accept(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  /**
   * `and`/`or`/`not` are keywords only when followed by a blank or '(' (else `order_macro` would read as `or`...);
   * whether the blank is really there is checked by the caller, which reports Falco's error when it is missing.
   */
  private acceptKeyword(keyword: string): boolean {
    if (!this.text.startsWith(keyword, this.pos)) return false;
    const next = this.text[this.pos + keyword.length];
    if (next !== undefined && /[a-zA-Z0-9_.]/.test(next)) return false;
    this.pos += keyword.length;
    return true;
  }

  /** A word operator followed by a blank (the blank is left for the caller to skip). */
  private acceptWord(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    const next = this.text[this.pos + word.length];
    if (word === 'exists') {
      // `exists` ends a check: it may be followed by anything that is not part of a longer word.
      if (next !== undefined && /[a-zA-Z0-9_]/.test(next)) return false;
    } else if (next === undefined || !BLANK.test(next)) {
      return false;
    }
    this.pos += word.length;
    return true;
  }

  private matchStrOperator(): Operator | undefined {
    for (const op of SYMBOL_STR_OPERATORS) if (this.accept(op)) return op;
    for (const op of WORD_STR_OPERATORS) if (this.acceptWord(op)) return op;
    return undefined;
  }

  private matchModifier(): Modifier | undefined {
    for (const m of MODIFIERS) if (this.acceptWord(m)) return m;
    return undefined;
  }

  private matchTransformerName(): TransformerName | undefined {
    for (const name of TRANSFORMERS) if (this.accept(`${name}(`)) return name;
    return undefined;
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  /**
   * A quoted string, unescaped. As libsinsp's `lex_quoted_str`, the string ends at the first quote that is not
   * preceded by a backslash; there is no fallback: when every later quote is escaped (`"a\\"`, `"a\"`), the string
   * is unterminated and the condition is rejected (Falco rejects it too; it is not `a\`).
   */
  private matchQuoted(): string | undefined {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") return undefined;
    const start = this.pos;
    let end = -1;
    for (let i = start + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '\\' && this.text[i + 1] === quote) {
        i++;
      } else if (c === quote) {
        end = i;
        break;
      }
    }
    if (end < 0) throw this.error(`unterminated quoted string`, start);
    const raw = this.text.slice(start + 1, end);
    this.pos = end + 1;
    try {
      return unescapeQuoted(raw, quote);
    } catch (e) {
      throw this.error((e as Error).message, start);
    }
  }

  private peekWord(): string {
    const rest = this.text.slice(this.pos);
    const m = /^\S{1,20}/.exec(rest);
    return m ? m[0] : rest.length === 0 ? '<end>' : rest.slice(0, 1);
  }

  private error(message: string, at: number = this.pos): ConditionError {
    return new ConditionError(message, at);
  }
}
