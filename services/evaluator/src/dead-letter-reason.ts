/**
 * The reason attached to an undecodable audit message: it goes into a dead-letter header and into the evaluator's
 * warning log line. The decoder's messages quote the payload (V8's JSON.parse errors show an excerpt of the text, an
 * invalid `stageTimestamp` is shown as it is), and audit events must never reach the logs. So only the kind of
 * problem is kept, never the quoted bytes; the message itself, in the dead-letter topic, keeps everything.
 */

/** Reasons the decoder gives word for word, with nothing of the payload in them. */
const FIXED = new Set(['data not recognized as a k8s audit event', "can't read stageTimestamp"]);

/** One decoder error, without anything quoted from the payload. */
export function safeDecodeReason(error: string): string {
  if (FIXED.has(error)) return error;
  if (error.startsWith('invalid JSON')) {
    // V8's "... in JSON at position 42" is the only part worth keeping: where, not what.
    const at = /at position \d+/.exec(error);
    return at ? `invalid JSON (${at[0]})` : 'invalid JSON';
  }
  if (error.startsWith('invalid stageTimestamp')) return 'invalid stageTimestamp: not an RFC 3339 time';
  // A message this list does not know yet: keep its first words up to anything that may be quoted data.
  const head = /^[A-Za-z][A-Za-z ]{0,60}/.exec(error)?.[0].trim();
  return head ? `${head} (details not shown)` : 'undecodable (details not shown)';
}

/** The first errors of a message, short enough for a header, without payload excerpts. */
export function deadLetterReason(errors: readonly string[]): string {
  const head = errors.slice(0, 3).map(safeDecodeReason).join('; ');
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
  return (head + more).slice(0, 500);
}
