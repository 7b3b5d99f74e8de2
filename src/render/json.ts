import type { Plan } from '../core/model.js';
import { jsonText } from './sinks/json.js';
import type { ValidationReport } from './validation-text.js';

export const VALIDATION_FORMAT_VERSION = 1;

/** The plan is already plain, versioned data (schemas/plan.schema.json). */
export function renderPlanJson(plan: Plan): string {
  return jsonText(plan);
}

export function renderValidationJson(report: ValidationReport): string {
  const valid = !report.diagnostics.some((d) => d.severity === 'error');
  return jsonText({ formatVersion: VALIDATION_FORMAT_VERSION, valid, ...report });
}
