// The sending half of apply, loaded only once the plan is accepted: the HTTP client (got) and
// p-limit are not imported by plan-only runs.
import { ProgressReporter } from '../apply/progress.js';
import { buildApplyResult } from '../apply/result.js';
import { applyCreates } from '../apply/run.js';
import type { CreateAction, Plan } from '../model.js';
import { renderApplyMarkdown, renderApplyText } from '../render/apply-report.js';
import { jsonText } from '../render/sinks/json.js';
import { terminalText } from '../render/sinks/terminal.js';
import type { StateSession } from '../state/session.js';
import { createWatiClient } from '../wati/client.js';
import type { Credentials } from './credentials.js';
import type { CommandIO } from './io.js';
import { appendStepSummary } from './step-summary.js';

export interface ExecuteApplyInput {
  plan: Plan;
  creates: CreateAction[];
  session: StateSession;
  credentials: Credentials;
  concurrency: number;
  /** How the result is printed on stdout. */
  format: 'text' | 'json';
  io: CommandIO;
}

export async function executeApply(input: ExecuteApplyInput): Promise<number> {
  const { plan, creates, session, credentials, io } = input;
  const progress = new ProgressReporter(creates.length, {
    live: io.isTTY,
    write: (text) => io.stderr(text.replace(/\n$/, '')),
  });
  const client = createWatiClient({
    endpoint: credentials.endpoint,
    token: credentials.token,
    // One owner for "how many creates at once": the socket pool follows --concurrency, otherwise
    // the agent's own limit would silently cap it.
    maxSockets: input.concurrency,
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
    const report = await applyCreates(creates, client, session, {
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
        writes: session.stats.writes,
        bytes: session.stats.bytesWritten,
        ms: Math.round(session.stats.writeMsTotal),
      },
    });
    io.stdout(
      input.format === 'json' ? jsonText(result) : renderApplyText(result, { color: io.color }),
    );
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile)
      await appendStepSummary(summaryFile, renderApplyMarkdown(result), (text) => io.stderr(text));
    return result.exitCode;
  } finally {
    client.close();
  }
}
