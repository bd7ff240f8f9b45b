import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger, createRegistry, isPeregrineError, loadConfig, PeregrineError, silentLogger } from '@peregrine/core';
import { HEADER_CLUSTER, HEADER_CONTENT_TYPE, HEADER_RECEIVED_AT, MemoryBus } from '@peregrine/kafka';
import { buildIngest } from './app.js';
import { IngestConfig } from './config.js';
import {
  auditEvent, delay, eventList, GatedProducer, type Harness, postJson, refusingProducer, send, startIngest, TOPIC,
} from './test-support.js';

const OPEN = { auth: { allowUnauthenticated: true } };

async function healthy(url: string): Promise<void> {
  const r = await postJson(`${url}/k8s-audit`, eventList([auditEvent(99)]), { token: 'tok-alpha' });
  assert.equal(r.status, 200, `the service still serves: ${r.text}`);
}

describe('webhook: one cluster spreads over the partitions', () => {
  it('bodies of one cluster land on every partition, so that evaluators share the cluster', async () => {
    const bus = new MemoryBus({ partitions: 4 });
    const h = await startIngest(OPEN, bus.producer());
    try {
      for (let i = 0; i < 8; i++) {
        const r = await postJson(`${h.url}/k8s-audit/prod`, Buffer.from(JSON.stringify(eventList([auditEvent(i)]))));
        assert.equal(r.status, 200, r.text);
      }
      const partitions = new Set(bus.peek(TOPIC).map((m) => m.partition));
      assert.equal(partitions.size, 4, `partitions used: ${[...partitions].join(', ')}`);
    } finally {
      await h.close();
    }
  });
});

describe('webhook: accepted bodies land on the bus as sent', () => {
  let bus: MemoryBus;
  let h: Harness;
  before(async () => {
    bus = new MemoryBus({ partitions: 1 }) /* peek() in write order */;
    h = await startIngest(OPEN, bus.producer());
  });
  after(() => h.close());

  const payloads: [string, unknown, number][] = [
    ['an EventList', eventList([auditEvent(1), auditEvent(2), auditEvent(3)]), 3],
    ['a single Event', auditEvent(4), 1],
    ['an array of Events and EventLists', [auditEvent(5), eventList([auditEvent(6)])], 2],
    ['a v1beta1 EventList', eventList([{ ...auditEvent(7, 0, 'audit.k8s.io/v1beta1'), timestamp: '2024-05-01T12:00:00Z' }], 'audit.k8s.io/v1beta1'), 1],
  ];
  for (const [what, payload, count] of payloads) {
    it(what, async () => {
      // Pretty-printed with CRLF: whatever bytes came are the bytes stored.
      const body = Buffer.from(JSON.stringify(payload, null, 2).replace(/\n/g, '\r\n'));
      const before = bus.peek(TOPIC).length;
      const t0 = Date.now();
      const r = await postJson(`${h.url}/k8s-audit`, body, { headers: { 'content-type': 'application/json; charset=utf-8' } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { events: count, messages: 1 });
      const stored = bus.peek(TOPIC).slice(before);
      assert.equal(stored.length, 1);
      const m = stored[0]!;
      assert.ok(m.value.equals(body), 'the exact raw bytes');
      assert.equal(m.key, undefined, 'no key: messages spread over partitions');
      assert.equal(m.headers[HEADER_CLUSTER], 'default');
      assert.equal(m.headers[HEADER_CONTENT_TYPE], 'application/json');
      const at = Date.parse(m.headers[HEADER_RECEIVED_AT]!);
      assert.ok(at >= t0 - 1000 && at <= Date.now(), `received-at ${m.headers[HEADER_RECEIVED_AT]} is an ISO time of the request`);
    });
  }

  it('an empty list is answered 200 and writes nothing', async () => {
    const before = bus.peek(TOPIC).length;
    const r = await postJson(`${h.url}/k8s-audit`, eventList([]));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { events: 0, messages: 0 });
    assert.equal(bus.peek(TOPIC).length, before);
  });
});

