/** For tests that need the native decoder: it, or a skip with the reason (a failure under CI, where it must be built). */
import type { TestContext } from 'node:test';
import { loadNativeDecoder, type NativeDecoder } from './index.js';

export function requireNativeDecoder(t: TestContext): NativeDecoder | undefined {
  const status = loadNativeDecoder();
  if (status.available) return status.decoder;
  if (process.env['CI'] === 'true') throw new Error(`CI must build the native decoder: ${status.reason}`);
  t.skip(status.reason);
  return undefined;
}
