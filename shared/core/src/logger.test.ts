/**
 * The logger's redaction, checked through a real pino instance writing JSON lines: credentials under the keys the
 * services use are replaced, and the raw request bytes Node's HTTP parser attaches to a parse error never reach the
 * log, whatever the level.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './logger.js';

const SECRET = 'do-not-log-7f3a9c';

function capture(level: 'trace' | 'debug' | 'info' = 'trace') {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const logger = createLogger({ name: 'redaction-test', level, destination: stream });
  // pino writes synchronously to a plain stream; the 'data' handler has run once the call returns.
  return { logger, text: () => text };
}

describe('logger redaction', () => {
  it('credentials at the top level and one level down are replaced', () => {
    const { logger, text } = capture();
    logger.info({ token: SECRET, secret: SECRET, password: SECRET, key: SECRET, hmac: { secret: SECRET } }, 'top');
    logger.info({ auth: { token: SECRET, tokens: [SECRET] }, tls: { key: SECRET }, sasl: { password: SECRET } }, 'nested');
    logger.info({ sink: { headers: { 'x-api-key': SECRET } }, headers: { authorization: `Bearer ${SECRET}` } }, 'headers');
    logger.info({ req: { headers: { authorization: `Bearer ${SECRET}`, cookie: SECRET } } }, 'request');
    assert.equal(text().split('\n').filter(Boolean).length, 4, 'every line was written');
    assert.ok(!text().includes(SECRET), text());
    assert.match(text(), /\[redacted\]/);
  });

  it('a child logger keeps the redaction', () => {
    const { logger, text } = capture();
    logger.child({ service: 'ingest' }).debug({ token: SECRET }, 'child');
    assert.match(text(), /"service":"ingest"/);
    assert.ok(!text().includes(SECRET));
  });

  it("the raw packet of an HTTP parse error (fastify logs it at trace) is dropped, the error's code is kept", () => {
    const { logger, text } = capture('trace');
    const err = Object.assign(new Error('Parse Error: Invalid character in Content-Length'), {
      code: 'HPE_INVALID_CONTENT_LENGTH',
      rawPacket: Buffer.from(`POST /k8s-audit HTTP/1.1\r\nAuthorization: Bearer ${SECRET}\r\n\r\n{"marker":"${SECRET}"}`),
    });
    logger.child({ service: 'ingest' }).trace({ err }, 'client error');
    const line = JSON.parse(text()) as { err: Record<string, unknown> };
    assert.equal(line.err['code'], 'HPE_INVALID_CONTENT_LENGTH');
    assert.equal(line.err['rawPacket'], '[redacted]');
    const bytes = Buffer.from(SECRET).toJSON().data.join(',');
    assert.ok(!text().includes(bytes), 'not even as the numbers of a serialised Buffer');
  });

  it('what is not a credential is logged as it is', () => {
    const { logger, text } = capture('info');
    logger.info({ cluster: 'prod-eu', principal: 'token#0', status: 403 }, 'audit request rejected');
    assert.match(text(), /"cluster":"prod-eu","principal":"token#0","status":403/);
  });
});