describe('webhook: cluster, authentication and refusals', () => {
  let bus: MemoryBus;
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peregrine-ingest-'));
    writeFileSync(join(dir, 'beta.token'), 'tok-beta\n');
    bus = new MemoryBus({ partitions: 1 }) /* peek() in write order */;
    h = await startIngest({
      maxBodyBytes: 64 * 1024,
      auth: { tokens: [{ token: 'tok-alpha', cluster: 'alpha' }, { tokenFile: join(dir, 'beta.token'), cluster: 'beta' }] },
    }, bus.producer());
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function lastCluster(): Promise<string | undefined> {
    const m = bus.peek(TOPIC).at(-1);
    assert.equal(m?.key, undefined, 'the cluster is a header, not a key');
    return m?.headers[HEADER_CLUSTER];
  }

  it('the cluster comes from the token (tokens from the config and from a file)', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(1), { token: 'tok-alpha' })).status, 200);
    assert.equal(await lastCluster(), 'alpha');
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(2), { token: 'tok-beta' })).status, 200);
    assert.equal(await lastCluster(), 'beta');
    assert.equal((await postJson(`${h.url}/k8s-audit/`, auditEvent(2), { token: 'tok-beta' })).status, 200, 'a trailing slash');
  });

  it('the cluster in the path must be the token\'s: same is 200, another is 403', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit/alpha`, auditEvent(3), { token: 'tok-alpha' })).status, 200);
    assert.equal(await lastCluster(), 'alpha');
    const r = await postJson(`${h.url}/k8s-audit/beta`, auditEvent(4), { token: 'tok-alpha' });
    assert.equal(r.status, 403);
    assert.equal(r.json()['code'], 'PG_ERR_INGEST_FORBIDDEN');
    await healthy(h.url);
  });

  it('401 without credentials (with WWW-Authenticate), 403 with a wrong token', async () => {
    const none = await postJson(`${h.url}/k8s-audit`, auditEvent(5));
    assert.equal(none.status, 401);
    assert.equal(none.json()['code'], 'PG_ERR_INGEST_UNAUTHENTICATED');
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(5), { headers: { authorization: 'Basic dTpw' } })).status, 401);
    const wrong = await postJson(`${h.url}/k8s-audit`, auditEvent(5), { token: 'tok-alph' });
    assert.equal(wrong.status, 403);
    assert.ok(!wrong.text.includes('tok-alph'), 'the answer never echoes a token');
    await healthy(h.url);
  });

  it('credentials are checked before the body is read or judged', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit`, 'not json')).status, 401);
    assert.equal((await send(`${h.url}/k8s-audit`, { body: 'x', headers: { 'content-type': 'text/plain' } })).status, 401);
  });

  it('415 for a content type without application/json, or a content encoding', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const headers: Record<string, string> = { authorization: 'Bearer tok-alpha' };
      if (type) headers['content-type'] = type;
      const r = await send(`${h.url}/k8s-audit`, { headers, body: JSON.stringify(auditEvent(6)) });
      assert.equal(r.status, 415, String(type));
      assert.equal(r.json()['code'], 'PG_ERR_INGEST_CONTENT_TYPE');
    }
    const gz = await postJson(`${h.url}/k8s-audit`, auditEvent(6), { token: 'tok-alpha', headers: { 'content-encoding': 'gzip' } });
    assert.equal(gz.status, 415);
    await healthy(h.url);
  });

  it('400 for a body that is not JSON, or JSON that is not audit events (Falco\'s message)', async () => {
    const bad = await postJson(`${h.url}/k8s-audit`, '{"kind":"EventList","items":[', { token: 'tok-alpha' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json()['code'], 'PG_ERR_INGEST_INVALID_JSON');
    assert.match(String(bad.json()['message']), /not valid JSON/);
    const empty = await send(`${h.url}/k8s-audit`, { headers: { authorization: 'Bearer tok-alpha', 'content-type': 'application/json' } });
    assert.equal(empty.status, 400);
    const pod = await postJson(`${h.url}/k8s-audit`, { kind: 'Pod', apiVersion: 'v1' }, { token: 'tok-alpha' });
    assert.equal(pod.status, 400);
    assert.deepEqual(pod.json(), { code: 'PG_ERR_INGEST_NOT_AUDIT', message: 'data not recognized as a k8s audit event' });
    await healthy(h.url);
  });

  it('413 above maxBodyBytes, announced (Content-Length) or streamed (chunked), and nothing is written', async () => {
    const big = Buffer.from(JSON.stringify(eventList(Array.from({ length: 100 }, (_, i) => auditEvent(i, 1000)))));
    assert.ok(big.length > 64 * 1024);
    const before = bus.peek(TOPIC).length;
    for (const chunked of [undefined, 16]) {
      const r = await send(`${h.url}/k8s-audit`, {
        body: big, ...(chunked ? { chunked } : {}), headers: { authorization: 'Bearer tok-alpha', 'content-type': 'application/json' },
      });
      assert.equal(r.status, 413, `chunked: ${chunked}`);
      assert.equal(r.json()['code'], 'PG_ERR_INGEST_BODY_TOO_LARGE');
    }
    assert.equal(bus.peek(TOPIC).length, before);
    await healthy(h.url);
  });

  it('405 for other methods (with Allow), 404 elsewhere', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const r = await send(`${h.url}/k8s-audit`, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers['allow'], 'POST');
    }
    assert.equal((await send(`${h.url}/k8s-audit/alpha`, { method: 'HEAD' })).status, 405);
    assert.equal((await postJson(`${h.url}/elsewhere`, auditEvent(1), { token: 'tok-alpha' })).status, 404);
    await healthy(h.url);
  });

  it('/metrics counts requests by status, rejections by reason, events and bytes', async () => {
    const r = await send(`${h.url}/metrics`, { method: 'GET' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    for (const line of [
      /^peregrine_ingest_requests_total\{status="200"\} \d+/m,
      /^peregrine_ingest_requests_total\{status="401"\} \d+/m,
      /^peregrine_ingest_requests_total\{status="413"\} 2/m,
      /^peregrine_ingest_requests_rejected_total\{reason="not_audit"\} 1/m,
      /^peregrine_ingest_requests_rejected_total\{reason="forbidden"\} \d+/m,
      /^peregrine_ingest_events_accepted_total [1-9]/m,
      /^peregrine_ingest_accepted_bytes_total [1-9]/m,
      /^peregrine_ingest_bus_messages_total [1-9]/m,
      /^peregrine_ingest_bus_write_seconds_count [1-9]/m,
      /^peregrine_ingest_split_bodies_total 0/m,
    ]) assert.match(r.text, line);
  });
});

