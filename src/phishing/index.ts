export { analyzeEmail, reportJson, type AnalyzeOptions, type AuthVerifier } from './analyze.js';
export { opensCase, phishAlert } from './alert.js';
export { defaultPhishingConfig, PhishingConfigSchema, type PhishingConfig } from './config.js';
export { enrichReport, type IntelLookup } from './enrich.js';
export { FINDINGS, FINDING_IDS, type FindingId } from './findings.js';
export { BrandIndex } from './lookalike.js';
export { renderPhishReport } from './report.js';
export * from './types.js';
