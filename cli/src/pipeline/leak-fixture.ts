/**
 * Test helper for the secrets-in-logs tests (compiled with the sources, never exported): a configuration full of
 * credentials (inline and file tokens, TLS and mTLS keys, an http sink with secret headers, a secret URL query and
 * HMAC secrets), receivers for the alerts, every kind of request a webhook meets (right, wrong and malformed
 * credentials; bodies that are not JSON, not audit events, too large, of the wrong type; raw HTTP the parser
 * refuses), each carrying a marker, and a search of everything the processes wrote for any of the secrets, in plain
 * text, base64, or as a serialised Buffer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';

/** Every value that must never appear in a log, by what it is. Distinct, and each unlikely to occur by chance. */
export const SECRETS = {
  inlineToken: 'tok-inline-5a1f9e3c7d2b8a46',
  fileToken: 'tok-file-c3e81b7f20d94a65',
  wrongToken: 'tok-wrong-7e2d4c9a1b3f5e80',
  basicPassword: 'basic-pass-9d8c7b6a5f4e3d2c',
  eventMarker: 'EVENTMARKER-0b1c2d3e4f5a6b7c',
  bodyMarker: 'BODYMARKER-8f7e6d5c4b3a2918',
  rawHttpMarker: 'RAWHTTPMARKER-1a2b3c4d5e6f7081',
  stageMarker: 'STAGEMARKER-2f3e4d5c6b7a8091',
  queryMarker: 'QUERYMARKER-3a4b5c6d7e8f9012',
  headerSecret: 'hdr-secret-6b5a4f3e2d1c0b9a',
  sinkBearer: 'sink-bearer-0f1e2d3c4b5a6978',
  urlSecret: 'url-secret-4d3c2b1a0f9e8d7c',
  hmacFileSecret: 'hmac-file-secret-71c4a9e02d5b',
  hmacInlineSecret: 'hmac-inline-secret-8e2f6a1d93c7',
} as const;

export interface Fixture {
  readonly dir: string;
  readonly file: (name: string) => string;
  /** The PEM keys written (server, client, CA): none of their lines may be logged. */
  readonly keyFiles: readonly string[];
  readonly verified: AlertReceiver;
  readonly refusing: AlertReceiver;
  /** The YAML of every section but `kafka` (and `logLevel: trace`). */
  readonly config: string;
}

