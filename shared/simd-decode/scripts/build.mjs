#!/usr/bin/env node
// Builds the native decoder at `npm ci`/`npm install` (node-gyp, against Debian's libsimdjson-dev). The addon is an
// optional speed-up: when it cannot be built, this prints why and how to fix it, and the install goes on (the evaluator
// then decodes with JSON.parse). Under CI, or with PEREGRINE_NATIVE=require, a failed build fails the install instead,
// so that the tests comparing the two decoders always run there.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const required = process.env.PEREGRINE_NATIVE === 'require' || (process.env.CI ?? '') !== '' && process.env.CI !== 'false';

if (process.env.PEREGRINE_NATIVE === 'off') {
  console.warn('@peregrine/simd-decode: PEREGRINE_NATIVE=off, native decoder not built (the evaluator uses JSON.parse)');
  process.exit(0);
}

const missing = [];
if (!existsSync('/usr/include/simdjson.h') && !process.env.CPLUS_INCLUDE_PATH) missing.push('simdjson headers (apt-get install libsimdjson-dev)');

// npm runs install scripts with its bundled node-gyp (npm_config_node_gyp names it); run by hand, use npm's own copy.
const bundledGyp = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundledGyp) ? bundledGyp : undefined);
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
// Build against the headers of the Node.js that runs us when it ships them: node-gyp would otherwise download them.
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h'))) args.push(`--nodedir=${prefix}`);
const result = missing.length > 0 ? undefined : spawnSync(command, args, { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
const built = result?.status === 0 && existsSync(join(here, 'build', 'Release', 'simd_decode.node'));
if (built) {
  // What the loader checks against the CPU it runs on (an image built on one machine may run on another).
  const { HASWELL_CPU_FLAGS, simdFlags } = await import('./simd-flags.mjs');
  const flags = simdFlags();
  // `requires`: the CPU flags the build assumed, which the loader checks (none for the portable kernel).
  const requires = flags.length > 0 ? HASWELL_CPU_FLAGS : [];
  writeFileSync(join(here, 'build', 'Release', 'simd-target.json'), `${JSON.stringify({ flags, requires })}\n`);
  console.warn(`@peregrine/simd-decode: native decoder built${flags.length > 0 ? ` (${flags.join(' ')})` : ''}`);
  process.exit(0);
}
const why = missing.length > 0 ? `missing ${missing.join(', ')}` : `node-gyp failed (${result?.error?.message ?? `exit ${result?.status}`})`;
console.warn(`@peregrine/simd-decode: native decoder NOT built: ${why}. The evaluator will decode with JSON.parse.`);
process.exit(required ? 1 : 0);
