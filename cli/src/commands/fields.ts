/**
 * `peregrine fields [--json]`: every field a condition or an output can use, with its type, whether it is a list,
 * its argument and what it extracts.
 */
import { allFields, type FieldInfo } from '@peregrine/rule-engine';
import { type Command, EXIT_OK, parseCommandArgs, UsageError } from '../usage.js';

export const fieldsCommand: Command = {
  name: 'fields',
  summary: 'list the fields rules can use (ka.*, jevt.*, evt.*)',
  help: `Usage: peregrine fields [options] [PREFIX]

Lists every field conditions and outputs can use: name, type, whether it is a
list (lists accept only 'in', 'intersects' and 'exists'), its argument, and
what it extracts from the audit event. With PREFIX, only the fields whose name
starts with it (e.g. 'ka.req.pod').

Options:
  --json       print a JSON array of {name, aliases, type, isList, arg, desc}
  -h, --help   show this help`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
    if (positionals.length > 1) throw new UsageError('fields takes at most one PREFIX');
    const prefix = positionals[0] ?? '';
    const fields = allFields().filter((f) => f.name.startsWith(prefix) || f.aliases?.some((a) => a.startsWith(prefix)));
    if (values['json']) {
      const rows = fields.map((f) => ({ name: f.name, aliases: f.aliases ?? [], type: f.type, isList: f.isList, arg: f.arg, desc: f.desc }));
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return EXIT_OK;
    }
    const width = Math.max(...fields.map((f) => label(f).length), 10);
    for (const f of fields) {
      const kind = `${f.type}${f.isList ? ' list' : ''}`.padEnd(12);
      io.stdout.write(`${label(f).padEnd(width)}  ${kind}  ${f.desc}${f.aliases?.length ? ` (alias: ${f.aliases.join(', ')})` : ''}\n`);
    }
    io.stderr.write(`${fields.length} field(s)\n`);
    return EXIT_OK;
  },
};

function label(f: FieldInfo): string {
  switch (f.arg) {
    case 'index':
      return `${f.name}[N]`;
    case 'key':
      return `${f.name}[KEY]`;
    case 'optional-key':
      return `${f.name}[/POINTER]`;
    default:
      return f.name;
  }
}