describe('webhook: anonymous posting when allowed', () => {
  it('the cluster comes from the path, else default; a bad cluster name is 400', async () => {
    const bus = new MemoryBus({ partitions: 1 }) /* peek() in write order */;
    const h = await startIngest(OPEN, bus.producer());
    try {
      assert.equal((await postJson(`${h.url}/k8s-audit/prod-eu.1`, auditEvent(1))).status, 200);
      assert.equal(bus.peek(TOPIC).at(-1)?.headers[HEADER_CLUSTER], 'prod-eu.1');
      assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(2))).status, 200);
      assert.equal(bus.peek(TOPIC).at(-1)?.headers[HEADER_CLUSTER], 'default');
      const bad = await postJson(`${h.url}/k8s-audit/-x`, auditEvent(3));
      assert.equal(bad.status, 400);
      assert.equal(bad.json()['code'], 'PG_ERR_INGEST_BAD_CLUSTER');
      assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(3), { token: 'unknown' })).status, 403, 'a wrong token is still refused');
    } finally {
      await h.close();
    }
  });
});

describe('webhook: 200 only once the bus holds the events', () => {
  it('the answer waits for producer.send to resolve', async () => {
    const producer = new GatedProducer();
    const h = await startIngest(OPEN, producer);
    try {
      let answered = false;
      const answer = postJson(`${h.url}/k8s-audit/c1`, eventList([auditEvent(1)])).then((r) => {
        answered = true;
        return r;
      });
      await producer.waitForSends(1);
      await delay(200);
      assert.equal(answered, false, 'no answer before the bus acknowledged');
      const sent = producer.sends[0]!;
      assert.equal(sent.topic, TOPIC);
      assert.equal(sent.messages[0]?.headers?.[HEADER_CLUSTER], 'c1');
      sent.resolve();
      assert.equal((await answer).status, 200);
    } finally {
      await h.close();
    }
  });

  it('a rejected send is 503 with Retry-After, never 200', async () => {
    const producer = new GatedProducer();
    const h = await startIngest({ ...OPEN, retryAfterSeconds: 7 }, producer);
    try {
      const answer = postJson(`${h.url}/k8s-audit`, auditEvent(1));
      await producer.waitForSends(1);
      producer.sends[0]!.reject(new PeregrineError('PG_ERR_BUS_UNAVAILABLE', 'broker down'));
      const r = await answer;
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '7');
      assert.equal(r.json()['code'], 'PG_ERR_BUS_UNAVAILABLE');
    } finally {
      await h.close();
    }
  });

  it('a send that does not settle within busWriteTimeoutMs is 503', async () => {
    const h = await startIngest({ ...OPEN, busWriteTimeoutMs: 100 }, new GatedProducer());
    try {
      const r = await postJson(`${h.url}/k8s-audit`, auditEvent(1));
      assert.equal(r.status, 503);
      assert.equal(r.json()['code'], 'PG_ERR_INGEST_BUS_TIMEOUT');
      assert.equal(r.headers['retry-after'], '5');
    } finally {
      await h.close();
    }
  });

  it('PG_ERR_BUS_FULL and a stopped producer are 503; a bus that refuses a message within its limit is 500', async () => {
    for (const [code, status] of [['PG_ERR_BUS_FULL', 503], ['PG_ERR_BUS_UNAVAILABLE', 503], ['PG_ERR_BUS_MESSAGE_TOO_LARGE', 500]] as const) {
      const h = await startIngest(OPEN, refusingProducer(code));
      try {
        const r = await postJson(`${h.url}/k8s-audit`, auditEvent(1));
        assert.equal(r.status, status, code);
        assert.equal(r.headers['retry-after'] !== undefined, status === 503);
      } finally {
        await h.close();
      }
    }
    const bus = new MemoryBus();
    const producer = bus.producer();
    const h = await startIngest(OPEN, producer);
    try {
      await producer.stop();
      const r = await postJson(`${h.url}/k8s-audit`, auditEvent(1));
      assert.equal(r.status, 503);
      assert.equal(r.json()['code'], 'PG_ERR_BUS_UNAVAILABLE');
    } finally {
      await h.close();
    }
  });

  it('503 while the MemoryBus is full, 200 again once a consumer has drained it', async () => {
    const body = Buffer.from(JSON.stringify(eventList([auditEvent(1, 1500)])));
    const bus = new MemoryBus({ maxTopicBytes: Math.floor(body.length * 1.5) });
    const h = await startIngest(OPEN, bus.producer());
    const consumer = bus.consumer({ groupId: 'evaluator', topics: [TOPIC] });
    try {
      assert.equal((await postJson(`${h.url}/k8s-audit`, body)).status, 200);
      const full = await postJson(`${h.url}/k8s-audit`, body);
      assert.equal(full.status, 503);
      assert.equal(full.headers['retry-after'], '5');
      assert.equal(full.json()['code'], 'PG_ERR_BUS_FULL');
      consumer.onBatch(async () => {});
      await consumer.start();
      for (let i = 0; bus.retainedBytes(TOPIC) > 0; i++) {
        assert.ok(i < 200, 'the consumer drains the topic');
        await delay(10);
      }
      assert.equal((await postJson(`${h.url}/k8s-audit`, body)).status, 200);
    } finally {
      await consumer.stop();
      await h.close();
    }
  });
});

