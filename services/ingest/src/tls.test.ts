import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRegistry, isPeregrineError, loadConfig, silentLogger } from '@peregrine/core';
import { HEADER_CLUSTER, MemoryBus } from '@peregrine/kafka';
import { buildIngest } from './app.js';
import { IngestConfig } from './config.js';
import { auditEvent, type Harness, postJson, send, startIngest, TOPIC } from './test-support.js';

/**
 * Certificates made for this run with openssl: a CA, a server certificate for localhost/127.0.0.1, client
 * certificates signed by the CA (one bound to a cluster by CN, one by a DNS SAN, one unbound), and one from another CA.
 */
interface Pki {
  readonly dir: string;
  readonly ca: Buffer;
  file(name: string): string;
  read(name: string): Buffer;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-ingest-pki-'));
  const ca = (name: string) => openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-subj', `/CN=${name}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const leaf = (name: string, cn: string, signer: string, ext: string, serial: number) => {
    writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${ext}\n`);
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
      '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-set_serial', String(serial),
      '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  };
  ca('ca');
  ca('rogue-ca');
  leaf('server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth', 1);
  leaf('alpha', 'apiserver-alpha', 'ca', 'extendedKeyUsage=clientAuth', 2);
  leaf('gamma', 'some-apiserver', 'ca', 'subjectAltName=DNS:gamma.apiserver.example\nextendedKeyUsage=clientAuth', 3);
  leaf('unbound', 'apiserver-unbound', 'ca', 'extendedKeyUsage=clientAuth', 4);
  leaf('rogue', 'apiserver-alpha', 'rogue-ca', 'extendedKeyUsage=clientAuth', 5);
  // Signed by the right CA, bound by CN, but outside their validity: `openssl ca` sets any dates (x509 -days cannot
  // make a certificate that is already expired on every openssl version).
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca=test\n[test]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\n'
    + 'default_md=sha256\npolicy=any\nunique_subject=no\n[any]\ncommonName=supplied\n');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '10\n');
  const dated = (name: string, start: string, end: string) => {
    writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
      '-out', `${name}.csr`, '-subj', '/CN=apiserver-alpha']);
    openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${name}.csr`,
      '-out', `${name}.crt`, '-startdate', start, '-enddate', end, '-extfile', `${name}.ext`, '-notext']);
  };
  dated('expired', '20200101000000Z', '20200102000000Z');
  dated('future', '20991231000000Z', '20991231235959Z');
  const file = (name: string) => join(dir, name);
  return { dir, ca: readFileSync(file('ca.crt')), file, read: (name) => readFileSync(file(name)) };
}

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = opensslAvailable() ? false : 'openssl is not installed (needed to make test certificates)';

