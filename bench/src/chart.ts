/**
 * The README chart: SVG bar charts of events/s from a saved result set (`results/<tag>/*.json`), written to
 * `results/<tag>/chart.svg`. Two charts: the evaluator pool by worker count (pool bench, at its ratio batch shape),
 * and every stage of the pipeline side by side (JSON.parse alone, decode + evaluate on one thread, the pool at N
 * workers, ingest with and without JSON.parse and to Kafka, end-to-end sustained). A figure a bench did not produce is
 * left out, never drawn as zero. Where evaluator-core ran, its single-thread figures are used (it measures them with a
 * cleaner heap than the pool bench's references), for the project's rules, the ones the pool and the e2e run.
 *
 *   node bench/dist/chart.js [--save TAG]      (default tag: local)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, benchOptions, RESULTS_DIR, type Row } from './results.js';
import { isEntryPoint } from './lib/cli.js';
import { type Bar, type BarChart, renderBarCharts } from './lib/svg.js';

/** The results a chart is drawn from; any may be missing. */
export interface ChartInputs {
  readonly pool?: BenchResult | undefined;
  readonly ingest?: BenchResult | undefined;
  readonly e2e?: BenchResult | undefined;
  readonly evaluatorCore?: BenchResult | undefined;
}

const num = (r: Row | undefined, key: string): number | undefined => {
  const v = r?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** The SVG document for the inputs (valid even when every input is missing: then it holds only the heading). */
export function renderChart(inputs: ChartInputs, tag = 'local'): string {
  const charts: BarChart[] = [];
  const pool = inputs.pool;
  const ratioShape = pool?.settings['ratioShape'] as string | undefined;
  if (pool) {
    const bars: Bar[] = pool.rows
      .filter((r) => r['variant'] === 'RulePool' && r['batch'] === ratioShape)
      .map((r) => ({ label: `${String(r['workers'])} worker${r['workers'] === 1 ? '' : 's'}`, value: num(r, 'events/s') ?? 0 }));
    const inline = pool.rows.find((r) => String(r['variant']).startsWith('decode+evaluate inline'));
    if (inline) bars.unshift({ label: 'no pool (inline, 1 thread)', value: num(inline, 'events/s') ?? 0, color: '#999' });
    if (bars.length > 0) {
      charts.push({ title: `Evaluator pool (RulePool), decode + evaluate, batches of ${ratioShape ?? '?'} (messages x events)`, axisLabel: 'events/s', bars });
    }
  }
  const stages = stageBars(inputs);
  if (stages.length > 0) charts.push({ title: 'Events/s by stage', axisLabel: 'events/s', bars: stages, color: '#4a8c5c' });
  const m = (inputs.pool ?? inputs.ingest ?? inputs.e2e ?? inputs.evaluatorCore)?.machine;
  const heading = `Peregrine bench, results/${tag}` + (m ? ` - ${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.date.slice(0, 10)}` : '');
  return renderBarCharts(heading, charts);
}

function stageBars(inputs: ChartInputs): Bar[] {
  const bars: Bar[] = [];
  const add = (label: string, value: number | undefined, color?: string) => {
    if (value !== undefined && value > 0) bars.push(color ? { label, value, color } : { label, value });
  };
  const core = inputs.evaluatorCore?.rows;
  const stages = inputs.pool?.settings['stages'] as { jsonParse?: number; decodeEvaluate?: number; poolAtCores?: number; cores?: number } | undefined;
  const coreParse = num(core?.find((r) => r['step'] === 'JSON.parse'), 'events/s');
  // The same rules as the pool (the project's rules/, "ours" in evaluator-core), so the two bars compare.
  const coreDecode = num(core?.find((r) => r['step'] === 'decode + evaluate' && r['rules'] === 'ours' && r['index'] === 'partitioned' && r['matching'] === 'first'), 'events/s');
  add('JSON.parse alone (1 thread)', coreParse ?? stages?.jsonParse);
  add('decode + evaluate (1 thread)', coreDecode ?? stages?.decodeEvaluate);
  // The worker's own decoding of 100-event EventLists, each decoder, same rules: issue 7's comparison.
  const batch = (decoder: string) => num(core?.find((r) => r['step'] === `batch decode + evaluate (${decoder})` && r['rules'] === 'ours'), 'events/s');
  add('100-event lists, JSON.parse + rules (1 thread)', batch('json'));
  add('100-event lists, native decoder + rules (1 thread)', batch('native'));
  add(`evaluator pool, ${stages?.cores ?? 'N'} workers`, stages?.poolAtCores);
  const ingest = (prefix: string) => num(inputs.ingest?.rows.find((r) => String(r['variant']).startsWith(prefix)), 'events/s');
  add('ingest, raw (webhook -> memory bus)', ingest('memory'));
  add('ingest, JSON.parse route -> memory bus', ingest('json-parse'), '#b5651d');
  add('ingest, raw -> Kafka (mock broker)', ingest('kafka'));
  for (const mode of ['embedded', 'kafka']) {
    const zeroLoss = inputs.e2e?.rows.filter((r) => r['mode'] === mode && r['zero loss'] === 'yes') ?? [];
    const best = Math.max(0, ...zeroLoss.map((r) => num(r, 'sustained ev/s') ?? 0));
    add(`e2e, ${mode === 'embedded' ? 'peregrine run' : '3 services + Kafka'} (sustained, no loss)`, best || undefined);
  }
  return bars;
}

/** Reads `results/<tag>/{pool,ingest,e2e,evaluator-core}.json` (those present). */
export function readResults(tag: string): ChartInputs {
  const read = (name: string): BenchResult | undefined => {
    const path = join(RESULTS_DIR, tag, `${name}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BenchResult) : undefined;
  };
  return { pool: read('pool'), ingest: read('ingest'), e2e: read('e2e'), evaluatorCore: read('evaluator-core') };
}

/** Writes `results/<tag>/chart.svg` from the saved results of `tag`; returns its path. */
export function writeChart(tag: string): string {
  const path = join(RESULTS_DIR, tag, 'chart.svg');
  writeFileSync(path, renderChart(readResults(tag), tag));
  return path;
}

if (isEntryPoint(import.meta.url)) {
  const { tag } = benchOptions(process.argv.slice(2));
  console.log(`wrote ${writeChart(tag)}`);
}
