import { appendFile } from 'node:fs/promises';
import { errorCode } from '../core/errors.js';
import { osErrorWords } from '../core/os-errors.js';
import { terminalText } from '../render/sinks/terminal.js';

/**
 * GitHub shows what is appended to $GITHUB_STEP_SUMMARY on the workflow run's page. It is a
 * courtesy: failing to write it is a warning and never changes the exit code or the outcome
 * (an apply that created segments must not report "nothing changed" because of it).
 */
export async function appendStepSummary(
  file: string,
  markdown: string,
  warn: (text: string) => void,
): Promise<void> {
  try {
    await appendFile(file, `${markdown.trimEnd()}\n\n`);
  } catch (error) {
    const code = errorCode(error) ?? 'error';
    warn(
      `segsync: warning: could not write the job summary to ${terminalText(file)}: ${osErrorWords(code) ?? 'write failed'} (${code}). The result above is not affected.`,
    );
  }
}
