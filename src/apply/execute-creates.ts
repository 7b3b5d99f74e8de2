// The sending half of apply, loaded only once the plan is accepted: the runner (p-limit) is not
// imported by plan-only runs, and the Wati client (got) arrives through the services' factory.
import { ProgressReporter } from '../render/apply-progress.js';
import { buildApplyResult } from './result.js';
import { applyCreates } from './runner/create-runner.js';
import { ExitCode, UserError } from '../core/errors.js';
import type { CreateAction, Plan } from '../core/model.js';
import { describeUnsettled } from '../render/apply-report.js';
import type { ApplyResultFormat } from '../render/formats.js';
import { APPLY_RESULT_FORMATS, renderAs, STEP_SUMMARIES } from '../render/formats.js';
import {
  creatingNote,
  describePushes,
  firstPushNote,
  lastPushFailedNote,
} from '../render/apply-notes.js';
import { terminalText } from '../render/sinks/terminal.js';
import type { StateSession } from '../state/session.js';
import type { Credentials } from '../application/credentials.js';
import type { StatePush } from './state-push.js';
import type { CommandIO } from '../application/io.js';
import { appendStepSummary } from '../application/step-summary.js';

export interface ExecuteApplyInput {
  plan: Plan;
  creates: CreateAction[];
  session: StateSession;
  credentials: Credentials;
  concurrency: number;
  /** How the result is printed on stdout. */
  format: ApplyResultFormat;
  /** The state file recorded into, as shown to the user. */
  stateFile: string;
  /** Unknown outcomes of earlier runs, not sent again: apply exits 3 while they remain. */
  unsettled: readonly string[];
  io: CommandIO;
  /** apply --push-state: creates go through the checkpoint gate; results are pushed at the end. */
  push?: StatePush;
}

export async function executeApply(input: ExecuteApplyInput): Promise<number> {
  const { plan, creates, session, credentials, io } = input;
  const { stderrLive } = io;
  const progress = new ProgressReporter(
    creates.length,
    stderrLive
      ? { live: true, write: stderrLive }
      : { live: false, write: (text) => io.stderr(text.replace(/\n$/, '')) },
  );
  const { clock } = io.services;
  const wati = await io.services.wati({
    endpoint: credentials.endpoint,
    token: credentials.token,
    // One owner for "how many creates at once": the socket pool follows --concurrency, otherwise
    // the agent's own limit would silently cap it.
    concurrency: input.concurrency,
    timing: io.services,
    onRetry: (retry) => progress.retrying(retry),
  });
  const startedAt = clock.now();
  progress.note(creatingNote(creates.length, credentials.endpoint, input.concurrency));
  const push = input.push;
  try {
    if (push) {
      // The first window's pending records reach the remote before the first request; if they
      // cannot, nothing is sent (the gate has cleared them) and apply stops here with exit 1.
      try {
        await push.gate.openFirstWindow();
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        throw new UserError(
          `${error.message}\nNothing was sent to Wati: apply refuses to create segments before the remote records them as pending.`,
          error.hint,
        );
      }
      io.stderr(firstPushNote(push.pusher.describeTarget(), push.gate.windowSize));
    }
    const report = await applyCreates(creates, wati, push ? push.gate : session, {
      concurrency: input.concurrency,
      signal: io.signal,
      now: clock.now,
      ...(io.inFlight ? { inFlight: io.inFlight } : {}),
      onEvent: progress.onEvent,
    });
    progress.finish();
    const result = buildApplyResult({
      report,
      endpoint: credentials.endpoint,
      ...(plan.environment !== undefined ? { environment: plan.environment } : {}),
      planChecksum: plan.checksum,
      stateFile: input.stateFile,
      unsettled: input.unsettled,
      startedAt,
      finishedAt: clock.now(),
      stateWrites: {
        writes: session.stats.writes,
        bytes: session.stats.bytesWritten,
        ms: Math.round(session.stats.writeMsTotal),
      },
    });
    io.stdout(await renderAs(APPLY_RESULT_FORMATS, input.format, result, { color: io.color }));
    // The text report says it itself; next to a document (JSON), stderr does.
    if (input.format !== 'text' && result.unsettled) {
      io.stderr(terminalText(describeUnsettled(result.unsettled)));
    }
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      const renderSummary = await STEP_SUMMARIES.apply();
      await appendStepSummary(summaryFile, renderSummary(result), (text) => io.stderr(text));
    }
    if (!push) return result.exitCode;
    const pushFailure = await push.finish();
    const { pusher } = push;
    io.stderr(
      describePushes({
        target: pusher.describeTarget(),
        pushes: pusher.pushes,
        catchUps: pusher.catchUps,
        durations: push.durations,
      }),
    );
    if (pushFailure === undefined) return result.exitCode;
    io.stderr(lastPushFailedNote(pushFailure));
    return Math.max(result.exitCode, ExitCode.partial);
  } finally {
    wati.close();
  }
}
