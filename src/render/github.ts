// GitHub Actions workflow commands: every diagnostic becomes an annotation on its file and line,
// so problems show on the pull request's changed lines.
import type { Diagnostic } from '../model.js';

/** Escaping rules of workflow commands: data and property values differ. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderAnnotation(diagnostic: Diagnostic): string {
  const command = diagnostic.severity === 'error' ? 'error' : 'warning';
  const properties: string[] = [];
  if (diagnostic.file) properties.push(`file=${escapeProperty(diagnostic.file)}`);
  if (diagnostic.file && diagnostic.line !== undefined) properties.push(`line=${diagnostic.line}`);
  if (diagnostic.file && diagnostic.column !== undefined)
    properties.push(`col=${diagnostic.column}`);
  properties.push(`title=${escapeProperty(`segsync: ${diagnostic.code}`)}`);
  const text = diagnostic.hint ? `${diagnostic.message}\n${diagnostic.hint}` : diagnostic.message;
  return `::${command} ${properties.join(',')}::${escapeData(text)}`;
}

export function renderAnnotations(diagnostics: readonly Diagnostic[], summary: string): string {
  return [
    ...diagnostics.map(renderAnnotation),
    `::notice title=segsync::${escapeData(summary)}`,
  ].join('\n');
}
