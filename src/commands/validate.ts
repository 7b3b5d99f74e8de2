import { ExitCode } from '../core/errors.js';
import { countBySeverity } from '../render/diagnostics.js';
import type { CommandIO } from '../application/io.js';
import { checkDefinitions } from '../application/validate-definitions.js';
import type { CommonOptions } from '../application/settings.js';
import { reportFallbackPath, resolveSettings } from '../application/settings.js';

export interface ValidateCommandOptions extends CommonOptions {
  format: 'text' | 'json' | 'github' | 'gitlab';
  allowEmpty?: boolean;
}

export async function runValidate(
  paths: string[],
  options: ValidateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const settings = await resolveSettings(io.cwd, options, paths, 'report');
  // validate prints no payload: only count the valid segments (plan builds what is sent).
  const result = await checkDefinitions(settings, io.cwd, options);
  const report = {
    segments: result.segmentCount,
    files: result.files.length,
    diagnostics: result.diagnostics,
  };
  if (options.format === 'json') {
    const { renderValidationJson } = await import('../render/json.js');
    io.stdout(renderValidationJson(report));
  } else if (options.format === 'gitlab') {
    const { renderCodeQuality } = await import('../render/gitlab.js');
    io.stdout(renderCodeQuality(report.diagnostics, reportFallbackPath(settings, io.cwd)));
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
    const { renderValidationText } = await import('../render/validation-text.js');
    io.stdout(renderValidationText(report, { color: io.color }));
  }
  return countBySeverity(report.diagnostics).errors > 0 ? ExitCode.failure : ExitCode.ok;
}