describe('HTTPS and mTLS', { skip }, () => {
  let pki: Pki;
  let bus: MemoryBus;
  let h: Harness;
  const client = (name: string) => ({ ca: pki.ca, cert: pki.read(`${name}.crt`), key: pki.read(`${name}.key`) });

  before(async () => {
    pki = makePki();
    bus = new MemoryBus({ partitions: 1 }) /* peek() in write order */;
    h = await startIngest({
      tls: { cert: pki.file('server.crt'), key: pki.file('server.key'), ca: pki.file('ca.crt') },
      auth: {
        tokens: [{ token: 'tok-delta', cluster: 'delta' }],
        clientCertClusters: { 'apiserver-alpha': 'alpha', 'gamma.apiserver.example': 'gamma' },
      },
    }, bus.producer());
  });
  after(async () => {
    await h?.close();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  const lastCluster = () => bus.peek(TOPIC).at(-1)?.headers[HEADER_CLUSTER];

  it('a client certificate signed by the CA is accepted; its CN binds the cluster', async () => {
    assert.match(h.url, /^https:/);
    const r = await postJson(`${h.url}/k8s-audit`, auditEvent(1), client('alpha'));
    assert.equal(r.status, 200, r.text);
    assert.equal(lastCluster(), 'alpha');
    assert.equal((await postJson(`${h.url}/k8s-audit/alpha`, auditEvent(2), client('alpha'))).status, 200);
    const other = await postJson(`${h.url}/k8s-audit/beta`, auditEvent(3), client('alpha'));
    assert.equal(other.status, 403, 'a certificate bound to alpha may not post for beta');
  });

  it('a SAN can bind the cluster too', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(4), client('gamma'))).status, 200);
    assert.equal(lastCluster(), 'gamma');
  });

  it('a trusted certificate that is not bound takes the cluster from the path, else default', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit/prod`, auditEvent(5), client('unbound'))).status, 200);
    assert.equal(lastCluster(), 'prod');
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(6), client('unbound'))).status, 200);
    assert.equal(lastCluster(), 'default');
  });

  it('refused without a certificate (401) or with one from another CA (403)', async () => {
    const none = await postJson(`${h.url}/k8s-audit`, auditEvent(7), { ca: pki.ca });
    assert.equal(none.status, 401);
    const rogue = await postJson(`${h.url}/k8s-audit`, auditEvent(8), client('rogue'));
    assert.equal(rogue.status, 403);
    assert.equal(rogue.json()['code'], 'PG_ERR_INGEST_FORBIDDEN');
  });

  it('refused with a certificate of the CA that has expired or is not valid yet (403), though its CN is bound', async () => {
    for (const name of ['expired', 'future']) {
      const r = await postJson(`${h.url}/k8s-audit`, auditEvent(11), client(name));
      assert.equal(r.status, 403, name);
      assert.equal(r.json()['code'], 'PG_ERR_INGEST_FORBIDDEN', name);
    }
  });

  it('refused with a certificate of the CA made for servers only (no clientAuth): the listener\'s own', async () => {
    const r = await postJson(`${h.url}/k8s-audit`, auditEvent(12), client('server'));
    assert.equal(r.status, 403);
  });

  it('an untrusted certificate is refused even beside a valid token', async () => {
    const before = bus.peek(TOPIC).length;
    for (const name of ['rogue', 'expired']) {
      const r = await postJson(`${h.url}/k8s-audit`, auditEvent(13), { ...client(name), token: 'tok-delta' });
      assert.equal(r.status, 403, name);
    }
    assert.equal(bus.peek(TOPIC).length, before, 'nothing written');
  });

  it('a bearer token works on the same listener without a certificate; token and certificate must agree', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(9), { ca: pki.ca, token: 'tok-delta' })).status, 200);
    assert.equal(lastCluster(), 'delta');
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(10), { ...client('alpha'), token: 'tok-delta' })).status, 403);
  });

  it('the listener speaks only TLS, and probes need no certificate', async () => {
    await assert.rejects(send(`${h.url.replace('https:', 'http:')}/healthz`, { method: 'GET' }));
    assert.equal((await send(`${h.url}/readyz`, { method: 'GET', ca: pki.ca })).status, 200);
  });

  it('configuration errors: requestClientCert without ca, unreadable files, bindings without mTLS', () => {
    const build = (raw: Record<string, unknown>) => () => buildIngest(loadConfig(IngestConfig, raw),
      { producer: new MemoryBus().producer(), topic: TOPIC, logger: silentLogger(), registry: createRegistry() });
    const configError = (pattern: RegExp) => (err: unknown) => isPeregrineError(err, 'PG_ERR_CONFIG') && pattern.test(err.message);
    const tokens = [{ token: 't', cluster: 'c' }];
    assert.throws(build({ tls: { cert: pki.file('server.crt'), key: pki.file('server.key'), requestClientCert: true }, auth: { tokens } }),
      configError(/requestClientCert needs tls.ca/));
    assert.throws(build({ tls: { cert: pki.file('missing.crt'), key: pki.file('server.key') }, auth: { tokens } }),
      configError(/tls.cert: cannot read .*: ENOENT/));
    assert.throws(build({ tls: { cert: pki.file('server.crt'), key: pki.file('alpha.key') }, auth: { tokens } }),
      configError(/cannot set up the ingest listener/));
    assert.throws(build({ auth: { tokens, clientCertClusters: { x: 'y' } } }), configError(/clientCertClusters needs client certificates/));
    // TLS with tokens may listen on every interface (built, not started).
    build({ listen: '0.0.0.0:0', tls: { cert: pki.file('server.crt'), key: pki.file('server.key') }, auth: { tokens } })();
  });
});
