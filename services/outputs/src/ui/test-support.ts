/**
 * Helpers for the alerts UI's tests (not exported from the package): alert records as the consumer makes them, a
 * real HTTP server on 127.0.0.1 for routes or streams, and an event-stream reader over a real socket. Everything
 * started here is closed through `t.after`.
 */
import { get, type IncomingMessage, type RequestListener, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { HEADER_CLUSTER } from '@peregrine/kafka';
import { type Alert, alertToJson } from '@peregrine/rule-engine';
import { type AlertRecord, parseAlertMessage } from '../parse.js';
import { makeAlert } from '../test-support.js';

export { makeAlert };

let offset = 0;

/** The record the consumer makes of `alert` (cluster header = the alert's cluster). */
export function recordOf(alert: Alert): AlertRecord {
  const parsed = parseAlertMessage({
    topic: 'alerts', partition: 0, offset: String(offset++), key: alert.id,
    value: Buffer.from(alertToJson(alert)), headers: alert.cluster === undefined ? {} : { [HEADER_CLUSTER]: alert.cluster },
  });
  if (!parsed.ok) throw new Error(`test alert is not valid: ${parsed.reason}`);
  return parsed.record;
}

/** Records of `makeAlert(overrides)` for each element. */
export function records(overrides: readonly Partial<Alert>[]): AlertRecord[] {
  return overrides.map((o) => recordOf(makeAlert(o)));
}

/** A server on 127.0.0.1 with `handler`; resolves with its base URL. */
export async function serve(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface ServerSentEvent {
  readonly id?: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface EventReader {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: ServerSentEvent[];
  /** Comment lines (`: keep-alive`) seen. */
  comments: number;
  /** Resolves once `check(events)` holds; rejects after `ms`. */
  until(what: string, check: (events: ServerSentEvent[]) => boolean, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Stops reading (the socket's buffers fill and the server sees a slow client) / reads again. */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Opens an event stream with a real socket and parses its events as they come. */
export function readEvents(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: ServerSentEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let ended!: () => void;
      const reader: EventReader = {
        status: res.statusCode ?? 0, headers: res.headers, events, comments: 0,
        until: (what, check, ms = 5000) => new Promise((ok, fail) => {
          const timer = setTimeout(() => {
            waiters.delete(test);
            fail(new Error(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => e.event))}`));
          }, ms);
          const test = () => {
            if (!check(events)) return;
            clearTimeout(timer);
            waiters.delete(test);
            ok();
          };
          waiters.add(test);
          test();
        }),
        ended: new Promise((r) => { ended = r; }),
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string[]> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              reader.comments++;
              continue;
            }
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            (fields[name] ??= []).push(colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, ''));
          }
          if (fields['data'] || fields['event']) {
            events.push({ id: fields['id']?.at(-1), event: fields['event']?.at(-1) ?? 'message', data: (fields['data'] ?? []).join('\n') });
          }
        }
        for (const w of [...waiters]) w();
      });
      res.on('end', () => ended());
      res.on('close', () => ended());
      resolve(reader);
    });
    req.on('error', reject);
    t.after(() => req.destroy());
  });
}
