// The sending half of apply, loaded only once the plan is accepted: the HTTP client (got) and
// p-limit are not imported by plan-only runs.
import { ProgressReporter } from '../apply/progress.js';
import { buildApplyResult } from '../apply/result.js';
import { applyCreates } from '../apply/run.js';
import type { Plan, PlanAction } from '../model.js';
import { renderApplyMarkdown, renderApplyText } from '../render/apply-report.js';
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
  const { stderrLive } = io;
  const progress = new ProgressReporter(
    creates.length,
    stderrLive
      ? { live: true, write: stderrLive }
      : { live: false, write: (text) => io.stderr(text.replace(/\n$/, '')) },
  );
  const client = createWatiClient({
    endpoint: credentials.endpoint,
    token: credentials.token,
    onRetry: ({ name, attempt, delayMs, reason }) =>
      progress.note(
        `retrying ${name} (attempt ${attempt + 1}) in ${(delayMs / 1000).toFixed(1)} s: ${reason}`,
      ),
  });
  const startedAt = new Date();
  progress.note(
    `Creating ${creates.length} segment(s) at ${credentials.endpoint}, ${input.concurrency} at a time…`,
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
      options.format === 'json'
        ? JSON.stringify(result, null, 2)
        : renderApplyText(result, { color: io.color }),
    );
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) await appendStepSummary(summaryFile, renderApplyMarkdown(result));
    return result.exitCode;
  } finally {
    client.close();
  }
}
