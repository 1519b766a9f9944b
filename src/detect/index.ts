// Public surface of Vigil's detection module.
export { SigmaEngine } from './sigma/engine.js';
export type { SigmaEngineOptions, SigmaLoadResult, SigmaEngineStats, CompiledRule } from './sigma/engine.js';
export type { CompileOptions } from './sigma/compile.js';
export type { EventLogsource, SigmaIssue, SigmaLevel, SigmaLogsource, SigmaMatch, SigmaRuleMeta, SigmaStatus } from './sigma/types.js';
export { SIGMA_LEVELS, SIGMA_STATUSES } from './sigma/types.js';
export { prepareEvent, windowsLogsource, flattenWindowsExport, logsourceApplies } from './sigma/logsource.js';
export type { PreparedEvent } from './sigma/logsource.js';
export { readRuleSources } from './sigma/load.js';
export type { RuleDocument, RuleSource } from './sigma/load.js';
export { mitreFromTags, tacticId } from './sigma/mitre.js';
export { eventTimestamp, formatSigmaIssue, parseEventStream } from './sigma/io.js';
export { CorrelationEngine, CORRELATION_TYPES } from './correlation/engine.js';
export type { CorrelationMatch, CorrelationOptions, CorrelationRuleMeta, CorrelationType } from './correlation/engine.js';
export { loadPipelines, parsePipeline } from './sigma/pipeline.js';
export type { SigmaPipeline } from './sigma/pipeline.js';
