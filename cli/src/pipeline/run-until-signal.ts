/**
 * Runs started components until SIGTERM or SIGINT, then stops them gracefully (in reverse order, bounded); SIGHUP
 * calls `onReload` (the evaluator reloads its rules, ingest its token files). A second SIGTERM/SIGINT during the
 * shutdown exits at once.
 *
 * `onReady` runs once the handlers are in place: whatever tells the outside world that the process is up (the
 * webhook's address, "started") must come after them, or a supervisor that signals as soon as it reads that line
 * kills the process with the signal's default action (seen under load: a SIGTERM answered by death, not a stop).
 */
import type { Logger } from '@peregrine/core';

export interface RunOptions {
  readonly logger: Logger;
  readonly stop: () => Promise<void>;
  readonly onReload?: (() => Promise<void>) | undefined;
  readonly onReady?: (() => void) | undefined;
}

/** Resolves with the exit code once the components are stopped. */
export function runUntilSignal(options: RunOptions): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        options.logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      stopping = true;
      options.logger.info({ signal }, 'shutting down: no new requests; draining, flushing, committing');
      options.stop().then(
        () => {
          cleanup();
          options.logger.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          cleanup();
          options.logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    const onHup = () => {
      options.logger.info('SIGHUP: reloading');
      void options.onReload?.().catch((err: unknown) => options.logger.error({ err }, 'reload failed'));
    };
    const cleanup = () => {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onHup);
    options.onReady?.();
  });
}

/**
 * Until the returned release is called, a SIGHUP is reported through `say` and otherwise ignored: by default it would
 * end a process that is still starting (a config tool or log rotation may send one at any time), and the rules and
 * token files are being read then anyway. Release it only once runUntilSignal's handlers are in place (its onReady):
 * with no SIGHUP listener left for a moment, node restores the signal's default.
 */
export function ignoreHupWhileStarting(say: () => void): () => void {
  process.on('SIGHUP', say);
  return () => process.off('SIGHUP', say);
}
