import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { alertToJson } from '@peregrine/rule-engine';
import { loadOutputsConfig } from '../config.js';
import { type AlertRecord, parseAlertMessage } from '../parse.js';
import { makeAlert } from '../test-support.js';
import { FileSink } from './file.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'peregrine-file-sink-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function sinkFor(path: string, extra: Record<string, unknown>): FileSink {
  const [config] = loadOutputsConfig({ sinks: [{ type: 'file', path, ...extra }] }).sinks;
  assert.ok(config?.type === 'file');
  return new FileSink('file', config);
}

function records(n: number): AlertRecord[] {
  return Array.from({ length: n }, () => {
    const result = parseAlertMessage({ topic: 't', partition: 0, offset: '0', value: Buffer.from(alertToJson(makeAlert())), headers: {} });
    assert.ok(result.ok);
    return result.record;
  });
}

async function linesOf(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
}

test('rotation keeps every line, no file past maxBytes, oldest in the highest number', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'sub', 'alerts.jsonl');
  const all = records(60);
  const lineBytes = Buffer.byteLength(`${all[0]!.json}\n`);
  const sink = sinkFor(path, { maxBytes: lineBytes * 4 + 10, maxFiles: 50 });
  await sink.open();
  const signal = new AbortController().signal;
  for (let i = 0; i < all.length; i += 7) await sink.write(all.slice(i, i + 7), signal);
  await sink.flush();
  await sink.close();

  const rotated = (await readdir(join(dir, 'sub'))).filter((f) => f !== 'alerts.jsonl')
    .map((f) => Number(f.split('.').at(-1))).sort((a, b) => b - a);
  assert.equal(rotated.length, 14); // 60 lines, 4 per file: 15 files
  const ordered: string[] = [];
  for (const n of rotated) {
    const lines = await linesOf(`${path}.${n}`);
    assert.equal(lines.length, 4);
    ordered.push(...lines);
  }
  ordered.push(...await linesOf(path));
  assert.deepEqual(ordered, all.map((r) => r.json));
});

test('past maxFiles the oldest file is dropped', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'alerts.jsonl');
  const all = records(10);
  const sink = sinkFor(path, { maxBytes: 1, maxFiles: 2 }); // every line gets a file of its own
  await sink.open();
  await sink.write(all, new AbortController().signal);
  await sink.close();
  assert.deepEqual((await readdir(dir)).sort(), ['alerts.jsonl', 'alerts.jsonl.1', 'alerts.jsonl.2']);
  assert.deepEqual(await linesOf(`${path}.2`), [all[7]!.json]);
  assert.deepEqual(await linesOf(`${path}.1`), [all[8]!.json]);
  assert.deepEqual(await linesOf(path), [all[9]!.json]);
});

test('an existing file is appended to, and counts toward maxBytes', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'alerts.jsonl');
  await writeFile(path, 'x'.repeat(100) + '\n');
  const [one] = records(1);
  const sink = sinkFor(path, { maxBytes: 120 });
  await sink.open();
  await sink.write([one!], new AbortController().signal);
  await sink.close();
  assert.deepEqual(await linesOf(`${path}.1`), ['x'.repeat(100)]);
  assert.deepEqual(await linesOf(path), [one!.json]);
});

test('a file left ending mid-line (a writer killed mid-write) gets a fresh line before the next alert', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'alerts.jsonl');
  const [one, two] = records(2);
  await writeFile(path, `${one!.json}\n${two!.json.slice(0, 40)}`);
  const sink = sinkFor(path, {});
  await sink.open();
  await sink.write([two!], new AbortController().signal);
  await sink.close();
  const lines = await linesOf(path);
  assert.deepEqual(lines, [one!.json, two!.json.slice(0, 40), two!.json]);
  assert.deepEqual(JSON.parse(lines[2]!), JSON.parse(two!.json), 'the alert written after the torn line is whole');
});

test('text format writes the output line', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'alerts.txt');
  const all = records(2);
  const sink = sinkFor(path, { format: 'text' });
  await sink.open();
  await sink.write(all, new AbortController().signal);
  await sink.close();
  assert.deepEqual(await linesOf(path), all.map((r) => r.alert.output));
  assert.equal(sink.health().ok, false); // closed
});
