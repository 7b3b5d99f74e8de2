import type { Diagnostic } from '../model.js';

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