describe('webhook: bodies above the bus message limit', () => {
  it('are split on event boundaries into EventLists whose items are the original events', async () => {
    const bus = new MemoryBus({ maxMessageBytes: 4096, partitions: 1 }); // one partition: peek() in write order
    const h = await startIngest(OPEN, bus.producer());
    try {
      const items = Array.from({ length: 30 }, (_, i) => auditEvent(i, (i * 53) % 700));
      const r = await postJson(`${h.url}/k8s-audit/big`, eventList(items));
      assert.equal(r.status, 200, r.text);
      const stored = bus.peek(TOPIC);
      assert.ok(stored.length > 1, 'several messages');
      assert.deepEqual(r.json(), { events: 30, messages: stored.length });
      for (const m of stored) {
        assert.ok(m.value.length <= 4096);
        assert.equal(m.key, undefined);
        assert.equal(m.headers[HEADER_CLUSTER], 'big');
        assert.equal(m.headers[HEADER_CONTENT_TYPE], 'application/json');
        assert.ok(m.headers[HEADER_RECEIVED_AT]);
      }
      // Same key, same partition: peek returns them in the order written.
      const got = stored.flatMap((m) => (JSON.parse(m.value.toString()) as { items: unknown[] }).items);
      assert.deepEqual(got, items);
      const metrics = await send(`${h.url}/metrics`, { method: 'GET' });
      assert.match(metrics.text, /^peregrine_ingest_split_bodies_total 1/m);
    } finally {
      await h.close();
    }
  });

  it('a single event larger than the limit is stored without its request and response objects, and counted', async () => {
    const bus = new MemoryBus({ maxMessageBytes: 4096, partitions: 1 });
    const h = await startIngest(OPEN, bus.producer());
    try {
      const big = { ...auditEvent(2), requestObject: { data: { blob: 'y'.repeat(6000) } } };
      const r = await postJson(`${h.url}/k8s-audit`, eventList([auditEvent(1), big, auditEvent(3)]));
      assert.equal(r.status, 200, r.text);
      const got = bus.peek(TOPIC).flatMap((m) => (JSON.parse(m.value.toString()) as { items: Record<string, unknown>[] }).items);
      assert.deepEqual(got.map((e) => e['auditID']), ['id-1', 'id-2', 'id-3']);
      assert.equal(got[1]!['requestObject'], undefined);
      assert.match(String((got[1]!['annotations'] as Record<string, unknown>)['peregrine.io/truncated']), /requestObject dropped/);
      const metrics = await send(`${h.url}/metrics`, { method: 'GET' });
      assert.match(metrics.text, /^peregrine_ingest_events_truncated_total 1/m);
    } finally {
      await h.close();
    }
  });

  it('a single event larger than the limit even without its objects is 413 and nothing of the body is written', async () => {
    const bus = new MemoryBus({ maxMessageBytes: 4096 });
    const h = await startIngest(OPEN, bus.producer());
    try {
      const r = await postJson(`${h.url}/k8s-audit`, eventList([auditEvent(1), auditEvent(2, 5000), auditEvent(3)]));
      assert.equal(r.status, 413);
      assert.equal(r.json()['code'], 'PG_ERR_INGEST_EVENT_TOO_LARGE');
      assert.equal(bus.peek(TOPIC).length, 0);
      const metrics = await send(`${h.url}/metrics`, { method: 'GET' });
      assert.match(metrics.text, /^peregrine_ingest_requests_rejected_total\{reason="event_too_large"\} 1/m);
      assert.equal((await postJson(`${h.url}/k8s-audit`, eventList([auditEvent(4)]))).status, 200);
    } finally {
      await h.close();
    }
  });
});

