// apply: creates the planned segments.
import type { Command } from '@commander-js/extra-typings';
import { APPLY_RESULT_FORMATS } from '../render/formats.js';
import type { ProgramRun } from './common.js';
import { configOption, envOption, formatOption, parseInteger, stateOption } from './common.js';

/** `pushStateTarget`: the REMOTE/BRANCH of `--push-state=REMOTE/BRANCH` (see takePushStateTarget). */
export function registerApplyCommand(
  program: Command,
  run: ProgramRun,
  pushStateTarget: string | undefined,
): void {
  program
    .command('apply')
    .description('create the planned segments in Wati (endpoint and token from the environment)')
    .argument('[target]', 'definitions directory or file, or a plan saved with `plan --out`')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--concurrency <n>', 'creates in flight at once (default 4, max 64)', parseInteger)
    .addOption(stateOption())
    .option('--token-file <file>', 'read the API token from this file instead of WATI_API_TOKEN')
    .addOption(formatOption(APPLY_RESULT_FORMATS))
    .option(
      '--allow-changed',
      'apply even though some created segments changed (they stay as they are)',
    )
    .option('--allow-empty', 'succeed when there are no definitions')
    .option(
      '--new-state',
      'the state file may not exist yet: start a new one (otherwise apply refuses without it)',
    )
    .option(
      '--push-state',
      'commit and push the state file before each window of creates, to the branch upstream ' +
        '(--push-state=REMOTE/BRANCH names another)',
    )
    .option('--no-push-state', 'do not push the state, even when the config says pushState')
    .option(
      '--checkpoint-every <n>',
      'creates per pushed checkpoint with --push-state (default 20)',
      parseInteger,
    )
    .addOption(configOption())
    .addOption(envOption())
    .action(async (target, options) => {
      const { runApply } = await import('../commands/apply.js');
      const pushState =
        options.pushState && pushStateTarget !== undefined ? pushStateTarget : options.pushState;
      run.exitCode = await runApply(target, { ...options, pushState }, run.io);
    });
}

/**
 * `--push-state=REMOTE/BRANCH` is the only spelling of --push-state that takes a value: declared
 * with an optional value, commander would also take the next word (`apply --push-state segments`
 * would push to "segments" instead of applying the folder). So the flag is a plain switch, and the
 * `=` form is taken out of the arguments here, before commander reads them (the last one wins,
 * like any repeated option; nothing after `--` is an option).
 */
export function takePushStateTarget(argv: readonly string[]): {
  argv: string[];
  pushStateTarget?: string;
} {
  const end = argv.indexOf('--');
  let pushStateTarget: string | undefined;
  const rewritten = argv.map((arg, index) => {
    if ((end !== -1 && index > end) || !arg.startsWith('--push-state=')) return arg;
    pushStateTarget = arg.slice('--push-state='.length);
    return '--push-state';
  });
  return pushStateTarget === undefined ? { argv: rewritten } : { argv: rewritten, pushStateTarget };
}
