/**
 * The real rules the rules fuzzer starts from: Falco's (the conformance kit beside the repository: the current k8s
 * audit rules, those of Falco 0.35.1, its syscall rules file and its test overrides) and the project's own rules/.
 * Without the kit, only rules/ (and the run says so). Conditions are taken out of the files as text, the way they are
 * written (block scalars joined), which is all the mutators need.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { conformanceDir, repoRoot } from '@peregrine/testkit';

export interface RulesCorpus {
  /** Rules files, by a name relative to where they come from. */
  readonly files: readonly { readonly name: string; readonly text: string }[];
  /** Every condition of those files. */
  readonly conditions: readonly string[];
  /** Where the corpus comes from, for the report. */
  readonly source: string;
}

export function rulesCorpus(): RulesCorpus {
  const kit = conformanceDir();
  const files: { name: string; text: string }[] = [];
  const repoRules = join(repoRoot(), 'rules');
  for (const path of yamlFiles(repoRules)) files.push({ name: relative(repoRoot(), path), text: readFileSync(path, 'utf8') });
  if (kit) for (const path of yamlFiles(kit)) files.push({ name: relative(kit, path), text: readFileSync(path, 'utf8') });
  const conditions = files.flatMap((f) => conditionsOf(f.text));
  const source = kit
    ? `Falco's rules from the conformance kit and the repository's rules/ (${files.length} files)`
    : `the repository's rules/ only (${files.length} files): the conformance kit is not beside the repository`;
  return { files, conditions, source };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** The `condition:` values of a rules file, as text (plain, quoted or block; continuation lines joined). */
export function conditionsOf(text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*-?\s*)condition:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const indent = m[1]!.length;
    let value = m[2]!.trim();
    const parts: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > indent)) {
      parts.push(lines[++i]!.trim());
    }
    if (value === '>' || value === '|' || value === '>-' || value === '|-') value = '';
    value = [value, ...parts].filter(Boolean).join(' ');
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    if (value) out.push(value);
  }
  return out;
}
