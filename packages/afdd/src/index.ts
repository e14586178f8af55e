export * from './inputs.js';
export * from './types.js';
export { AfddSettingsError, DEFAULT_AFDD_SETTINGS, parseAfddSettings, type AfddSettings, type AfddSettingsFieldError } from './settings.js';
export { toCanonical } from './units.js';
export { RuleMonitor, applicableRules, type ClearedFault, type MonitorEvents } from './monitor.js';
export { diagnoseSeries, resolveMinOa, type DiagnoseOptions } from './diagnose.js';
export { RULES } from './rules-cooling.js';
export type { Rule, Means, RuleContext, Finding } from './rules.js';
