// The apply use case: plan exactly as `plan` does (from the state read under the lock), refuse
// when blocked, ask the command to confirm, create with bounded concurrency, record every answer,
// report. The command (src/commands/apply.ts) owns the options and the confirmation dialogue.
import { buildApplyResult } from './result.js';
import { ExitCode, UserError } from '../core/errors.js';
import type { Plan } from '../core/model.js';
import { displayPath } from '../diagnostics/display-path.js';
import type { ApplyResultFormat } from '../render/formats.js';
import { APPLY_RESULT_FORMATS, renderAs } from '../render/formats.js';
import { terminalText } from '../render/sinks/terminal.js';
import { NOTHING_TO_CREATE, stateFileNote } from '../render/apply-notes.js';
import { describeUnsettled } from '../render/apply-report.js';
import { renderPlanText } from '../render/text.js';
import { GitStatePusher } from '../git/state-pusher.js';
import { resolveCheckpointEvery, setUpStatePush } from './state-push.js';
import { StateSession } from '../state/session.js';
import { readCredentials } from '../application/credentials.js';
import type { CommandIO } from '../application/io.js';
import { refuseMissingState } from '../application/missing-state.js';
import { planFrom } from '../application/pipeline.js';
import { loadAndValidate } from '../application/validate-definitions.js';
import {
  loadSavedPlan,
  looksLikeSavedPlan,
  refuseForeignPlan,
  refuseStalePlan,
} from './saved-plan.js';
import type { CommonOptions } from '../application/settings.js';
import { resolveSettings, selectionFlags } from '../application/settings.js';

export interface ApplyOptions extends CommonOptions {
  concurrency?: number;
  format: ApplyResultFormat;
  tokenFile?: string;
  allowChanged?: boolean;
  allowEmpty?: boolean;
  /** true: push to the upstream; "REMOTE/BRANCH"; false: off even when the config turns it on. */
  pushState?: boolean | string;
  checkpointEvery?: number;
  /** The state file may not exist yet: this is a new state (without it apply refuses). */
  newState?: boolean;
}

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;

/** Asked once the plan is shown and something is to be created; throws to cancel. */
export type ConfirmApply = (plan: Plan, endpoint: string) => Promise<void>;

export async function applyDefinitions(
  target: string | undefined,
  options: ApplyOptions,
  io: CommandIO,
  confirm: ConfirmApply,
): Promise<number> {
  const saved =
    target && (await looksLikeSavedPlan(io.cwd, target))
      ? await loadSavedPlan(io.cwd, target)
      : undefined;
  const positional = saved ? (saved.plan.inputs?.definitions ?? []) : target ? [target] : [];
  // The state file is the run's own (flags, config, environment), never the saved plan's: a plan
  // file must not be able to redirect where apply records what it creates.
  const settings = await resolveSettings(io.cwd, options, positional, 'report');
  if (saved) refuseForeignPlan(saved, settings, io.cwd);
  const concurrency = resolveConcurrency(options.concurrency ?? settings.config.concurrency);
  // Fail on missing credentials before anything else happens.
  const credentials = await readCredentials(settings, io, options);
  if (!options.newState) await refuseMissingState(settings.statePath, io);
  const definitions = await loadAndValidate(settings, io.cwd, options);
  // Before the state is touched: a checkout that cannot push is refused before anything happens.
  const pushState = options.pushState ?? settings.pushState ?? false;
  const checkpointEvery = resolveCheckpointEvery(
    options.checkpointEvery ?? settings.config.checkpointEvery,
  );
  const pusher =
    pushState === false
      ? undefined
      : await GitStatePusher.open({
          statePath: settings.statePath,
          target: pushState === true ? undefined : pushState,
          env: io.env,
          git: io.services.git,
        });
  // Notes share stdout with the text result only: another format's stdout is its document alone.
  const report = (text: string) => (options.format === 'text' ? io.stdout(text) : io.stderr(text));
  const stateFile = displayPath(settings.statePath, io.cwd);
  report(stateFileNote(stateFile));

  const session = await StateSession.open(settings.statePath, {
    command: 'apply',
    endpoint: credentials.endpoint,
  });
  try {
    // Planned from the state read under the lock: no other apply can change it now.
    const plan = planFrom(settings, io.cwd, definitions, session.state, {
      ...(options.allowEmpty ? { allowEmpty: true } : {}),
      ...(options.allowChanged ? { allowChanged: true } : {}),
      commandFlags: selectionFlags(options),
    });
    if (saved) refuseStalePlan(saved, plan);
    report(renderPlanText(plan, { color: io.color, verdict: false }));
    if (plan.blocked) return ExitCode.failure;
    const creates = plan.actions.filter((action) => action.action === 'create');
    // Unknown outcomes block only themselves: the rest is created, and apply exits 3 meanwhile.
    const unsettled = plan.settle?.names ?? [];
    if (creates.length === 0) {
      report(NOTHING_TO_CREATE);
      if (unsettled.length > 0) report(terminalText(describeUnsettled(unsettled)));
      const now = io.services.clock.now();
      const result = buildApplyResult({
        report: { results: [] },
        endpoint: credentials.endpoint,
        ...(plan.environment !== undefined ? { environment: plan.environment } : {}),
        planChecksum: plan.checksum,
        stateFile,
        startedAt: now,
        finishedAt: now,
        unsettled,
      });
      // Scripts reading --format json always get a result document on stdout; for people,
      // "Nothing to create." says it all.
      if (options.format !== 'text') {
        io.stdout(
          await renderAs(APPLY_RESULT_FORMATS, options.format, result, { color: io.color }),
        );
      }
      return result.exitCode;
    }
    await confirm(plan, credentials.endpoint);

    const { executeApply } = await import('./execute-creates.js');
    const push = pusher
      ? setUpStatePush({
          pusher,
          session,
          creates,
          windowSize: checkpointEvery,
          clock: io.services.clock,
          ...(plan.environment !== undefined ? { environment: plan.environment } : {}),
        })
      : undefined;
    return await executeApply({
      plan,
      creates,
      session,
      credentials,
      concurrency,
      format: options.format,
      stateFile,
      unsettled,
      io,
      ...(push ? { push } : {}),
    });
  } finally {
    await session.close();
  }
}

function resolveConcurrency(value: number | undefined): number {
  const concurrency = value ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new UserError(
      `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (got ${String(value)}).`,
    );
  }
  return concurrency;
}
