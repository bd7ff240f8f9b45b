/**
 * Where the project's own rules are when `--rules` is not given: the `rules/` directory of the repository this CLI
 * belongs to (cli/dist/ -> ../../rules).
 */
import { fileURLToPath } from 'node:url';

export function defaultRulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}