describe('health endpoints', () => {
  it('/healthz is live; /readyz follows the producer (health and ping) and the server', async () => {
    const producer = new GatedProducer();
    const h = await startIngest(OPEN, producer);
    try {
      assert.equal((await send(`${h.url}/healthz`, { method: 'GET' })).status, 200);
      assert.equal((await send(`${h.url}/readyz`, { method: 'GET' })).status, 200);
      producer.ping = async () => false;
      const down = await send(`${h.url}/readyz`, { method: 'GET' });
      assert.equal(down.status, 503);
      assert.match(String(down.json()['detail']), /does not answer/);
      producer.ping = async () => { throw new Error('boom'); };
      assert.equal((await send(`${h.url}/readyz`, { method: 'GET' })).status, 503);
      producer.ping = async () => true;
      assert.equal((await send(`${h.url}/readyz`, { method: 'GET' })).status, 200);
      producer.running = false;
      const stopped = await send(`${h.url}/readyz`, { method: 'GET' });
      assert.equal(stopped.status, 503);
      assert.match(String(stopped.json()['detail']), /bus producer: stopped/);
      assert.equal((await send(`${h.url}/healthz`, { method: 'GET' })).status, 200, 'still live');
      assert.deepEqual(h.ingest.component.health(), { ok: true });
    } finally {
      await h.close();
    }
    assert.equal(h.ingest.component.health().ok, false);
  });
});

