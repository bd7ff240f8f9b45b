/**
 * `glob`/`iglob` as POSIX fnmatch without FNM_PATHNAME (so `*` also matches `/`): `*`, `?`, bracket classes with
 * ranges and `!`/`^` negation, and `\` to quote the next character. The pattern is compiled once into single-character
 * matchers; matching uses the classic greedy-star algorithm with one backtrack point, O(pattern x value) at worst and
 * never exponential, so a hostile rule cannot stall the evaluator.
 */
type Token = { kind: 'star' } | { kind: 'char'; test: (c: string) => boolean };

export type GlobMatcher = (value: string) => boolean;

export function compileGlob(pattern: string, caseInsensitive = false): GlobMatcher {
  const fold = caseInsensitive ? asciiLower : (s: string) => s;
  const tokens = tokenize(fold(pattern), fold);
  return (value: string) => matchTokens(tokens, fold(value));
}

function tokenize(p: string, fold: (s: string) => string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'char', test: () => true });
    } else if (c === '[') {
      const cls = parseClass(p, i, fold);
      if (cls) {
        tokens.push({ kind: 'char', test: cls.test });
        i = cls.end;
      } else {
        tokens.push(literal('['));
      }
    } else if (c === '\\' && i + 1 < p.length) {
      tokens.push(literal(p[++i]!));
    } else {
      tokens.push(literal(c));
    }
  }
  return tokens;
}

function literal(c: string): Token {
  return { kind: 'char', test: (v) => v === c };
}

/** A bracket expression starting at `start`; undefined when it is not closed (then `[` is a literal, as in fnmatch). */
function parseClass(p: string, start: number, fold: (s: string) => string):
  { test: (c: string) => boolean; end: number } | undefined {
  let i = start + 1;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  const ranges: [string, string][] = [];
  const named: ((c: string) => boolean)[] = [];
  let first = true;
  for (; i < p.length; i++) {
    let c = p[i]!;
    if (c === ']' && !first) {
      const test = (v: string) => (ranges.some(([lo, hi]) => v >= lo && v <= hi) || named.some((f) => f(v))) !== negate;
      return { test, end: i };
    }
    first = false;
    // fnmatch's named classes (`[[:digit:]]`, `[^[:space:]]`), which Falco's glob supports; without this, `[[:digit:]]`
    // was read as the set {[, :, d, i, g, t} followed by a literal `]`.
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      const cls = close < 0 ? undefined : POSIX_CLASSES[p.slice(i + 2, close)];
      if (cls) {
        named.push(cls);
        i = close + 1;
        continue;
      }
    }
    if (c === '\\' && i + 1 < p.length) c = p[++i]!;
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      let hi = p[i + 2]!;
      i += 2;
      if (hi === '\\' && i + 1 < p.length) hi = p[++i]!;
      ranges.push([fold(c), fold(hi)]);
    } else {
      ranges.push([c, c]);
    }
  }
  return undefined;
}

/** The POSIX character classes of the C locale (ASCII only, as Falco runs). */
const POSIX_CLASSES: Readonly<Record<string, (c: string) => boolean>> = {
  alnum: (c) => /^[A-Za-z0-9]$/.test(c),
  alpha: (c) => /^[A-Za-z]$/.test(c),
  blank: (c) => c === ' ' || c === '\t',
  cntrl: (c) => /^[\x00-\x1f\x7f]$/.test(c),
  digit: (c) => /^[0-9]$/.test(c),
  graph: (c) => /^[\x21-\x7e]$/.test(c),
  lower: (c) => /^[a-z]$/.test(c),
  print: (c) => /^[\x20-\x7e]$/.test(c),
  punct: (c) => /^[!-/:-@[-`{-~]$/.test(c),
  space: (c) => /^[ \t\n\v\f\r]$/.test(c),
  upper: (c) => /^[A-Z]$/.test(c),
  xdigit: (c) => /^[0-9A-Fa-f]$/.test(c),
};

function matchTokens(tokens: readonly Token[], v: string): boolean {
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < v.length) {
    const tok = tokens[t];
    if (tok?.kind === 'char' && tok.test(v[i]!)) {
      t++;
      i++;
    } else if (tok?.kind === 'star') {
      starT = t++;
      starI = i;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * ASCII-only lower case, like C's tolower/strcasestr: other characters are left as they are. Text that is all ASCII
 * (nearly always) takes the native toLowerCase, which then means the same and is ~10x faster on large values.
 */
export function asciiLower(s: string): string {
  return ASCII_ONLY.test(s) ? s.toLowerCase() : s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
