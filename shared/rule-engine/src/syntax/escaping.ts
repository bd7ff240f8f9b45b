/**
 * Escape sequences inside quoted condition strings, as libsinsp's `unescape_str` accepts them: `\b \f \n \r \t \\ \/`,
 * the quote that delimits the string, and `\xHH`. Anything else is an error. One quirk is kept on purpose for
 * compatibility: a backslash followed by a space stands for a lone backslash (the space is dropped).
 */
const SIMPLE: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '\\': '\\', '/': '/' };

export function unescapeQuoted(raw: string, quote: '"' | "'"): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) throw new Error('a quoted string ends with a lone backslash');
    i++;
    if (next in SIMPLE) out += SIMPLE[next];
    else if (next === quote) out += quote;
    else if (next === ' ') out += '\\';
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else throw new Error(`unsupported escape sequence '\\${next}' in a quoted string`);
  }
  return out;
}

/**
 * Quotes a value for insertion into condition text the way Falco's loader does when it substitutes list items and
 * exception values: only values with a space that are not already quoted get double quotes.
 */
export function quoteItem(item: string): string {
  if (item.includes(' ') && !item.startsWith('"') && !item.startsWith("'")) return `"${item}"`;
  return item;
}
