/**
 * Versions the rules files can ask for. Peregrine implements Falco's rule language as of engine 0.63.0 (Falco
 * 0.44, libs 0.25: string operator modifiers, transformers, `val()`), and provides the fields of the k8saudit and
 * json plugins, so `required_plugin_versions` entries naming them (or listing them as alternatives) are satisfied.
 */
export type Version = readonly [number, number, number];

export const ENGINE_VERSION: Version = [0, 63, 0];

export const PROVIDED_PLUGINS: Readonly<Record<string, Version>> = {
  k8saudit: [0, 18, 0],
  json: [0, 7, 4],
};

/** `1.2.3` (a pre-release or build suffix is ignored); undefined when not a version. */
export function parseVersion(text: string): Version | undefined {
  const m = /^\s*(\d+)\.(\d+)\.(\d+)(?:[-+].*)?\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
