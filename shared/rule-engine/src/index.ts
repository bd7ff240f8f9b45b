/**
 * @peregrine/rule-engine: Falco-compatible rules for Kubernetes audit events.
 *
 *   const result = await loadRuleFiles(['rules/k8s_audit_rules.yaml'], { ruleMatching: 'first' });
 *   if (!result.ok) for (const d of result.errors) console.error(formatDiagnostic(d));
 *   const { events } = decodeAuditPayload(line);
 *   for (const event of events) for (const m of result.ruleset!.evaluate(event)) emit(buildAlert(m, { hostname }));
 */
export type { AuditEvent } from './event.js';
export { type DecodedPayload, decodeAuditPayload, decodeSlotMessage, parseRfc3339Nano, payloadCandidates } from './decode.js';
export { type Diagnostic, type DiagnosticCode, formatDiagnostic, type SourcePos } from './errors.js';
export {
  loadRuleFiles, loadRules, readRuleInputs, type LoadOptions, type LoadResult, type LoadStats, type RulesInput,
} from './loader/load.js';
export { ENGINE_VERSION, PROVIDED_PLUGINS } from './loader/versions.js';
export type { CheckSummary, ConditionSummary } from './passes/condition-summary.js';
export {
  type CompiledRule, type EvaluateOptions, type Match, type RuleMatching, type RuleTiming, Ruleset,
} from './runtime/ruleset.js';
export { type Alert, type AlertOptions, alertToJson, alertToText, buildAlert } from './alert.js';
export { parsePriority, type Priority, PRIORITIES, priorityRank } from './priority.js';
export { allFields, lookupField } from './fields/registry.js';
export { sampleArgs } from './fields/sample-args.js';
export type { FieldInfo, FieldReads, FieldValue, OperandReads } from './fields/types.js';
export { buildExtractionPlan, type ExtractionPlan, type PlanNode } from './runtime/extraction-plan.js';
export { buildSlotPlan, type EventSlots, type SlotPlan } from './runtime/slots.js';
export type { SlotMessage } from './runtime/slot-event.js';
export { parseCondition } from './syntax/parser.js';
export { printExpr } from './syntax/print.js';
