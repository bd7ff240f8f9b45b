/**
 * A rule's `output:` template, compiled once into a formatter. At each `%`: an optional width, then the longest
 * prefix that is a known field (with an optional `[arg]`) or a transformer expression, as libsinsp's formatter reads
 * it (so `%ka.target.name/%ka.target.resource` is two fields and a slash). A missing value prints as `<NA>`, a list
 * as `(a,b)`. The formatter also returns the values by their canonical name, for the alert's `output_fields`.
 */
import type { AuditEvent } from '../event.js';
import { ConditionError } from '../errors.js';
import type { FieldValue } from '../fields/types.js';
import type { FieldOperand } from '../syntax/ast.js';
import { parseOperandPrefix } from '../syntax/parser.js';
import { type CompiledOperand, compileOperand } from './compile.js';

export type OutputFieldValue = string | readonly string[] | null;

export interface FormattedOutput {
  readonly text: string;
  readonly fields: Readonly<Record<string, OutputFieldValue>>;
}

export interface OutputFormatter {
  (event: AuditEvent): FormattedOutput;
  /** Canonical names of the fields the template prints, in order of first use. */
  readonly fieldNames: readonly string[];
}

type Piece = string | { readonly operand: CompiledOperand; readonly width: number };

/** Compiles a template; throws ConditionError (offset into `template`) for `%` without a known field after it. */
export function compileOutput(template: string): OutputFormatter {
  const text = template.startsWith('*') ? template.slice(1) : template;
  const offset = template.length - text.length;
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '%') {
      literal += text[i];
      continue;
    }
    const at = i;
    let j = i + 1;
    while (j < text.length && /[0-9]/.test(text[j]!)) j++;
    const width = j > i + 1 ? Number(text.slice(i + 1, j)) : 0;
    const found = longestOperand(text.slice(j));
    if (!found) {
      const rest = text.slice(j, j + 30).split(/\s/)[0] ?? '';
      throw new ConditionError(
        j >= text.length ? `'%' at the end of the output` : `unknown field '${rest}' after '%' in the output`,
        offset + at, 'PG_ERR_RULE_OUTPUT');
    }
    if (literal) pieces.push(literal);
    literal = '';
    pieces.push({ operand: found.operand, width });
    i = j + found.length - 1;
  }
  if (literal) pieces.push(literal);

  const operands = pieces.filter((p): p is Exclude<Piece, string> => typeof p !== 'string');
  const fieldNames = [...new Set(operands.map((p) => p.operand.text))];
  const format = (event: AuditEvent): FormattedOutput => {
    let out = '';
    const fields: Record<string, OutputFieldValue> = {};
    for (const p of pieces) {
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      const value = p.operand.get(event);
      fields[p.operand.text] = value ?? null;
      out += pad(render(value), p.width);
    }
    return { text: out, fields };
  };
  return Object.assign(format, { fieldNames });
}

/**
 * The longest field/transformer at the start of `s` that compiles, trying shorter and shorter prefixes as libsinsp
 * does (`%ka.target.namespacefoo` prints `ka.target.namespace` then `foo`).
 */
function longestOperand(s: string): { operand: CompiledOperand; length: number } | undefined {
  for (let end = s.length; end > 0; end--) {
    const parsed = parseOperandPrefix(s.slice(0, end));
    if (!parsed) continue;
    const compiled = tryCompile(parsed.operand);
    if (compiled) return { operand: compiled, length: parsed.length };
    end = Math.min(end, parsed.length);
  }
  return undefined;
}

function tryCompile(o: FieldOperand): CompiledOperand | undefined {
  try {
    return compileOperand(o);
  } catch {
    return undefined;
  }
}

function render(v: FieldValue): string {
  if (v === undefined) return '<NA>';
  return typeof v === 'string' ? v : `(${v.join(',')})`;
}

function pad(s: string, width: number): string {
  if (width === 0) return s;
  return s.length >= width ? s.slice(0, width) : s + ' '.repeat(width - s.length);
}