export interface AlertReceiver {
  readonly url: string;
  readonly bodies: string[];
  readonly headers: IncomingHttpHeaders[];
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate bound to cluster gamma, made with openssl. */
function makePki(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=leak-test-ca', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  for (const [name, cn, ext] of [
    ['server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', 'apiserver-gamma', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${ext}\n`);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
      '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  }
}

/** A receiver of alerts on 127.0.0.1 answering `status(n)` to the n-th request. */
async function receiver(t: TestContext, status: (n: number) => number): Promise<AlertReceiver> {
  const bodies: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      headers.push(req.headers);
      res.writeHead(status(bodies.length - 1)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies, headers };
}

/** One rule that matches every completed request and puts the user name (the event marker) in the alert. */
const RULE = [
  '- rule: Every request',
  '  desc: every completed request',
  '  condition: ka.stage = ResponseComplete',
  '  output: "%ka.verb %ka.target.resource by %ka.user.name"',
  '  priority: WARNING',
  '  source: k8s_audit',
  '',
].join('\n');

export async function makeFixture(t: TestContext): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-leaks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);
  makePki(dir);
  writeFileSync(file('beta.token'), `${SECRETS.fileToken}\n`);
  writeFileSync(file('hmac.secret'), `${SECRETS.hmacFileSecret}\n`);
  writeFileSync(file('rules.yaml'), RULE);
  // The first delivery fails once (a retry, logged); the second receiver refuses for good (a dead letter, logged).
  const verified = await receiver(t, (n) => (n === 0 ? 500 : 200));
  const refusing = await receiver(t, () => 400);
  const config = [
    'logLevel: trace',
    'ingest:',
    '  listen: 127.0.0.1:0',
    '  maxBodyBytes: 65536',
    '  auth:',
    '    tokens:',
    `      - { token: ${SECRETS.inlineToken}, cluster: alpha }`,
    `      - { tokenFile: ${file('beta.token')}, cluster: beta }`,
    '    clientCertClusters: { apiserver-gamma: gamma }',
    `  tls: { cert: ${file('server.crt')}, key: ${file('server.key')}, ca: ${file('ca.crt')} }`,
    `evaluator: { rules: [${file('rules.yaml')}], workers: 1, watchRules: false }`,
    'outputs:',
    '  sinks:',
    '    - type: http',
    '      name: verified',
    `      url: ${verified.url}alerts?token=${SECRETS.urlSecret}`,
    `      headers: { X-Api-Key: ${SECRETS.headerSecret}, Authorization: "Bearer ${SECRETS.sinkBearer}" }`,
    `      hmac: { secretFile: ${file('hmac.secret')} }`,
    '      backoffInitialMs: 10',
    '      backoffMaxMs: 50',
    '    - type: http',
    '      name: refusing',
    `      url: ${refusing.url}`,
    `      hmac: { secret: ${SECRETS.hmacInlineSecret} }`,
    '    - type: file',
    `      path: ${file('alerts.jsonl')}`,
    '',
  ].join('\n');
  return { dir, file, keyFiles: ['server.key', 'client.key', 'ca.key'].map(file), verified, refusing, config };
}

function event(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Request', auditID: id, stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/secrets/${SECRETS.eventMarker}`, verb: 'get',
    user: { username: `${SECRETS.eventMarker}@example`, groups: ['system:authenticated'] },
    objectRef: { resource: 'secrets', namespace: 'default', name: SECRETS.eventMarker, apiVersion: 'v1' },
    requestObject: { data: { password: SECRETS.eventMarker } },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.100000Z',
    ...overrides,
  };
}

const list = (items: unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });

interface Answer { readonly status: number; readonly text: string }

function post(url: string, fixture: Fixture, o: { body: string; headers?: Record<string, string>; cert?: boolean }): Promise<Answer> {
  const body = Buffer.from(o.body);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpsRequest(url, {
      method: 'POST', agent: false, servername: 'localhost', ca: readFileSync(fixture.file('ca.crt')),
      ...(o.cert ? { cert: readFileSync(fixture.file('client.crt')), key: readFileSync(fixture.file('client.key')) } : {}),
      headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...o.headers },
    }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // An error after the answer is expected when the server answered early (413) and stopped reading the body.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(body);
  });
}

/** HTTP the parser refuses (a Content-Length that is not a number), with a token and a marker in it, over TLS. */
function rawMalformed(url: string, fixture: Fixture): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ca: readFileSync(fixture.file('ca.crt')) }, () => {
      socket.write(`POST /k8s-audit HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${SECRETS.inlineToken}\r\n`
        + `Content-Type: application/json\r\nContent-Length: 1x\r\n\r\n{"user":"${SECRETS.rawHttpMarker}"}`);
    });
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

/**
 * Sends every kind of request to the webhook at `url` (https, `/k8s-audit`) and checks each answer, so that the test
 * knows every path was taken. Resolves with how many alerts must reach the verified receiver.
 */
