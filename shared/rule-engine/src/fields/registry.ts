/**
 * Every field a rule or an output can name, looked up by canonical name or alias.
 *
 * Names are case-sensitive and bare: the condition parser splits `ka.uri.param[command]` into the name
 * `ka.uri.param` and the argument `command` before asking here.
 */
import { evtFields } from './evt.js';
import { jsonFields } from './json.js';
import { k8sAuditFields } from './k8saudit.js';
import type { FieldInfo } from './types.js';

const ALL_FIELDS: readonly FieldInfo[] = Object.freeze([...k8sAuditFields, ...jsonFields, ...evtFields]);

const BY_NAME: ReadonlyMap<string, FieldInfo> = (() => {
  const byName = new Map<string, FieldInfo>();
  for (const field of ALL_FIELDS) {
    for (const name of [field.name, ...(field.aliases ?? [])]) {
      // Two tables claiming one name would make lookups depend on table order: fail at load instead.
      if (byName.has(name)) throw new Error(`field name '${name}' is declared twice`);
      byName.set(name, field);
    }
  }
  return byName;
})();

/** The field a canonical name (`jevt.value`) or an alias (`json.value`) names, or `undefined` when unknown. */
export function lookupField(name: string): FieldInfo | undefined {
  return BY_NAME.get(name);
}

/**
 * Every field once (aliases are not repeated), in a stable order: the 100 `ka.*` fields (see `k8sAuditFields`),
 * then `jevt.value`, `jevt.obj`, `jevt.rawtime`, then the `evt.*` fields.
 */
export function allFields(): readonly FieldInfo[] {
  return ALL_FIELDS;
}

/** Whether `name` is a canonical field name or an alias. */
export function isKnownFieldName(name: string): boolean {
  return BY_NAME.has(name);
}
