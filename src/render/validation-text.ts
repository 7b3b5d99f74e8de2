// Human-readable validation output (diagnostics and the verdict line) for a terminal or a CI log.
// Apart from the plan's text (text.ts) so that `validate` does not load the payload diff.
import type { Diagnostic } from '../core/model.js';
import { countBySeverity, formatLocation, plural } from './diagnostics.js';
import { terminalText } from './sinks/terminal.js';
import type { Style } from './style.js';
import { styleFor } from './style.js';

export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], style: Style): string {
  return diagnostics
    .map((diagnostic) => {
      const location = textLocation(diagnostic);
      const severity =
        diagnostic.severity === 'error' ? style.red('error') : style.yellow('warning');
      const head = `${location ? `${location}: ` : ''}${severity}: ${terminalText(diagnostic.message)}`;
      return diagnostic.hint
        ? `${head}\n  ${style.dim(`→ ${terminalText(diagnostic.hint)}`)}`
        : head;
    })
    .join('\n');
}

/** `file:line:col` with the path escaped: a newline in a file name cannot split the location. */
export function textLocation(diagnostic: Diagnostic): string {
  if (!diagnostic.file) return '';
  return formatLocation({ ...diagnostic, file: terminalText(diagnostic.file) });
}

export interface ValidationReport {
  segments: number;
  files: number;
  diagnostics: Diagnostic[];
}

export function renderValidationText(
  report: ValidationReport,
  options: { color?: boolean } = {},
): string {
  const style = styleFor(options.color ?? false);
  const { errors, warnings } = countBySeverity(report.diagnostics);
  const lines: string[] = [];
  if (report.diagnostics.length > 0)
    lines.push(renderDiagnosticsText(report.diagnostics, style), '');
  const counted = `${plural(report.segments, 'segment')} in ${plural(report.files, 'file')}`;
  const warningText = warnings > 0 ? ` (${plural(warnings, 'warning')})` : '';
  lines.push(
    errors > 0
      ? style.red(
          `✖ ${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}${describeErrorFiles(report)}`,
        )
      : style.green(`✔ ${counted}: valid${warningText}`),
  );
  return lines.join('\n');
}

/** The validation in one line: the notice that ends the annotations. */
export function summarizeValidation(report: ValidationReport): string {
  const { errors, warnings } = countBySeverity(report.diagnostics);
  return `segsync validate: ${report.segments} segments in ${report.files} files, ${errors} errors, ${warnings} warnings`;
}

/** " in 1 file (4 checked)": the files that have errors, not all the files read. */
function describeErrorFiles(report: ValidationReport): string {
  // Nothing read (a missing path, an empty directory): the error is about the set, not a file.
  if (report.files === 0) return ' (no definition file was read)';
  const withErrors = new Set<string>();
  for (const diagnostic of report.diagnostics) {
    if (diagnostic.severity === 'error' && diagnostic.file !== undefined) {
      withErrors.add(diagnostic.file);
    }
  }
  const checked = withErrors.size === report.files ? '' : ` (${report.files} checked)`;
  return ` in ${plural(withErrors.size, 'file')}${checked}`;
}
