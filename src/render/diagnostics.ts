import type { Diagnostic } from '../core/model.js';
import { STATE_FILE_DIAGNOSTIC_CODES } from '../core/model.js';

/** The diagnostics about the state file as a whole (shown first), and the others. */
export function splitStateFileDiagnostics(diagnostics: readonly Diagnostic[]): {
  stateFile: Diagnostic[];
  others: Diagnostic[];
} {
  const stateFile: Diagnostic[] = [];
  const others: Diagnostic[] = [];
  for (const diagnostic of diagnostics) {
    (STATE_FILE_DIAGNOSTIC_CODES.has(diagnostic.code) ? stateFile : others).push(diagnostic);
  }
  return { stateFile, others };
}

/** `file:line:col`, `file:line`, `file`, or '' — whatever is known. */
export function formatLocation(diagnostic: Diagnostic): string {
  if (!diagnostic.file) return '';
  if (diagnostic.line === undefined) return diagnostic.file;
  if (diagnostic.column === undefined) return `${diagnostic.file}:${diagnostic.line}`;
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`;
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): {
  errors: number;
  warnings: number;
} {
  let errors = 0;
  for (const diagnostic of diagnostics) if (diagnostic.severity === 'error') errors++;
  return { errors, warnings: diagnostics.length - errors };
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
