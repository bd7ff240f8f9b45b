#!/usr/bin/env node
// Decoding audit events: JSON.parse against the npm `simdjson` package, measured side by side in one run, to decide
// which one the evaluator uses (the issue asks for simdjson "where measurement shows it wins"). simdjson is not a
// dependency of the project: install it for the measurement with `npm install --no-save simdjson` (its native build
// takes ~20 s). Prints a table; medians of 7 rounds of 0.3 s.
//   node bench/micro/decode.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let simd;
try {
  simd = require('simdjson');
  if (simd === JSON || typeof simd.isValid !== 'function') simd = undefined; // the package falls back to JSON silently
} catch {
  simd = undefined;
}

const dir = fileURLToPath(new URL('../../rules/tests/', import.meta.url));
const events = readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
  const c = JSON.parse(readFileSync(dir + f, 'utf8'));
  return [...c.positive, ...c.negative].map((e) => JSON.stringify(e));
});

function rate(fn) {
  const results = [];
  for (let round = 0; round < 7; round++) {
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (process.hrtime.bigint() - t0 < 300_000_000n) for (const e of events) { fn(e); n++; }
    results.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return results.sort((a, b) => a - b)[3];
}

let sink = 0;
const cases = [
  ['JSON.parse, then read 4 fields', (e) => { const o = JSON.parse(e); sink += (o.verb?.length ?? 0) + (o.stage?.length ?? 0); }],
];
if (simd) {
  cases.push(['simdjson.parse (whole object)', (e) => { const o = simd.parse(e); sink += o.verb?.length ?? 0; }]);
  cases.push(['simdjson.isValid (nothing extracted)', (e) => { sink += simd.isValid(e) ? 1 : 0; }]);
}
const bytes = events.reduce((a, e) => a + e.length, 0);
console.log(`${events.length} events (rules/tests), mean ${Math.round(bytes / events.length)} bytes; node ${process.version}`);
if (!simd) console.log('simdjson is not installed: npm install --no-save simdjson');
let base;
console.log('| method | events/s | vs JSON.parse |\n|---|---|---|');
for (const [name, fn] of cases) {
  const r = rate(fn);
  base ??= r;
  console.log(`| ${name} | ${Math.round(r).toLocaleString('en-US')} | ${(r / base).toFixed(2)} |`);
}
if (sink === 0) console.log('');
