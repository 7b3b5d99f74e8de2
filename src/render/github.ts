// GitHub Actions workflow commands: every diagnostic becomes an annotation on its file and line,
// so problems show on the pull request's changed lines. Escaping is the sink's
// (sinks/workflow-command.ts): untrusted text can neither end the command nor start another.
import type { Diagnostic } from '../core/model.js';
import { formatWorkflowCommand, workflowCommandData } from './sinks/workflow-command.js';

export function renderAnnotation(diagnostic: Diagnostic): string {
  const command = diagnostic.severity === 'error' ? 'error' : 'warning';
  const properties: Array<[string, string | number]> = [];
  if (diagnostic.file) {
    properties.push(['file', diagnostic.file]);
    if (diagnostic.line !== undefined) properties.push(['line', diagnostic.line]);
    if (diagnostic.column !== undefined) properties.push(['col', diagnostic.column]);
  }
  properties.push(['title', `segsync: ${diagnostic.code}`]);
  // The message and the hint are escaped apart: the line break between them is segsync's own.
  const data = diagnostic.hint
    ? `${workflowCommandData(diagnostic.message)}%0A${workflowCommandData(diagnostic.hint)}`
    : workflowCommandData(diagnostic.message);
  return formatWorkflowCommand(command, properties, data);
}

export function renderAnnotations(diagnostics: readonly Diagnostic[], summary: string): string {
  return [
    ...diagnostics.map(renderAnnotation),
    formatWorkflowCommand('notice', [['title', 'segsync']], workflowCommandData(summary)),
  ].join('\n');
}
