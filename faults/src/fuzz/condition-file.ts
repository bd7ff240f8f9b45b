/**
 * Puts one fuzzed condition into a small rules file, the way a user would write it: in a rule's condition (most of
 * the time), in a macro the rule uses, in an exception, or as an output template; as a block scalar (any text
 * survives it), a plain one-line scalar or a double-quoted one (where YAML itself may refuse it first). The file
 * also defines the lists and macros the fuzzer's vocabulary knows (condition-mutator.ts), so that a mutated
 * condition can reach the compiler and not only the parser.
 */
import type { Random } from './random.js';

const PRELUDE = `- required_engine_version: 0.15.0
- list: sensitive_names
  items: [admin, root, "kube system", sensitive_names_extra]
- list: sensitive_names_extra
  items: [cluster-admin]
- list: k8s_audit_stages
  items: [ResponseComplete]
- list: empty_list
  items: []
- macro: kevt
  condition: (jevt.value[/stage] in (k8s_audit_stages))
- macro: kcreate
  condition: ka.verb=create
- macro: pod
  condition: ka.target.resource=pods and not ka.target.subresource exists
`;

/** The condition as a YAML value after `key:` at `indent` spaces: block, plain or double-quoted. */
function yamlValue(text: string, indent: number, rnd: Random): string {
  const style = rnd.weighted([[8, 'block'], [1, 'plain'], [1, 'quoted']] as const);
  if (style === 'plain') return ` ${text}`;
  if (style === 'quoted') return ` ${JSON.stringify(text)}`;
  const pad = ' '.repeat(indent + 2);
  return ` ${rnd.pick(['|-', '>-', '|', '>'])}\n${text.split('\n').map((l) => pad + l).join('\n')}`;
}

export function conditionFile(condition: string, rnd: Random): string {
  const where = rnd.weighted([[70, 'rule'], [15, 'macro'], [8, 'exception'], [4, 'output'], [3, 'append']] as const);
  const rule = (cond: string, extra = '', output = ' "%ka.user.name did %ka.verb on %ka.target.resource"') =>
    `- rule: Fuzzed rule\n  desc: a rule the fuzzer wrote\n  condition:${cond}\n  output:${output}\n  priority: WARNING\n` +
    `  source: k8s_audit\n  tags: [fuzz]\n${extra}`;
  switch (where) {
    case 'rule':
      return PRELUDE + rule(yamlValue(condition, 2, rnd));
    case 'macro':
      return `${PRELUDE}- macro: fuzz_macro\n  condition:${yamlValue(condition, 2, rnd)}\n${rule(' kevt and fuzz_macro')}`;
    case 'exception': {
      const asField = rnd.chance(0.5);
      const fields = asField ? `[${condition.replace(/\n/g, ' ')}]` : '[ka.user.name, ka.target.namespace]';
      const values = asField ? '[[a]]' : `[[${JSON.stringify(condition)}, kube-system]]`;
      return PRELUDE + rule(' kevt and kcreate',
        `  exceptions:\n  - name: fuzzed\n    fields: ${fields}\n    comps: [=, in]\n    values: ${values}\n`);
    }
    case 'output':
      return PRELUDE + rule(' kevt and kcreate', '', yamlValue(condition, 2, rnd));
    default:
      return `${PRELUDE + rule(' kevt')}- rule: Fuzzed rule\n  condition:${yamlValue(condition, 2, rnd)}\n  append: true\n`;
  }
}
