/**
 * The live stream over real sockets: new alerts arrive as events with their exact text, filtered; a reconnect with
 * Last-Event-ID resumes where it left off, one from another process is told to reset, one that fell off the store
 * is told of the gap; keep-alive comments flow; and a client that stops reading costs bounded memory however many
 * alerts arrive, then catches up when it reads again, or is disconnected when it stays stalled.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alertToJson } from '@peregrine/rule-engine';
import { parseQuery } from './query.js';
import { AlertStreams, type StreamOptions } from './sse.js';
import { AlertStore } from './store.js';
import { makeAlert, readEvents, recordOf, records, serve, type ServerSentEvent } from './test-support.js';

async function streamServer(t: TestContext, store: AlertStore, options: StreamOptions = {}): Promise<{ url: string; streams: AlertStreams }> {
  const streams = new AlertStreams(store, options);
  t.after(() => streams.close());
  const url = await serve(t, (req, res) => {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const parsed = parseQuery(params);
    assert.ok(parsed.ok);
    const last = req.headers['last-event-id'];
    streams.open(req, res, parsed.query, typeof last === 'string' ? last : undefined);
  });
  return { url, streams };
}

const alertsOf = (events: ServerSentEvent[]) => events.filter((e) => e.event === 'alert');
const seqOf = (e: ServerSentEvent) => Number(e.id!.split('.')[1]);

test('new alerts arrive live, filtered, with their exact text and a resumable id', async (t) => {
  const store = new AlertStore({ maxAlerts: 100, maxBytes: 1 << 20 });
  store.add(records([{ cluster: 'dev' }])); // before the stream opens: not sent
  const { url } = await streamServer(t, store);
  const all = await readEvents(t, `${url}/`);
  const dev = await readEvents(t, `${url}/?cluster=dev`);
  assert.equal(all.status, 200);
  assert.match(String(all.headers['content-type']), /^text\/event-stream/);
  assert.equal(all.headers['cache-control'], 'no-store');
  const fresh = [makeAlert({ cluster: 'prod' }), makeAlert({ cluster: 'dev', output: 'line one\nline two <b>bold</b>' })];
  store.add(fresh.map(recordOf));
  await all.until('two alerts', (e) => alertsOf(e).length === 2);
  await dev.until('one alert', (e) => alertsOf(e).length === 1);
  const got = alertsOf(all.events).map((e) => JSON.parse(e.data) as { seq: number; id: string; received: string; alert: unknown });
  assert.deepEqual(got.map((g) => g.id), fresh.map((a) => a.id));
  assert.deepEqual(alertsOf(all.events).map((e) => e.id), [`${store.instance}.2`, `${store.instance}.3`]);
  // The alert is the producer's text, spliced in: nanosecond digits intact.
  assert.ok(alertsOf(all.events)[0]!.data.endsWith(`"alert":${alertToJson(fresh[0]!)}}`));
  assert.equal(JSON.parse(alertsOf(dev.events)[0]!.data).alert.output, 'line one\nline two <b>bold</b>');
});

test('Last-Event-ID resumes after it; one of another process gets a reset; one evicted gets a gap', async (t) => {
  const store = new AlertStore({ maxAlerts: 10, maxBytes: 1 << 20 });
  store.add(Array.from({ length: 6 }, () => recordOf(makeAlert())));
  const { url } = await streamServer(t, store);

  const resumed = await readEvents(t, url, { 'last-event-id': `${store.instance}.4` });
  await resumed.until('alerts 5 and 6', (e) => alertsOf(e).length === 2);
  assert.deepEqual(alertsOf(resumed.events).map(seqOf), [5, 6]);

  const foreign = await readEvents(t, url, { 'last-event-id': 'feedfacecafe.3' });
  await foreign.until('a reset', (e) => e.some((x) => x.event === 'reset'));
  assert.equal(alertsOf(foreign.events).length, 0, 'then only what is new');

  const future = await readEvents(t, url, { 'last-event-id': `${store.instance}.99` });
  await future.until('a reset', (e) => e.some((x) => x.event === 'reset'));

  store.add(Array.from({ length: 10 }, () => recordOf(makeAlert()))); // 16 added: 7..16 held
  const behind = await readEvents(t, url, { 'last-event-id': `${store.instance}.2` });
  await behind.until('the held ones', (e) => alertsOf(e).length === 10);
  assert.deepEqual(behind.events[0], { id: undefined, event: 'gap', data: '{"missed":4}' });
  assert.deepEqual(alertsOf(behind.events).map(seqOf), [7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  await foreign.until('the new ten', (e) => alertsOf(e).length === 10);
});

test('keep-alive comments; too many streams: 503; close() ends them all', async (t) => {
  const store = new AlertStore({ maxAlerts: 10, maxBytes: 1 << 20 });
  const { url, streams } = await streamServer(t, store, { heartbeatMs: 30, maxClients: 2 });
  const a = await readEvents(t, url);
  const b = await readEvents(t, url);
  const c = await readEvents(t, url);
  assert.equal(c.status, 503);
  await a.until('keep-alives', () => a.comments >= 3);
  assert.equal(streams.size, 2);
  streams.close();
  await Promise.all([a.ended, b.ended]);
  assert.equal(streams.size, 0);
});

test('a client that stops reading holds bounded memory, then catches up with a gap; a stalled one is dropped', async (t) => {
  const store = new AlertStore({ maxAlerts: 500, maxBytes: 64 << 20 });
  const { url, streams } = await streamServer(t, store, { heartbeatMs: 50, stallMs: 60_000 });
  const slow = await readEvents(t, url);
  slow.pause();
  const output = 'o'.repeat(2000);
  let maxBuffered = 0;
  // 20,000 alerts of ~2.5 KB: 50 MB, far beyond what the socket buffers of loopback hold.
  for (let i = 0; i < 200; i++) {
    store.add(Array.from({ length: 100 }, () => recordOf(makeAlert({ output }))));
    maxBuffered = Math.max(maxBuffered, streams.bufferedBytes());
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(maxBuffered < 1 << 20, `at most ${maxBuffered} bytes held for the slow client`);
  assert.equal(streams.size, 1, 'not dropped: it has not been stalled for stallMs');

  slow.resume();
  await slow.until('the last alert', (e) => alertsOf(e).some((x) => seqOf(x) === 20_000), 20_000);
  const gap = slow.events.findIndex((e) => e.event === 'gap');
  assert.ok(gap > 0, 'what did not fit was skipped, and said so');
  const seqs = alertsOf(slow.events).map(seqOf);
  assert.ok(seqs.length < 20_000);
  assert.deepEqual(seqs.slice(-500), Array.from({ length: 500 }, (_, i) => 19_501 + i), 'then everything held, in order');
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'never twice, never backwards');

  // Stalled: never reads again while alerts keep coming; disconnected after stallMs.
  const stallStore = new AlertStore({ maxAlerts: 100, maxBytes: 64 << 20 });
  const stall = await streamServer(t, stallStore, { heartbeatMs: 20, stallMs: 200 });
  const stalled = await readEvents(t, stall.url);
  stalled.pause();
  for (let i = 0; i < 100 && stall.streams.size > 0; i++) {
    stallStore.add(Array.from({ length: 100 }, () => recordOf(makeAlert({ output }))));
    await sleep(20);
  }
  for (let i = 0; i < 100 && stall.streams.size > 0; i++) await sleep(20);
  assert.equal(stall.streams.size, 0, 'the stalled client was disconnected');
});
