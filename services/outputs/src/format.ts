/**
 * How an alert becomes one line of a line-oriented sink (stdout, file). The invariant: exactly one line per alert,
 * terminated by `\n`, whatever the alert holds: the JSON form is the producer's text (already free of line breaks,
 * see parse.ts), and the text form escapes CR/LF that a rule's output could carry.
 */
import type { AlertRecord } from './parse.js';

/** `json`: the alert JSON (Falco's `json_output: true`); `text`: Falco's text line, the alert's `output`. */
export type LineFormat = 'json' | 'text';

export function formatLine(record: AlertRecord, format: LineFormat): string {
  if (format === 'json') return `${record.json}\n`;
  return `${record.alert.output.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}\n`;
}
