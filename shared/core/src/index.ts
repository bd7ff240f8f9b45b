export { ERROR_CODES, type ErrorCode, isPeregrineError, PeregrineError } from './errors.js';
export { applyEnv, loadConfig, parseHostPort, readConfigFile } from './config.js';
export { createLogger, type Logger, type LogLevel, silentLogger } from './logger.js';
export { combineHealth, type Component, type Health, startAll, stopAll } from './lifecycle.js';
export { Counter, createRegistry, Gauge, Histogram, Registry, renderMetrics } from './metrics.js';
export { checkResolvesToLoopback, isLoopback, type Resolve } from './loopback.js';
