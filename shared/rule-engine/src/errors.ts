/**
 * Diagnostics: every problem the loader finds, with a code, the file, line and column, the item it belongs to, and
 * the source line so that it can be printed with a caret under the spot. The loader collects all of them; any
 * `error` fails the load, `warning`s do not.
 */

export const DIAGNOSTIC_CODES = [
  'PG_ERR_RULE_FILE_READ',
  'PG_ERR_RULE_YAML',
  'PG_ERR_RULE_SCHEMA',
  'PG_ERR_RULE_PARSE',
  'PG_ERR_RULE_LIST',
  'PG_ERR_RULE_MACRO',
  'PG_ERR_RULE_FIELD',
  'PG_ERR_RULE_OPERATOR',
  'PG_ERR_RULE_VALUE',
  'PG_ERR_RULE_OUTPUT',
  'PG_ERR_RULE_EXCEPTION',
  'PG_ERR_RULE_OVERRIDE',
  'PG_ERR_RULE_PRIORITY',
  'PG_ERR_RULE_ENGINE_VERSION',
  'PG_WARN_RULE_UNKNOWN_ITEM',
  'PG_WARN_RULE_UNKNOWN_KEY',
  'PG_WARN_RULE_DEPRECATED',
  'PG_WARN_RULE_UNUSED',
  'PG_WARN_RULE_SOURCE',
  'PG_WARN_RULE_NOT_PARTITIONED',
  'PG_WARN_RULE_NEVER_MATCHES',
  'PG_WARN_RULE_VALUE',
  'PG_WARN_RULE_LEGACY',
  'PG_WARN_RULE_EXCEPTION',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/** A place in a rules file. Lines and columns are 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The whole text of that line, for the caret. */
  readonly lineText: string;
}

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly pos?: SourcePos | undefined;
  /** The item the problem belongs to, e.g. `rule 'Create Privileged Pod'`. */
  readonly item?: string | undefined;
}

/**
 * Renders a diagnostic the way compilers do:
 *
 *     rules.yaml:12:34: error: unknown field 'ka.user.nam' (PG_ERR_RULE_FIELD) in rule 'X'
 *        12 |   condition: ka.user.nam = bob
 *           |              ^
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ` : '';
  const item = d.item ? ` in ${d.item}` : '';
  let out = `${where}${d.severity}: ${d.message}${item} [${d.code}]`;
  if (d.pos) {
    const gutter = String(d.pos.line);
    const pad = ' '.repeat(gutter.length);
    const text = d.pos.lineText.replace(/\t/g, ' ');
    out += `\n ${gutter} | ${text}\n ${pad} | ${' '.repeat(Math.max(0, d.pos.col - 1))}^`;
  }
  return out;
}

/** A condition-language error at an offset of the text being parsed; the loader maps the offset to a file position. */
export class ConditionError extends Error {
  override readonly name = 'ConditionError';
  constructor(
    message: string,
    readonly offset: number,
    readonly code: DiagnosticCode = 'PG_ERR_RULE_PARSE',
  ) {
    super(message);
  }
}
