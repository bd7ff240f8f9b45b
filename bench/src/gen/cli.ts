#!/usr/bin/env node
/**
 * Writes generated audit events to stdout, for benches and for trying the pipeline by hand:
 *
 *   node bench/dist/gen/cli.js --count 20000 --seed 1 --format jsonl > events.jsonl
 *   node bench/dist/gen/cli.js --count 20000 --format eventlist --batch 400 > bodies.jsonl   (one EventList per line)
 *   node bench/dist/gen/cli.js --count 20000 --stats > /dev/null                              (size distribution and mix)
 *
 * Output is streamed with backpressure; the same arguments always give the same bytes. `--stats` writes its report to
 * stderr so that stdout stays data.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { eventList, type GeneratedEvent, streamEvents } from './audit-events.js';
import { mixReport } from './stats.js';

const USAGE = `Usage: node bench/dist/gen/cli.js [--count N] [--seed S] [--format jsonl|eventlist] [--batch N] [--stats]

  --count N        events to generate (default 20000)
  --seed S         PRNG seed, an integer (default 1): the same seed gives the same bytes
  --format F       jsonl: one Event per line (an audit log file); eventlist: one EventList per line (webhook bodies)
  --batch N        events per EventList (default 100; the apiserver sends up to 400)
  --stats          report the size distribution (p50/p90/p99/max) and the mix on stderr`;

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, options: {
      count: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' },
      format: { type: 'string', default: 'jsonl' }, batch: { type: 'string', default: '100' },
      stats: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    } }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  const batch = Number(values.batch);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed) || !Number.isInteger(batch) || batch < 1 ||
    (values.format !== 'jsonl' && values.format !== 'eventlist')) {
    process.stderr.write(`invalid arguments\n\n${USAGE}\n`);
    return 2;
  }

  const stream = streamEvents(seed);
  const kept: GeneratedEvent[] = [];
  const bodySizes: number[] = [];
  let pendingBatch: object[] = [];
  const write = async (text: string) => {
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  };
  for (let i = 0; i < count; i++) {
    const g = stream.next().value;
    if (values.stats) kept.push(g);
    if (values.format === 'jsonl') {
      await write(`${JSON.stringify(g.event)}\n`);
      continue;
    }
    pendingBatch.push(g.event);
    if (pendingBatch.length === batch || i === count - 1) {
      const body = eventList(pendingBatch);
      bodySizes.push(Buffer.byteLength(body));
      await write(`${body}\n`);
      pendingBatch = [];
    }
  }
  if (values.stats) process.stderr.write(mixReport(kept, values.format === 'eventlist' ? bodySizes : undefined));
  return 0;
}

// A reader that stops early (`| head`) closes the pipe: that ends the output, it is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
