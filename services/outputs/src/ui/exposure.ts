/**
 * Where the alerts UI may be served. The UI shows alert contents, and its listener is plain HTTP, so the invariant is
 * the webhook's: **nothing serves the UI beyond the loopback interface unless the configuration says
 * `outputs.ui.insecure: true`**, and then a warning is printed at every start. Configured tokens stay required either
 * way; `insecure` accepts the exposure, it never switches authentication off.
 *
 * The UI is on by default and shares the metrics listener by default, which deployments put on 0.0.0.0 for
 * Prometheus. There the default must not stop the service: a UI that would be exposed only because of defaults is
 * not served, with a notice saying how to serve it. An address given for the UI itself (`outputs.ui.listen`) that is
 * not loopback, without `insecure`, stops the start, as the webhook's does.
 */
import { checkResolvesToLoopback, isLoopback, PeregrineError } from '@peregrine/core';

export interface UiExposure {
  /** `host:port` as configured (for messages). */
  readonly listen: string;
  readonly host: string;
  /** Whether `outputs.ui.listen` was set (else the UI shares `metrics.listen`). */
  readonly ownListener: boolean;
  readonly hasTokens: boolean;
  readonly insecure: boolean;
}

export type UiExposureDecision =
  | {
      readonly serve: true;
      /** Accept only loopback names in the Host header (loopback listener without tokens: DNS rebinding). */
      readonly loopbackHostsOnly: boolean;
      /** To print at every start when the UI is served only because of `insecure`. */
      readonly warning?: string | undefined;
    }
  | { readonly serve: false; readonly notice: string };

/** Throws PG_ERR_CONFIG when the UI's own listener would be exposed without `insecure`. */
export function decideUiExposure(e: UiExposure): UiExposureDecision {
  if (isLoopbackHost(e.host)) return { serve: true, loopbackHostsOnly: !e.hasTokens };
  if (e.insecure) {
    const risks = ['plain HTTP (alerts' + (e.hasTokens ? ' and tokens' : '') + ' cross the network in clear)'];
    if (!e.hasTokens) risks.push('no token (anyone who reaches it reads the alerts)');
    return { serve: true, loopbackHostsOnly: false, warning: `insecure: alerts UI on ${e.host}, a non-loopback address, with ${risks.join(' and ')}` };
  }
  const what = `the alerts UI on ${e.listen}, a non-loopback address (plain HTTP)`;
  if (e.ownListener) {
    throw new PeregrineError('PG_ERR_CONFIG',
      `refusing to serve ${what}: set outputs.ui.listen to a loopback address, or outputs.ui.insecure: true to accept the risk`);
  }
  return {
    serve: false,
    notice: `not serving ${what}: give it a loopback listener of its own (outputs.ui.listen: 127.0.0.1:9465; ` +
      'kubectl port-forward reaches it), or set outputs.ui.insecure: true (and a token) to serve it there',
  };
}

/** Loopback as the webhook's rule counts it (@peregrine/core). */
export const isLoopbackHost = isLoopback;

/**
 * `localhost` is trusted by name above; just before listening it is resolved as the listener will resolve it, and an
 * answer with a non-loopback address (a hosts file that says otherwise) refuses the start.
 */
export function checkUiResolvesToLoopback(host: string): Promise<void> {
  return checkResolvesToLoopback(host, undefined, 'refusing to serve the alerts UI');
}