export async function sendEverything(url: string, fixture: Fixture): Promise<number> {
  const ok = (a: Answer, what: string) => assert.equal(a.status, 200, `${what}: ${a.text}`);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  ok(await post(url, fixture, { body: list([event('a1')]), headers: bearer(SECRETS.inlineToken) }), 'inline token');
  ok(await post(`${url}/beta`, fixture, { body: list([event('b1')]), headers: bearer(SECRETS.fileToken) }), 'file token');
  ok(await post(url, fixture, { body: list([event('c1')]), cert: true }), 'client certificate');
  // Accepted by ingest (the scan checks the shape, not the time), refused by the evaluator: a dead letter whose
  // reason must not quote the value.
  ok(await post(url, fixture, { body: list([event('d1', { stageTimestamp: SECRETS.stageMarker })]), headers: bearer(SECRETS.inlineToken) }),
    'bad stageTimestamp');

  const refused: [number, Parameters<typeof post>[2], string][] = [
    [403, { body: list([event('x1')]), headers: bearer(SECRETS.wrongToken) }, 'wrong token'],
    [403, { body: list([event('x2')]), headers: bearer(`${SECRETS.inlineToken}x`) }, 'right token plus one character'],
    [401, { body: list([event('x3')]), headers: { authorization: `Basic ${Buffer.from(`admin:${SECRETS.basicPassword}`).toString('base64')}` } },
      'basic auth'],
    [401, { body: list([event('x4')]) }, 'no credentials'],
    [400, { body: `{"kind":"EventList","items":[${SECRETS.bodyMarker}]}`, headers: bearer(SECRETS.inlineToken) }, 'invalid JSON'],
    [400, { body: `{"kind":"${SECRETS.bodyMarker}","items":[]}`, headers: bearer(SECRETS.inlineToken) }, 'not audit events'],
    [400, { body: `{"kind":"EventList","items":[{"kind":"Event","x":"${SECRETS.bodyMarker}`, headers: bearer(SECRETS.inlineToken) },
      'truncated'],
    [415, { body: `${SECRETS.bodyMarker}`, headers: { ...bearer(SECRETS.inlineToken), 'content-type': 'text/plain' } }, 'wrong type'],
    [413, { body: list([event('x5', { pad: `${SECRETS.bodyMarker}${'y'.repeat(70_000)}` })]), headers: bearer(SECRETS.inlineToken) },
      'too large'],
  ];
  for (const [status, request, what] of refused) {
    const answer = await post(url, fixture, request);
    assert.equal(answer.status, status, `${what}: ${answer.text}`);
  }
  const forbidden = await post(`${url}/alpha`, fixture, { body: list([event('x6')]), headers: bearer(SECRETS.fileToken) });
  assert.equal(forbidden.status, 403, 'a token for another cluster');
  const notFound = await post(url.replace('/k8s-audit', `/elsewhere?token=${SECRETS.queryMarker}`), fixture,
    { body: list([event('x7')]), headers: bearer(SECRETS.inlineToken) });
  assert.equal(notFound.status, 404);
  assert.match(await rawMalformed(url, fixture), /^HTTP\/1\.1 400/, 'the parser refused the raw request');
  // Three events reach the rule (a1, b1, c1); d1 is dead-lettered by the evaluator.
  return 3;
}

/** Every form a secret could take in a log line: as is, base64 (e.g. inside Basic auth), a serialised Buffer. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const encoded = [bytes.toString('base64').slice(0, 16), bytes.toJSON().data.join(',')];
  // The Basic credentials are sent as base64 of `admin:<password>`: that is the form a leaked header would take.
  if (secret === SECRETS.basicPassword) encoded.push(Buffer.from(`admin:${secret}`).toString('base64'));
  return [secret, ...encoded];
}

/**
 * Fails naming every secret found in `text` (everything a process wrote), and where. Also fails on any line of the
 * fixture's private keys.
 */
export function assertNoSecrets(text: string, fixture: Fixture, what: string): void {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of forms(secret)) {
      const at = text.indexOf(form);
      if (at >= 0) found.push(`${name} (${form === secret ? 'as is' : 'encoded'}): ...${text.slice(Math.max(0, at - 200), at + 80)}...`);
    }
  }
  for (const keyFile of fixture.keyFiles) {
    const lines = readFileSync(keyFile, 'utf8').split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const line of lines) if (text.includes(line)) found.push(`a line of ${keyFile}`);
  }
  if (/PRIVATE KEY/.test(text)) found.push('a PEM private key header');
  assert.deepEqual(found, [], `${what} wrote secrets:\n${found.join('\n')}`);
}
