#!/usr/bin/env node
// Writes docs/configuration.md from the configuration schema (cli/src/config-docs.ts renders it), or with --check
// says whether the committed file is up to date (exit 1 when not). Run after `tsc -b`: `npm run docs:config` does
// both. cli/src/config-docs.test.ts makes `npm test` fail when the file is out of date or a key has no description.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { CONFIG_DOCS_FILE, renderConfigDocs, undocumentedKeys } = await import('../cli/dist/config-docs.js');
const target = `${root}${CONFIG_DOCS_FILE}`;
const text = renderConfigDocs();
const missing = undocumentedKeys();
if (missing.length > 0) {
  console.error(`gen-config-docs: these keys have no description in their schema (add one):\n  ${missing.join('\n  ')}`);
}
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(target, 'utf8'); } catch { /* missing: out of date */ }
  if (current !== text) {
    console.error(`gen-config-docs: ${CONFIG_DOCS_FILE} is out of date with the schema: run \`npm run docs:config\``);
    process.exit(1);
  }
  console.log(`${CONFIG_DOCS_FILE} is up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${CONFIG_DOCS_FILE}`);
}
process.exit(missing.length > 0 ? 1 : 0);
