import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { HEADER_DEAD_LETTER_REASON } from '@peregrine/kafka';
import { alertToJson } from '@peregrine/rule-engine';
import { makeAlert, startOutputs, startReceiver, waitFor } from './test-support.js';

interface Pki {
  readonly dir: string;
  readonly caFile: string;
  readonly server: { key: Buffer; cert: Buffer };
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly ca: Buffer;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A throw-away CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl in a temp dir. */
async function makePki(t: TestContext): Promise<Pki | undefined> {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    if (process.env['CI'] === 'true') throw new Error('openssl is needed for the HTTPS tests');
    t.skip('openssl is not installed (apt-get install openssl): HTTPS tests skipped');
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'peregrine-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Peregrine Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  for (const [name, usage, cn] of [['server', 'serverAuth', '127.0.0.1'], ['client', 'clientAuth', 'peregrine-outputs']] as const) {
    openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    await writeFile(join(dir, `${name}.ext`), [
      'basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', `extendedKeyUsage=${usage}`,
      ...(name === 'server' ? ['subjectAltName=IP:127.0.0.1,DNS:localhost'] : []),
    ].join('\n'));
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    ca: await readFile(join(dir, 'ca.pem')),
    server: { key: await readFile(join(dir, 'server.key')), cert: await readFile(join(dir, 'server.pem')) },
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  };
}

test('https with our own CA: delivered, custom headers received, header values never logged', async (t) => {
  const pki = await makePki(t);
  if (!pki) return;
  const receiver = await startReceiver(t, () => 200, { tls: pki.server, path: '/falco' });
  const h = await startOutputs(t, {
    sinks: [{
      type: 'http', url: receiver.url, tls: { caFile: pki.caFile },
      headers: { Authorization: 'Bearer top-s3cret', 'X-Peregrine-Tenant': 'blue', 'Content-Type': 'text/plain' },
    }],
  });
  const alert = makeAlert();
  await h.publish([alert]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  const [request] = receiver.requests;
  assert.equal(request?.url, '/falco');
  assert.equal(request.headers['authorization'], 'Bearer top-s3cret');
  assert.equal(request.headers['x-peregrine-tenant'], 'blue');
  assert.equal(request.headers['content-type'], 'application/json', 'the body is JSON whatever the headers say');
  assert.equal(request.body, alertToJson(alert));
  assert.ok(!h.logs().includes('top-s3cret'));
});

test('mutual TLS: the client certificate is presented; without it the receiver refuses', async (t) => {
  const pki = await makePki(t);
  if (!pki) return;
  const receiver = await startReceiver(t, () => 200, { tls: { ...pki.server, ca: pki.ca, requestCert: true } });
  const h = await startOutputs(t, {
    sinks: [
      { type: 'http', name: 'mtls', url: receiver.url, tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile } },
      { type: 'http', name: 'no-cert', url: receiver.url, tls: { caFile: pki.caFile }, retries: 1, backoffInitialMs: 5 },
    ],
  });
  const alert = makeAlert();
  await h.publish([alert]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(receiver.delivered(), [alertToJson(alert)]);
  const dead = h.deadLetters();
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.headers['peregrine-dead-letter-source'], 'no-cert');
});

test('a certificate we do not trust is refused (and dead-lettered); insecure accepts it', async (t) => {
  const pki = await makePki(t);
  if (!pki) return;
  const receiver = await startReceiver(t, () => 200, { tls: pki.server });
  const h = await startOutputs(t, {
    sinks: [
      { type: 'http', name: 'strict', url: receiver.url, retries: 0 },
      { type: 'http', name: 'insecure', url: receiver.url, tls: { insecure: true } },
    ],
  });
  const alert = makeAlert();
  await h.publish([alert]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(receiver.delivered(), [alertToJson(alert)], 'only the insecure sink got through');
  const [dead] = h.deadLetters();
  assert.equal(dead?.headers['peregrine-dead-letter-source'], 'strict');
  assert.match(dead!.headers[HEADER_DEAD_LETTER_REASON]!, /retries exhausted after 1 attempt: POST https:\/\/127\.0\.0\.1:\d+\/: \w+/);
});
