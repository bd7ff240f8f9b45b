/**
 * @peregrine/outputs: the service that delivers alerts from the alerts topic to stdout, rotating files and HTTP
 * receivers (falcosidekick), committing offsets only once every sink has each alert or the dead-letter topic does.
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
