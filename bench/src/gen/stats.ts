/**
 * The generator's `--stats` report: how big the events are (p50/p90/p99/max, overall and per audit level), what the
 * mix is (share of events per scenario, which ones are built to fire rules), and, for EventList output, how big the
 * webhook bodies are. Printed for people; the README's tables are copied from it.
 */
import { table } from '../results.js';
import { type GeneratedEvent, sizeStats } from './audit-events.js';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A Markdown report of the size distribution and mix of generated events; `bodySizes` for EventList bodies. */
export function mixReport(generated: readonly GeneratedEvent[], bodySizes?: readonly number[]): string {
  const sizes = generated.map((g) => Buffer.byteLength(JSON.stringify(g.event)));
  const all = sizeStats(sizes);
  const out: string[] = [];
  out.push(`${all.count.toLocaleString('en-US')} events, ${(all.totalBytes / 1e6).toFixed(1)} MB, mean ${kb(all.meanBytes)}; ` +
    `p50 ${kb(all.p50)}, p90 ${kb(all.p90)}, p99 ${kb(all.p99)}, max ${kb(all.max)}; ` +
    `${sizes.filter((s) => s > 50 * 1024).length} event(s) over 50 KB`);
  const suspicious = generated.filter((g) => g.suspicious).length;
  out.push(`built to fire rules: ${suspicious} event(s), ${pct(suspicious, generated.length)}`);

  out.push('', '### by audit level', '');
  out.push(table(groupRows(generated, sizes, (g) => String(g.event['level'])).map(({ key, ...r }) => ({ level: key, ...r }))));
  out.push('', '### by verb', '');
  out.push(table(groupRows(generated, sizes, (g) => String(g.event['verb'])).map(({ key, ...r }) => ({ verb: key, ...r }))));
  out.push('', '### by scenario', '');
  out.push(table(groupRows(generated, sizes, (g) => `${g.suspicious ? '(fires) ' : ''}${g.scenario}`).map(({ key, ...r }) => ({ scenario: key, ...r }))));
  if (bodySizes && bodySizes.length > 0) {
    const b = sizeStats(bodySizes);
    out.push('', `EventList bodies: ${b.count} bodies, p50 ${kb(b.p50)}, p90 ${kb(b.p90)}, p99 ${kb(b.p99)}, max ${kb(b.max)}`);
  }
  return `${out.join('\n')}\n`;
}

function groupRows(generated: readonly GeneratedEvent[], sizes: readonly number[], keyOf: (g: GeneratedEvent) => string) {
  const groups = new Map<string, number[]>();
  generated.forEach((g, i) => {
    const key = keyOf(g);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(sizes[i]!);
  });
  return [...groups].sort((a, b) => b[1].length - a[1].length).map(([key, s]) => {
    const st = sizeStats(s);
    return { key, events: s.length, share: pct(s.length, generated.length), p50: kb(st.p50), p99: kb(st.p99), max: kb(st.max) };
  });
}

function pct(n: number, of: number): string {
  return `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
}
