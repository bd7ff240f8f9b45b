/**
 * Alerts larger than the bus can carry. An alert quotes its event (`output` and `output_fields` hold every `%field`
 * of the rule's output, and some fields are whole objects: `%ka.req.configmap.obj`, `%ka.useragent`), so a large
 * event makes a larger alert: a ConfigMap of 700 KB gives an alert over Kafka's default 1 MB. Sending it fails every
 * time; the batch was then retried forever and the partition stopped there (a poison message). Such an alert is not
 * sent: the message it came from goes to the dead-letter topic, saying which rule and how large, and the batch's
 * other alerts go on.
 */
import type { DeadLetter, EvaluateResult } from './batch.js';

type Alert = EvaluateResult['alerts'][number];

/** The alerts that fit in `maxBytes`, and one dead letter per message that made one that does not (with every reason). */
export function separateOversizeAlerts(alerts: readonly Alert[], maxBytes: number): { fit: Alert[]; deadLetters: DeadLetter[] } {
  const fit: Alert[] = [];
  const reasons = new Map<number, string[]>();
  for (const a of alerts) {
    const bytes = Buffer.byteLength(a.json);
    if (bytes <= maxBytes) {
      fit.push(a);
      continue;
    }
    let list = reasons.get(a.index);
    if (!list) reasons.set(a.index, (list = []));
    // The rule's name and sizes only: nothing of the event, which may not reach the logs.
    list.push(`the alert of rule '${a.rule}' is ${bytes} bytes, more than the bus message limit of ${maxBytes}`);
  }
  const deadLetters = [...reasons].map(([index, list]) => ({ index, reason: list.join('; ').slice(0, 500) }));
  return { fit, deadLetters };
}

/** Dead letters of the same message merged into one, with both reasons. */
export function mergeDeadLetters(...lists: readonly (readonly DeadLetter[])[]): DeadLetter[] {
  const byIndex = new Map<number, string>();
  for (const list of lists) {
    for (const d of list) {
      const known = byIndex.get(d.index);
      byIndex.set(d.index, known === undefined ? d.reason : `${known}; ${d.reason}`.slice(0, 500));
    }
  }
  return [...byIndex].sort((a, b) => a[0] - b[0]).map(([index, reason]) => ({ index, reason }));
}