describe('lifecycle and exposure', () => {
  it('building does not listen; stop() lets an in-flight request finish and refuses new connections', async () => {
    const producer = new GatedProducer();
    const config = loadConfig(IngestConfig, { ...OPEN, listen: '127.0.0.1:0' });
    const ingest = buildIngest(config, { producer, topic: TOPIC, logger: silentLogger(), registry: createRegistry() });
    assert.equal(ingest.address(), undefined);
    assert.equal(ingest.app.server.listening, false);
    await ingest.component.start();
    const url = `http://127.0.0.1:${ingest.address()!.port}`;
    const answer = postJson(`${url}/k8s-audit`, auditEvent(1));
    await producer.waitForSends(1);
    let stopped = false;
    const stopping = ingest.component.stop().then(() => { stopped = true; });
    await delay(100);
    assert.equal(stopped, false, 'stop waits for the in-flight request');
    await assert.rejects(send(`${url}/healthz`, { method: 'GET' }), /ECONNREFUSED/);
    producer.sends[0]!.resolve();
    assert.equal((await answer).status, 200);
    await stopping;
    assert.equal(stopped, true);
    await ingest.component.stop(); // idempotent
  });

  it('refuses to start on 0.0.0.0 without TLS and authentication unless insecure: true, then warns at start', async () => {
    const deps = () => ({ producer: new MemoryBus().producer(), topic: TOPIC, logger: silentLogger(), registry: createRegistry() });
    const refused = (raw: Record<string, unknown>) => assert.throws(
      () => buildIngest(loadConfig(IngestConfig, raw), deps()),
      (err: unknown) => isPeregrineError(err, 'PG_ERR_CONFIG') && /refusing to start/.test(err.message),
    );
    refused({ listen: '0.0.0.0:0', auth: { allowUnauthenticated: true } });
    refused({ listen: '0.0.0.0:0', auth: { tokens: [{ token: 't', cluster: 'c' }] } });
    assert.throws(() => buildIngest(loadConfig(IngestConfig, {}), deps()), /could never accept a request/);

    const lines: string[] = [];
    const destination = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const logger = createLogger({ name: 'ingest-test', level: 'warn', destination });
    const ingest = buildIngest(loadConfig(IngestConfig, { listen: '0.0.0.0:0', insecure: true, auth: { allowUnauthenticated: true } }),
      { ...deps(), logger });
    await ingest.component.start();
    await ingest.component.stop();
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 40);
    assert.match(warning?.msg ?? '', /^insecure: listening on 0\.0\.0\.0/);
  });

  it('an unreadable token file or a duplicate token bound to two clusters is a config error', () => {
    const deps = { producer: new MemoryBus().producer(), topic: TOPIC, logger: silentLogger(), registry: createRegistry() };
    assert.throws(() => buildIngest(loadConfig(IngestConfig, { auth: { tokens: [{ tokenFile: 'no/such/file', cluster: 'a' }] } }), deps),
      /cannot read tokenFile no\/such\/file: ENOENT/);
    assert.throws(() => buildIngest(loadConfig(IngestConfig, {
      auth: { tokens: [{ token: 'same', cluster: 'a' }, { token: 'same', cluster: 'b' }] },
    }), { ...deps, registry: createRegistry() }), /bound to clusters 'a' and 'b'/);
    assert.throws(() => buildIngest(loadConfig(IngestConfig, { auth: { tokens: [{ cluster: 'a' }] } }), { ...deps, registry: createRegistry() }),
      /exactly one of token and tokenFile/);
  });
});
