// The sending half of apply, loaded only once the plan is accepted: the HTTP client (got) and
// p-limit are not imported by plan-only runs.
import { ProgressReporter } from '../apply/progress.js';
import { buildApplyResult } from '../apply/result.js';
import { applyCreates } from '../apply/run.js';
import type { Plan, PlanAction } from '../model.js';
import { renderApplyMarkdown, renderApplyText } from '../render/apply-report.js';
import { jsonText } from '../render/sinks/json.js';
import { terminalText } from '../render/sinks/terminal.js';
import type { StateJournal } from '../state/journal.js';
import { createWatiClient } from '../wati/client.js';
import type { ApplyCommandOptions } from './apply.js';
import type { Credentials } from './credentials.js';
import type { CommandIO } from './io.js';
import { appendStepSummary } from './step-summary.js';

export interface ExecuteApplyInput {
  plan: Plan;
  creates: PlanAction[];
  journal: StateJournal;
  credentials: Credentials;
  concurrency: number;
  options: ApplyCommandOptions;
  io: CommandIO;
}

export async function executeApply(input: ExecuteApplyInput): Promise<number> {
  const { plan, creates, journal, credentials, io, options } = input;
  const progress = new ProgressReporter(creates.length, {
    live: io.isTTY,
    write: (text) => io.stderr(text.replace(/\n$/, '')),
  });
  const client = createWatiClient({
    endpoint: credentials.endpoint,
    token: credentials.token,
    onRetry: ({ name, attempt, delayMs, reason }) =>
      io.stderr(
        `retrying ${terminalText(name)} (attempt ${attempt + 1}) in ${(delayMs / 1000).toFixed(1)} s: ${terminalText(reason)}`,
      ),
  });
  const startedAt = new Date();
  io.stderr(
    `Creating ${creates.length} segment(s) at ${terminalText(credentials.endpoint)}, ${input.concurrency} at a time…`,
  );
  try {
    const report = await applyCreates(creates, client, journal, {
      concurrency: input.concurrency,
      signal: io.signal,
      onEvent: progress.onEvent,
    });
    progress.finish();
    const result = buildApplyResult({
      report,
      endpoint: credentials.endpoint,
      ...(plan.environment !== undefined ? { environment: plan.environment } : {}),
      planChecksum: plan.checksum,
      startedAt,
      finishedAt: new Date(),
      stateWrites: {
        writes: journal.stats.writes,
        bytes: journal.stats.bytesWritten,
        ms: Math.round(journal.stats.writeMsTotal),
      },
    });
    io.stdout(
      options.format === 'json' ? jsonText(result) : renderApplyText(result, { color: io.color }),
    );
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile)
      await appendStepSummary(summaryFile, renderApplyMarkdown(result), (text) => io.stderr(text));
    return result.exitCode;
  } finally {
    client.close();
  }
}
