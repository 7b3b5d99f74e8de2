// The commander program: flags and help text. Each action imports its command module on demand.
// @commander-js/extra-typings: the same commander, typed so each action receives the options its
// command declares (no casts between the flags and the command modules).
import {
  Argument,
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from '@commander-js/extra-typings';
import { ExitCode } from '../core/errors.js';
import type { CommandIO } from '../application/io.js';
import {
  APPLY_RESULT_FORMATS,
  formatNames,
  PLAN_FORMATS,
  STATE_LIST_FORMATS,
  VALIDATION_FORMATS,
} from '../render/formats.js';
import { terminalLines } from '../render/sinks/terminal.js';

export interface ProgramContext {
  version: string;
  argv: string[];
  io: CommandIO;
}

export async function buildProgram(context: ProgramContext): Promise<number> {
  const { io } = context;
  const { argv, pushStateTarget } = takePushStateTarget(context.argv);
  let exitCode: number = ExitCode.ok;
  const program = new Command('segsync')
    .description(
      'Wati contact segments as code: validate, plan and apply YAML segment definitions.',
    )
    .version(context.version, '-V, --version')
    .option('--verbose', 'show stack traces for unexpected errors')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)')
    .option('--color', 'colour the output even when it is not a terminal')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      // Usage errors quote the arguments given: through the terminal sink.
      writeErr: (text) => io.stderr(terminalLines(text)),
    });

  program
    .command('validate')
    .description('check definitions against the schema and cross-file rules')
    .argument('[paths...]', 'definition directories or files (default: from config, or segments/)')
    .addOption(formatOption(VALIDATION_FORMATS))
    .option('--allow-empty', 'succeed when there are no definitions')
    .addOption(configOption())
    .addOption(envOption())
    .action(async (paths, options) => {
      const { runValidate } = await import('../commands/validate.js');
      exitCode = await runValidate(paths, options, io);
    });

  program
    .command('plan')
    .description('show what apply would create, compared with the state file')
    .argument('[paths...]', 'definition directories or files (default: from config, or segments/)')
    .addOption(formatOption(PLAN_FORMATS))
    .addOption(stateOption())
    .option('--out <file>', 'also save the plan as JSON, for `segsync apply <file>`')
    .option(
      '--base <rev>',
      'report how the state file changed since this git revision (default in a GitHub pull request: its base branch)',
    )
    .option('--allow-changed', 'report changed segments as warnings instead of errors')
    .option('--allow-empty', 'succeed when there are no definitions')
    .option('--detailed-exitcode', 'exit 2 when the plan is valid and has segments to create')
    .option(
      '--show-contact-ids',
      'list contact IDs in text and markdown plans (counted by default)',
    )
    .option('--show-unchanged', 'list unchanged segments one by one in text output')
    .option('--show-removed', 'list every removed segment in text output (default: first 20)')
    .option('--show-unknown', 'list every unknown outcome in text output (default: first 20)')
    .addOption(configOption())
    .addOption(envOption())
    .action(async (paths, options) => {
      const { runPlan } = await import('../commands/plan.js');
      exitCode = await runPlan(paths, options, io);
    });

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
      exitCode = await runApply(target, { ...options, pushState }, io);
    });

  const state = program
    .command('state')
    .description('inspect and reconcile the state file (segsync cannot ask Wati what exists)');
  state
    .command('list')
    .description('list the recorded segments')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .addOption(formatOption(STATE_LIST_FORMATS))
    .action(async (options) => {
      const { runStateList } = await import('../commands/state.js');
      exitCode = await runStateList(options, io);
    });
  state
    .command('show')
    .description("print one segment's record")
    .argument('<name>', 'segment name')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .action(async (name, options) => {
      const { runStateShow } = await import('../commands/state.js');
      exitCode = await runStateShow(name, options, io);
    });
  state
    .command('resolve')
    .description('settle unknown outcomes after checking the Wati dashboard')
    .argument('[names...]', 'segment names')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .option('--id <id>', 'the segment exists in Wati with this id (one name only)')
    .option('--absent', 'the segments do not exist in Wati (the next apply creates them)')
    .option(
      '--from <file>',
      'settle the pending rows of `state list --format json` output (- for stdin); a row with an "id" exists with it',
    )
    .action(async (names, options) => {
      const { runStateResolve } = await import('../commands/state.js');
      exitCode = await runStateResolve(names, options, io);
    });
  state
    .command('adopt')
    .description('record a segment made in the Wati dashboard for its definition')
    .argument('<name>', 'segment name (as defined, and as named in the dashboard)')
    .argument('[paths...]', 'definition directories or files (default: from config, or segments/)')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .option('--id <id>', "the segment's id in Wati")
    .action(async (name, paths, options) => {
      const { runStateAdopt } = await import('../commands/state.js');
      exitCode = await runStateAdopt(name, paths, options, io);
    });
  state
    .command('init')
    .description('write an empty state file for a new account (apply refuses to run without one)')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .action(async (options) => {
      const { runStateInit } = await import('../commands/state.js');
      exitCode = await runStateInit(options, io);
    });
  state
    .command('forget')
    .description('stop tracking a segment (e.g. after deleting it in Wati and its definition)')
    .argument('<name>', 'segment name')
    .argument('[paths...]', 'definition directories or files (default: from config, or segments/)')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .option('--force', 'forget it even while it is defined (the next apply creates it again)')
    .action(async (name, paths, options) => {
      const { runStateForget } = await import('../commands/state.js');
      exitCode = await runStateForget(name, paths, options, io);
    });
  state
    .command('merge')
    .description('merge another state file into this one by meaning (e.g. a run artifact)')
    .argument('<other>', 'the other state file')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .action(async (other, options) => {
      const { runStateMerge } = await import('../commands/state-merge.js');
      exitCode = await runStateMerge(other, options, io);
    });
  state
    .command('merge-driver')
    .description(
      'git merge driver for state files: merge.segsync.driver = segsync state merge-driver %O %A %B',
    )
    .argument('<base>', 'the common ancestor (%O)')
    .argument('<ours>', 'our version, replaced by the result (%A)')
    .argument('<theirs>', 'their version (%B)')
    .action(async (base, ours, theirs) => {
      const { runStateMergeDriver } = await import('../commands/state-merge.js');
      exitCode = await runStateMergeDriver(base, ours, theirs, io);
    });
  state
    .command('unlock')
    .description('remove a lock left behind by a segsync process that is gone')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .option('--force', 'also remove a lock whose holder still runs, or runs on another host')
    .action(async (options) => {
      const { runStateUnlock } = await import('../commands/state.js');
      exitCode = await runStateUnlock(options, io);
    });

  program
    .command('init')
    .description('scaffold a repository: config, example definition, editor settings, CI workflows')
    .argument('[dir]', 'repository root (default: the current directory)')
    .option('--environments <names>', 'comma-separated environments, e.g. staging,production')
    .action(async (dir, options) => {
      const { runInit } = await import('../commands/init.js');
      const { parseEnvironmentList } = await import('../commands/init-environments.js');
      exitCode = await runInit(
        dir,
        options.environments ? { environments: parseEnvironmentList(options.environments) } : {},
        io,
      );
    });

  program
    .command('schema')
    .description('print a JSON Schema (segment definitions by default)')
    .addArgument(
      new Argument('[name]', 'which schema')
        .choices(['segment', 'config', 'state', 'plan', 'apply-result'] as const)
        .default('segment' as const),
    )
    .action(async (name) => {
      const { runSchema } = await import('../commands/schema.js');
      exitCode = await runSchema(name, io);
    });

  program
    .command('completion')
    .description('print a shell completion script: source <(segsync completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish'] as const))
    .action(async (shell) => {
      const { runCompletion } = await import('../commands/completion.js');
      exitCode = runCompletion(shell, program, io);
    });

  // What completion scripts call back for: environment and segment names, one per line.
  program
    .command('__complete', { hidden: true })
    .argument('<kind>', 'env | segments')
    .addOption(stateOption())
    .addOption(configOption())
    .addOption(envOption())
    .action(async (kind, options) => {
      const { runCompleteValues } = await import('../commands/completion-values.js');
      exitCode = await runCompleteValues(kind, options, io);
    });

  program
    .command('emulator')
    .description('run a local Wati-compatible server for trying segsync without an account')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', parseInteger, 8787)
    .option('--token <token>', "the emulator's own token (not a Wati token)")
    .option(
      '--preview-token <token>',
      'a second, read-only token: previews accepted, creates answered 403',
    )
    .option(
      '--segment-limit <n>',
      "active-segment limit of the pretend account (default 10, Wati's documented cap)",
      parseInteger,
    )
    .option('--feature-disabled', 'answer every create and preview with "feature not available"')
    .option('--latency <ms>', 'answer each request this many ms after it arrives', parseInteger)
    .option('--fail-rate <p>', 'fraction of creates and previews answered 500 (0..1)', parseFloat)
    .option('--rate-limit <rps>', 'requests per second before 429 with Retry-After', parseFloat)
    .option(
      '--drop-rate <p>',
      'fraction of creates committed then dropped unanswered (0..1; not previews)',
      parseFloat,
    )
    .option('--seed <n>', 'seed for deterministic fault injection', parseInteger)
    .option('--data <file>', 'persist segments and counters to this file')
    .option('--contacts <file>', 'contacts previews answer from: *.json (v3 contacts) or *.csv')
    .option('--generate-contacts <n>', 'instead, n made-up contacts (deterministic)', parseInteger)
    .option('--contacts-seed <n>', 'seed of --generate-contacts (default 1)', parseInteger)
    .option('--evaluate-total', 'previews also answer a total (Wati documents none)')
    .addOption(
      new Option('--match-conditions <how>', 'how conditions in a group combine')
        .choices(['and', 'or'] as const)
        .default('and' as const),
    )
    .addOption(
      new Option('--match-groups <how>', 'how the groups of a filter combine')
        .choices(['and', 'or'] as const)
        .default('or' as const),
    )
    .option('--case-insensitive', 'previews compare values ignoring case')
    .addHelpText(
      'after',
      `
Previews (POST /api/ext/v3/segments/evaluate, at the host root: v3 calls have no tenant path)
take { groups, page_number, page_size (1-100) } and answer
{ contact_list, page_number, page_size } (plus total with --evaluate-total).

How a filter selects contacts is segsync's assumption, NOT documented by Wati:
  conditions in a group combine with AND, groups with OR (see --match-conditions, --match-groups);
  operators ==, !=, contain, notContain, exist, notExist (any other: 400 invalid input);
  an attribute is a custom param by name, or the contact's id, wa_id, name or phone;
  values compare as text (10 as "10", true as "true"), case-sensitive (see --case-insensitive);
  a missing attribute matches only !=, notContain and notExist;
  exist means present and non-empty (its value is ignored); notExist is its opposite;
  no groups select nobody (documented).`,
    )
    .action(async (options) => {
      const { runEmulatorCommand } = await import('../commands/emulator.js');
      exitCode = await runEmulatorCommand(options, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse problem is a usage error (already printed).
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.failure;
    }
    throw error;
  }
  return exitCode;
}

/**
 * `--push-state=REMOTE/BRANCH` is the only spelling of --push-state that takes a value: declared
 * with an optional value, commander would also take the next word (`apply --push-state segments`
 * would push to "segments" instead of applying the folder). So the flag is a plain switch, and the
 * `=` form is taken out of the arguments here, before commander reads them (the last one wins,
 * like any repeated option; nothing after `--` is an option).
 */
function takePushStateTarget(argv: readonly string[]): {
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

// Options several commands share, built afresh for each (commander keeps per-command state).

function configOption() {
  return new Option('-c, --config <file>', 'config file (default: segsync.config.yaml if present)');
}

function envOption() {
  return new Option(
    '--env <name>',
    'environment from the config (required when environments exist)',
  );
}

function stateOption() {
  return new Option('--state <file>', 'state file (default: segsync.state.json beside the config)');
}

/**
 * The choices are the names in the command's format registry (src/render/formats.ts), which also
 * types the value: a format added there is offered here with no edit.
 */
function formatOption<Name extends string>(registry: Readonly<Record<Name | 'text', unknown>>) {
  return new Option('-f, --format <format>', 'output format')
    .default('text' as const)
    .choices(formatNames(registry));
}

function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number.');
  return Number.parseInt(value, 10);
}
