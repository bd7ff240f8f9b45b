/**
 * The ingest service's public API: the factory, its config schema, and what callers match on (error codes of the
 * webhook's answers). See app.ts for the lifecycle contract and routes/audit-webhook.ts for the HTTP contract.
 */
export { buildIngest, type Ingest, type IngestDeps } from './app.js';
export { CLUSTER_NAME_PATTERN, IngestConfig } from './config.js';
export { DEFAULT_CLUSTER } from './auth.js';
export { INGEST_ERROR_CODES, type IngestErrorCode } from './errors.js';
export { type AuditScanResult, NOT_AUDIT_MESSAGE, scanAudit } from './audit-scan.js';
