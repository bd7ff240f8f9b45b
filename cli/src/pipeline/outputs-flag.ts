/**
 * `--output` values: `stdout`, `stdout:text`, `file:PATH`, or an http(s) URL.
 */
import { UsageError } from '../usage.js';

export function parseOutputFlag(value: string): Record<string, unknown> {
  if (value === 'stdout' || value === 'stdout:json') return { type: 'stdout', format: 'json' };
  if (value === 'stdout:text') return { type: 'stdout', format: 'text' };
  if (value.startsWith('file:') && value.length > 5) return { type: 'file', path: value.slice(5) };
  if (/^https?:\/\/\S+$/.test(value)) return { type: 'http', url: value };
  throw new UsageError(`--output must be stdout, stdout:text, file:PATH or an http(s) URL, not '${value}'`);
}
