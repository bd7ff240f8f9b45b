/**
 * The `peregrine` command: dispatches to a subcommand, prints help, and turns errors into exit codes. The only
 * process-level concerns (argv, exit code) are in bin/peregrine.js; `main` takes its streams so tests can drive it.
 */
import { benchCommand } from './commands/bench-rules.js';
import { fieldsCommand } from './commands/fields.js';
import { evaluatorCommand, ingestCommand, outputsCommand, runCommand } from './commands/pipeline-commands.js';
import { replayCommand } from './commands/replay.js';
import { setupCommand } from './commands/setup.js';
import { validateCommand } from './commands/validate.js';
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './usage.js';

const COMMANDS: readonly Command[] = [
  runCommand, ingestCommand, evaluatorCommand, outputsCommand, validateCommand, fieldsCommand, replayCommand, benchCommand,
  setupCommand,
];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: peregrine <command> [options]

Falco-compatible threat detection for Kubernetes audit logs.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'peregrine <command> --help' for a command's options.
`;
}

const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** Runs the command line `args` (without the program name); resolves to the exit code. */
export async function main(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? `${topic.help}\n` : topHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`peregrine: unknown command '${name}'\n\n${topHelp()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`peregrine ${command.name}: ${err.message}\nRun 'peregrine ${command.name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`peregrine ${command.name}: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
}
