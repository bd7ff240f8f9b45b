/**
 * Prometheus metrics. Each service gets its own registry (so the one-process mode can expose all of them at once
 * without name clashes between instances in tests). Names follow `peregrine_<component>_<what>_<unit>_total`.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'peregrine_process_' });
  return registry;
}

/** The Prometheus text of several registries (the one-process mode serves all services' metrics on one endpoint). */
export async function renderMetrics(registries: readonly Registry[]): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([...registries]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
