/**
 * Test helper: runs the peregrine command in-process through `main(args, io)` with captured streams, the same code
 * as the binary minus the process exit.
 */
import { PassThrough, Readable } from 'node:stream';
import { main } from './main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], stdinText = ''): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdout, stderr, stdin: Readable.from([stdinText]) });
  return { code, stdout: out, stderr: err };
}
