import { ExitCode } from '../errors.js';
import { countBySeverity } from '../render/diagnostics.js';
import type { CommandIO } from '../app/io.js';
import { loadAndValidate } from '../app/pipeline.js';
import type { CommonOptions } from '../app/settings.js';
import { resolveSettings } from '../app/settings.js';

export interface ValidateCommandOptions extends CommonOptions {
  format: 'text' | 'json' | 'github';
  allowEmpty?: boolean;
}

export async function runValidate(
  paths: string[],
  options: ValidateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const settings = await resolveSettings(io.cwd, options, paths);
  const result = await loadAndValidate(settings, io.cwd, options);
  const report = {
    segments: result.segments.length,
    files: result.files.length,
    diagnostics: result.diagnostics,
  };
  if (options.format === 'json') {
    const { renderValidationJson } = await import('../render/json.js');
    io.stdout(renderValidationJson(report));
  } else if (options.format === 'github') {
    const { renderAnnotations } = await import('../render/github.js');
    const { errors, warnings } = countBySeverity(report.diagnostics);
    io.stdout(
      renderAnnotations(
        report.diagnostics,
        `segsync validate: ${report.segments} segments in ${report.files} files, ${errors} errors, ${warnings} warnings`,
      ),
    );
  } else {
    const { renderValidationText } = await import('../render/text.js');
    io.stdout(renderValidationText(report, { color: io.color }));
  }
  return countBySeverity(report.diagnostics).errors > 0 ? ExitCode.failure : ExitCode.ok;
}
