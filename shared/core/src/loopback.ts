/**
 * Whether a listener stays on this machine: the check behind every "not beyond loopback unless insecure" rule
 * (ingest's webhook, the alerts UI).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PeregrineError } from './errors.js';

/** 127.0.0.0/8, ::1 (also as IPv4-mapped) and `localhost`; anything else, names included, counts as exposed. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

export type Resolve = (host: string) => Promise<readonly string[]>;

const resolveAll: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * The one name isLoopback trusts, `localhost`, is trusted by name when the config is checked; just before listening
 * it is resolved the way the listener will resolve it, and a resolution that includes a non-loopback address (a
 * hosts file that says otherwise) refuses the start: the check above would have been wrong. IP addresses and other
 * names need no resolution (the former are judged as they are, the latter always count as exposed).
 *
 * @param refusal how the error starts (`refusing to start`, `refusing to serve the alerts UI`)
 */
export async function checkResolvesToLoopback(host: string, resolve: Resolve = resolveAll, refusal = 'refusing to start'): Promise<void> {
  if (isIP(host) !== 0 || !isLoopback(host)) return;
  let addresses: readonly string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG', `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? 'failed'}`, { cause: err });
  }
  const exposed = addresses.filter((a) => !isLoopback(a));
  if (exposed.length > 0) {
    throw new PeregrineError('PG_ERR_CONFIG',
      `${refusal}: ${host} resolves to ${exposed.join(', ')}, not a loopback address; listen on an IP address instead`);
  }
}
