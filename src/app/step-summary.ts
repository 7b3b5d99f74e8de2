import { appendFile } from 'node:fs/promises';

/** GitHub shows what is appended to $GITHUB_STEP_SUMMARY on the workflow run's page. */
export async function appendStepSummary(file: string, markdown: string): Promise<void> {
  await appendFile(file, `${markdown.trimEnd()}\n\n`);
}
