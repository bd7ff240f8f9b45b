/**
 * Sends the webhook fuzzer's requests to a running webhook, a few at a time, and judges every answer against the
 * oracle (webhook-oracle.ts): status, error code, and a message naming the problem. Answers 503 are retried, as an
 * apiserver does (the bus may be full for a moment). For the bodies accepted, it adds up what the pipeline must then
 * produce (webhook-expectations.ts). Shared by the one-process and the Kafka cases.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import type { Ruleset } from '@peregrine/rule-engine';
import { sleep } from '../harness/processes.js';
import type { FuzzRequest } from './webhook-bodies.js';
import { type Reply, send, sendRaw } from './webhook-client.js';
import { type Expected, expectFrom, expectNothing } from './webhook-expectations.js';
import { type Answer, expectedAnswer, type Limits } from './webhook-oracle.js';

export interface StormResult {
  readonly expected: Expected;
  readonly byStatus: Record<string, number>;
  readonly byKind: Record<string, Record<string, number>>;
  readonly failures: { readonly index: number; readonly request: FuzzRequest; readonly problem: string }[];
  readonly retries: number;
  readonly slowest: { readonly ms: number; readonly index: number };
}

export interface StormOptions {
  readonly limits: Limits;
  readonly concurrency: number;
  /** Every request must be answered within this. */
  readonly answerBoundMs: number;
}

export async function storm(
  url: string, requests: readonly { index: number; request: FuzzRequest }[], ruleset: Ruleset, o: StormOptions,
): Promise<StormResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const expected = expectNothing();
  const byStatus: Record<string, number> = {};
  const byKind: Record<string, Record<string, number>> = {};
  const failures: StormResult['failures'] = [];
  let retries = 0;
  let slowest = { ms: 0, index: -1 };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const { index, request } = requests[next++]!;
      const want = expectedAnswer(request, o.limits);
      const post = () => (request.body.length > o.limits.maxBodyBytes ? sendRaw(url, request, o.answerBoundMs)
        : send(url, request, agent, o.answerBoundMs));
      let reply = await post();
      for (let attempt = 0; reply.status === 503 && attempt < 40; attempt++) {
        retries++;
        await sleep(250);
        reply = await post();
      }
      if (reply.ms > slowest.ms) slowest = { ms: reply.ms, index };
      byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
      const kindCounts = (byKind[request.kind] ??= {});
      kindCounts[reply.status] = (kindCounts[reply.status] ?? 0) + 1;
      const problem = judge(want, reply);
      if (problem) failures.push({ index, request, problem });
      else if (want.status === 200) expectFrom(expected, ruleset, request.cluster, want.payloads, o.limits.maxMessageBytes);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { expected, byStatus, byKind, failures, retries, slowest };
}

/** What is wrong with a reply, or undefined. */
export function judge(want: Answer, reply: Reply): string | undefined {
  if (reply.status === 0) return `no answer: ${reply.error}`;
  if (reply.status !== want.status) {
    return `answered ${reply.status} ${reply.body.slice(0, 200)}, expected ${want.status}${'code' in want ? ` ${want.code}` : ''}`;
  }
  let parsed: { code?: unknown; message?: unknown; events?: unknown };
  try {
    parsed = JSON.parse(reply.body) as typeof parsed;
  } catch {
    return `answered ${reply.status} with a body that is not JSON: ${reply.body.slice(0, 200)}`;
  }
  if (want.status === 200) {
    return parsed.events === want.events ? undefined : `answered 200 for ${String(parsed.events)} events, expected ${want.events}`;
  }
  if (parsed.code !== want.code) return `answered ${reply.status} ${String(parsed.code)}, expected ${want.code}`;
  if (typeof parsed.message !== 'string' || !want.message.test(parsed.message)) {
    return `answered ${reply.status} ${want.code} with message '${String(parsed.message)}', expected ${want.message}`;
  }
  return undefined;
}

/** How a failure is shown: the request, why, and how to replay it. */
export function describeFailures(failures: StormResult['failures'], seed: number, file: string, preview: (b: Buffer) => string): string {
  return failures.slice(0, 8).map((f) =>
    `- #${f.index} (${f.request.kind}, ${f.request.method} /${f.request.cluster}, type ${f.request.contentType}, ` +
    `encoding ${f.request.contentEncoding}, ${f.request.body.length} bytes): ${f.problem}\n  replay: FUZZ_SEED=${seed} ` +
    `FUZZ_ONLY=${f.index} node --test ${file}\n  body: ${preview(f.request.body)}`).join('\n');
}

/** The complete JSON lines of a file being appended to (a last line still being written is left for later). */
export function readJsonLines(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The sum of every series of a metric in a Prometheus text exposition. */
export function metricSum(exposition: string, name: string): number {
  return [...exposition.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
}
