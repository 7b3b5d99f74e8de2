import { ExitCode } from '../core/errors.js';
import { countBySeverity } from '../render/diagnostics.js';
import type { CommandIO } from '../application/io.js';
import { checkDefinitions } from '../application/validate-definitions.js';
import type { CommonOptions } from '../application/settings.js';
import { reportFallbackPath, resolveSettings } from '../application/settings.js';
import type { ValidationFormat } from '../render/formats.js';
import { renderAs, VALIDATION_FORMATS } from '../render/formats.js';

export interface ValidateCommandOptions extends CommonOptions {
  format: ValidationFormat;
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
  const context = { color: io.color, fallbackPath: reportFallbackPath(settings, io.cwd) };
  io.stdout(await renderAs(VALIDATION_FORMATS, options.format, report, context));
  return countBySeverity(report.diagnostics).errors > 0 ? ExitCode.failure : ExitCode.ok;
}
