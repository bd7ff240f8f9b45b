/**
 * Where a process serves the alerts UI (`outputs.ui`, services/outputs/src/ui/), decided once at start:
 *
 *   outputs.ui.enabled: false            -> no store, no routes
 *   outputs.ui.listen unset (default)    -> the routes join the metrics listener (metrics.listen, /metrics beside them);
 *                                           `peregrine run`, which has no metrics listener otherwise, opens it for them
 *   outputs.ui.listen: HOST:PORT         -> a listener of its own, serving the UI only
 *
 * and whether it may: exposure.ts's rules (loopback, or `insecure`), with the tokens read here. A UI that is not
 * served keeps no store, so it costs no memory.
 */
import { type Logger, parseHostPort } from '@peregrine/core';
import {
  AlertStore, checkUiResolvesToLoopback, createUiRoutes, decideUiExposure, type HttpRoutes, loadUiTokens,
} from '@peregrine/outputs';
import type { PeregrineConfig } from './config.js';
import { type HttpListener, httpListener } from './health-server.js';

export interface AlertsUi {
  /** The store the outputs consumer feeds; undefined when the UI is not served. */
  readonly store?: AlertStore | undefined;
  /** Routes for the metrics listener (when the UI shares it). */
  readonly sharedRoutes: readonly HttpRoutes[];
  /** The UI's own listener (outputs.ui.listen). */
  readonly ownListener?: HttpListener | undefined;
  /** Why the UI is not served, to print at start. */
  readonly notice?: string | undefined;
  /** Printed at every start when the UI is exposed because of `insecure`. */
  readonly warning?: string | undefined;
}

export async function prepareAlertsUi(config: PeregrineConfig, logger: Logger): Promise<AlertsUi> {
  const ui = config.outputs.ui;
  if (!ui.enabled) return { sharedRoutes: [] };
  const listen = ui.listen ?? config.metrics.listen;
  const { host } = parseHostPort(listen);
  const tokens = await loadUiTokens(ui);
  const decision = decideUiExposure({ listen, host, ownListener: ui.listen !== undefined, hasTokens: tokens.length > 0, insecure: ui.insecure });
  if (!decision.serve) return { sharedRoutes: [], notice: decision.notice };
  await checkUiResolvesToLoopback(host);
  const store = new AlertStore({ maxAlerts: ui.maxAlerts, maxBytes: ui.maxBytes });
  const routes = createUiRoutes({ store, tokens, loopbackHostsOnly: decision.loopbackHostsOnly, logger: logger.child({ component: 'alerts-ui' }) });
  if (decision.warning) logger.warn(decision.warning);
  if (ui.listen === undefined) return { store, sharedRoutes: [routes], warning: decision.warning };
  return { store, sharedRoutes: [], ownListener: httpListener(`alerts-ui(${listen})`, listen, [routes]), warning: decision.warning };
}

/** The page's address on a started listener. */
export function alertsUiUrl(listener: HttpListener): string {
  return `${listener.url()}/ui/`;
}
