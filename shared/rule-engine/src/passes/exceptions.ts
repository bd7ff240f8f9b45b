/**
 * Exceptions become condition text, as Falco builds it, appended to the rule's condition before lists are
 * substituted and the whole is parsed:
 *
 *   (COND) and not (F in (v1, v2))                                         single-field form
 *   (COND) and not ((f1 = a and f2 in (x, y)) or (f1 = b and f2 in (z)))   list form
 *
 * Values with a space are quoted; a scalar value under a list operator (`in`, `intersects`, `pmatch`, or a
 * `oneof/anyof/allof` combination) is wrapped in parentheses. Exceptions without values add nothing.
 */
import type { ExceptionInfo, ExceptionValue } from '../loader/collector.js';
import { LocatedText } from '../loader/located-text.js';
import { quoteItem } from '../syntax/escaping.js';

export function appendExceptions(condition: LocatedText, exceptions: readonly ExceptionInfo[]): LocatedText {
  const clauses = exceptions.map(exceptionClause).filter((c): c is LocatedText => c !== undefined);
  if (clauses.length === 0) return condition;
  const parts: LocatedText[] = [LocatedText.made('('), condition, LocatedText.made(')')];
  for (const c of clauses) parts.push(LocatedText.made(' and not '), c);
  return LocatedText.concat(parts);
}

function exceptionClause(exc: ExceptionInfo): LocatedText | undefined {
  if (exc.values.length === 0) return undefined;
  const at = (s: string) => LocatedText.uniform(s, exc.origin);
  if (exc.singleField) {
    const parts = [at('('), exc.fields[0]!, at(' '), exc.comps[0]!, at(' (')];
    exc.values.forEach((tuple, i) => {
      if (i > 0) parts.push(at(', '));
      parts.push(quotedValue(tuple[0] as LocatedText));
    });
    parts.push(at('))'));
    return LocatedText.concat(parts);
  }
  const parts = [at('(')];
  exc.values.forEach((tuple, i) => {
    if (i > 0) parts.push(at(' or '));
    parts.push(at('('));
    exc.fields.forEach((field, k) => {
      if (k > 0) parts.push(at(' and '));
      parts.push(field, at(' '), exc.comps[k]!, at(' '), renderValue(tuple[k]!, exc.comps[k]!.text.trim(), exc.origin));
    });
    parts.push(at(')'));
  });
  parts.push(at(')'));
  return LocatedText.concat(parts);
}

function renderValue(value: ExceptionValue, comp: string, origin: number): LocatedText {
  const at = (s: string) => LocatedText.uniform(s, origin);
  if (Array.isArray(value)) {
    const parts = [at('(')];
    (value as readonly LocatedText[]).forEach((v, i) => {
      if (i > 0) parts.push(at(', '));
      parts.push(quotedValue(v));
    });
    parts.push(at(')'));
    return LocatedText.concat(parts);
  }
  const scalar = value as LocatedText;
  if (isListOperator(comp) && !scalar.text.startsWith('(')) {
    return LocatedText.concat([at('('), quotedValue(scalar), at(')')]);
  }
  return quotedValue(scalar);
}

function isListOperator(comp: string): boolean {
  return comp === 'in' || comp === 'intersects' || comp === 'pmatch' || /\s(oneof|anyof|allof)$/.test(comp);
}

function quotedValue(v: LocatedText): LocatedText {
  const q = quoteItem(v.text);
  if (q === v.text) return v;
  const o = v.originAt(0);
  return LocatedText.concat([LocatedText.uniform('"', o), v, LocatedText.uniform('"', o)]);
}
