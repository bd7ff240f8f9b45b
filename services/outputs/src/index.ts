/**
 * @peregrine/outputs: the service that delivers alerts from the alerts topic to stdout, rotating files and HTTP
 * receivers (falcosidekick), committing offsets only once every sink has each alert or the dead-letter topic does;
 * and the alerts web UI (ui/), fed from the same consumer.
 */
export { buildOutputs, type OutputsDeps } from './service.js';
export {
  checkOutputsConfig, FileSinkConfig, HttpSinkConfig, HttpTlsConfig, loadOutputsConfig, type NamedSinkConfig, OutputsConfig,
  SinkConfig, sinkNames, StdoutSinkConfig,
} from './config.js';
export { INVALID_ALERT_REASON } from './handler.js';
export { SERVICE_SOURCE } from './dead-letter.js';
export { compileFilter, type AlertFilter, type FilterOptions } from './filter.js';
export { type AlertRecord, parseAlertMessage } from './parse.js';
export { createSink, type Sink, SinkError } from './sinks/index.js';
export { signatureHeader, type Verification, verifySignature, type VerifyOptions } from './sinks/signing.js';
export { type AlertStoreOptions, AlertStore, type StoredAlert, type StoreSummary } from './ui/store.js';
export { loadUiTokens, UiConfig } from './ui/config.js';
export { checkUiResolvesToLoopback, decideUiExposure, isLoopbackHost, type UiExposure, type UiExposureDecision } from './ui/exposure.js';
export { createUiRoutes, type HttpRoutes, type UiRoutesOptions } from './ui/routes.js';
