// segsync apply: plan exactly as `plan` does (from the state read under the lock), refuse when
// blocked, confirm, create with bounded concurrency, record every answer, report.
import { buildApplyResult } from '../apply/result.js';
import { ExitCode, UserError } from '../errors.js';
import type { Plan } from '../model.js';
import { jsonText } from '../render/sinks/json.js';
import { terminalText } from '../render/sinks/terminal.js';
import { renderPlanText } from '../render/text.js';
import { GitStatePusher } from '../state/git-push.js';
import { resolveCheckpointEvery, setUpStatePush } from '../app/apply-push.js';
import { StateSession } from '../state/session.js';
import { readCredentials } from '../app/credentials.js';
import type { CommandIO } from '../app/io.js';
import { loadAndValidate, planFrom } from '../app/pipeline.js';
import { loadSavedPlan, looksLikeSavedPlan, refuseStalePlan } from '../app/saved-plan.js';
import type { CommonOptions } from '../app/settings.js';
import { resolveSettings } from '../app/settings.js';

export interface ApplyCommandOptions extends CommonOptions {
  yes?: boolean;
  concurrency?: number;
  format: 'text' | 'json';
  tokenFile?: string;
  allowChanged?: boolean;
  allowEmpty?: boolean;
  /** true: push to the upstream; "REMOTE/BRANCH"; false: off even when the config turns it on. */
  pushState?: boolean | string;
  checkpointEvery?: number;
}

export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;

export async function runApply(
  target: string | undefined,
  options: ApplyCommandOptions,
  io: CommandIO,
): Promise<number> {
  const saved =
    target && (await looksLikeSavedPlan(io.cwd, target))
      ? await loadSavedPlan(io.cwd, target)
      : undefined;
  const positional = saved ? (saved.plan.inputs?.definitions ?? []) : target ? [target] : [];
  const statePath = options.state ?? saved?.plan.inputs?.state;
  const settings = await resolveSettings(
    io.cwd,
    { ...options, ...(statePath !== undefined ? { state: statePath } : {}) },
    positional,
  );
  if (saved && saved.plan.environment !== settings.environment?.name) {
    throw new UserError(
      `The saved plan ${target} was made for environment "${saved.plan.environment ?? '(none)'}", not "${settings.environment?.name ?? '(none)'}".`,
      'Apply it with the same --env it was planned with.',
    );
  }
  const concurrency = resolveConcurrency(options.concurrency ?? settings.config.concurrency);
  // Fail on missing credentials before anything else happens.
  const credentials = await readCredentials(settings, io, options);
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
        });
  const report = (text: string) => (options.format === 'json' ? io.stderr(text) : io.stdout(text));

  const session = await StateSession.open(settings.statePath, {
    command: 'apply',
    endpoint: credentials.endpoint,
  });
  try {
    // Planned from the state read under the lock: no other apply can change it now.
    const plan = planFrom(settings, io.cwd, definitions, session.state, options);
    if (saved) refuseStalePlan(saved, plan);
    report(renderPlanText(plan, { color: io.color, verdict: false }));
    if (plan.blocked) return ExitCode.failure;
    const creates = plan.actions.filter((action) => action.action === 'create');
    if (creates.length === 0) {
      report('Nothing to create.');
      // Scripts reading --format json always get a result document on stdout.
      if (options.format === 'json') {
        const now = new Date();
        const result = buildApplyResult({
          report: { results: [] },
          endpoint: credentials.endpoint,
          ...(plan.environment !== undefined ? { environment: plan.environment } : {}),
          planChecksum: plan.checksum,
          startedAt: now,
          finishedAt: now,
        });
        io.stdout(jsonText(result));
      }
      return ExitCode.ok;
    }
    await confirmApply(plan, credentials.endpoint, options, io);

    const { executeApply } = await import('../app/apply-execute.js');
    const push = pusher
      ? setUpStatePush({
          pusher,
          session,
          creates,
          windowSize: checkpointEvery,
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

async function confirmApply(
  plan: Plan,
  endpoint: string,
  options: ApplyCommandOptions,
  io: CommandIO,
): Promise<void> {
  if (options.yes) return;
  const count = plan.summary.create;
  if (!io.isTTY) {
    throw new UserError(
      `Refusing to create ${count} segment(s) without confirmation: this is not a terminal.`,
      'Review the plan above, then run again with --yes (as CI does on merge).',
    );
  }
  const where = plan.environment ? ` in environment "${terminalText(plan.environment)}"` : '';
  const confirmed = await io.confirm(
    `Create ${count} segment(s) at ${terminalText(endpoint)}${where}?`,
  );
  if (!confirmed) throw new UserError('Apply cancelled; nothing was created.');
}
