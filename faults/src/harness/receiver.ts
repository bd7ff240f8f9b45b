/**
 * An HTTP alert receiver whose behaviour a case switches at will, as real receivers misbehave: `ok` (200), `error`
 * (500 for everything), `hang` (reads the request, never answers), `down` (not listening: connection refused; the same
 * port is taken again on the way back up). Only alerts it answered 200 for count as delivered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';

export type ReceiverMode = 'ok' | 'error' | 'hang' | 'down';

export interface Receiver {
  readonly url: string;
  /** Alert ids acknowledged with 200, in arrival order (a batch body is a JSON array of alerts). */
  delivered(): string[];
  /** Alert ids of the requests left without an answer (`hang`): a real receiver may have processed them anyway. */
  hung(): string[];
  /** Requests received in each mode (hang and error requests included). */
  readonly requests: Record<ReceiverMode, number>;
  setMode(mode: ReceiverMode): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(t: TestContext): Promise<Receiver> {
  const delivered: string[] = [];
  const hung: string[] = [];
  const requests: Record<ReceiverMode, number> = { ok: 0, error: 0, hang: 0, down: 0 };
  const sockets = new Set<Socket>();
  let mode: ReceiverMode = 'ok';
  let server: Server | undefined;
  let port = 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      requests[mode]++;
      if (mode === 'error') {
        res.writeHead(500).end('receiver failing on purpose');
        return;
      }
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string } | { id: string }[];
      const ids = (Array.isArray(parsed) ? parsed : [parsed]).map((a) => a.id);
      if (mode === 'hang') {
        hung.push(...ids);
        return; // never answered: the sink's timeout must fire
      }
      delivered.push(...ids);
      res.writeHead(200).end();
    });
  };

  const listen = async () => {
    server = createServer(handle);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as { port: number }).port;
  };
  const shut = async () => {
    if (!server) return;
    const s = server;
    server = undefined;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  await listen();
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/`,
    delivered: () => [...delivered],
    hung: () => [...hung],
    requests,
    async setMode(next) {
      if (next === 'down' && mode !== 'down') await shut();
      if (next !== 'down' && mode === 'down') await listen();
      if (next !== 'hang') for (const socket of sockets) if (mode === 'hang') socket.destroy(); // end held requests
      mode = next;
    },
    close: shut,
  };
  t.after(() => shut());
  return receiver;
}
