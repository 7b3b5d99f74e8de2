// One readable message per failure; a stack trace only with --verbose. Messages carry paths,
// names and server text: everything goes through the terminal sink.
import { osErrorWords } from '../core/os-errors.js';
import { ExitCode, UserError } from '../core/errors.js';
import { terminalLines, terminalText } from '../render/sinks/terminal.js';

export function formatFatal(
  error: unknown,
  verbose: boolean,
): { message: string; exitCode: number } {
  if (error instanceof UserError) {
    // segsync's own line breaks stay line breaks; each line passes the sink on its own, so
    // untrusted text still cannot emit a control character or begin a line with `::`.
    const hint = error.hint ? `\n  → ${terminalLines(error.hint)}` : '';
    const stack = verbose && error.stack ? `\n${terminalLines(error.stack)}` : '';
    return {
      message: `segsync: error: ${terminalLines(error.message)}${hint}${stack}\n`,
      exitCode: error.exitCode,
    };
  }
  const systemError = describeSystemError(error);
  if (systemError) {
    return { message: `segsync: error: ${systemError}\n`, exitCode: ExitCode.failure };
  }
  const text = error instanceof Error ? error.message : String(error);
  const details =
    verbose && error instanceof Error && error.stack
      ? `\n${terminalLines(error.stack)}`
      : '\n  → This is a bug in segsync. Run again with --verbose for details and report it.';
  return {
    message: `segsync: unexpected error: ${terminalText(text)}${details}\n`,
    exitCode: ExitCode.failure,
  };
}

/** File-system failures (e.g. an unwritable --out path) are the user's to fix, not bugs. */
function describeSystemError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path } = error as NodeJS.ErrnoException;
  const words = osErrorWords(code);
  if (!words || !path) return undefined;
  return `${terminalText(path)}: ${words} (${code}).`;
}
