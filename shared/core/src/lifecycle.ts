/**
 * The contract of every long-lived part (a Kafka producer, a worker pool, an HTTP server, a sink): started once,
 * stopped once, stop is idempotent and bounded. Services start their components in dependency order and stop them in
 * reverse: intake first, flush last, so that offsets are committed only after what they cover is durable.
 */
import type { Logger } from 'pino';

export interface Health {
  readonly ok: boolean;
  readonly detail?: string | undefined;
}

export interface Component {
  readonly name: string;
  /** Resolves when the component can do its work. */
  start(): Promise<void>;
  /** Drains and releases; idempotent; resolves when done. */
  stop(): Promise<void>;
  health(): Health;
}

/** Starts components in order; if one fails, stops those already started (in reverse) and rethrows. */
export async function startAll(components: readonly Component[], logger: Logger): Promise<void> {
  const started: Component[] = [];
  for (const c of components) {
    try {
      await c.start();
      started.push(c);
      logger.debug({ component: c.name }, 'started');
    } catch (err) {
      logger.error({ component: c.name, err }, 'failed to start');
      await stopAll(started, logger, 10_000);
      throw err;
    }
  }
}

/**
 * Stops components in reverse order, each bounded by `timeoutMs`; a component that does not stop in time is logged
 * and left behind so that the rest still stop.
 */
export async function stopAll(components: readonly Component[], logger: Logger, timeoutMs: number): Promise<void> {
  for (const c of [...components].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const result = await Promise.race([c.stop().then(() => 'stopped' as const), timeout]);
      if (result === 'timeout') logger.warn({ component: c.name, timeoutMs }, 'did not stop in time');
      else logger.debug({ component: c.name }, 'stopped');
    } catch (err) {
      logger.error({ component: c.name, err }, 'failed to stop cleanly');
    } finally {
      clearTimeout(timer);
    }
  }
}

/** All healthy, or the first problems. */
export function combineHealth(components: readonly Component[]): Health {
  const bad = components.map((c) => ({ name: c.name, h: c.health() })).filter((x) => !x.h.ok);
  if (bad.length === 0) return { ok: true };
  return { ok: false, detail: bad.map((b) => `${b.name}: ${b.h.detail ?? 'not ready'}`).join('; ') };
}
