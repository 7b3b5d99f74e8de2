// The commander program: the root and its global flags; each command group (validate and plan,
// apply, state, setup, the emulator) declares its commands, flags and help text in its own module,
// and each action imports its command module on demand.
// @commander-js/extra-typings: the same commander, typed so each action receives the options its
// command declares (no casts between the flags and the command modules).
import { Command, CommanderError } from '@commander-js/extra-typings';
import { ExitCode } from '../core/errors.js';
import type { CommandIO } from '../application/io.js';
import { terminalLines } from '../render/sinks/terminal.js';
import { registerApplyCommand, takePushStateTarget } from './apply.js';
import type { ProgramRun } from './common.js';
import { registerDefinitionCommands } from './definitions.js';
import { registerEmulatorCommand } from './emulator.js';
import { registerSetupCommands } from './setup.js';
import { registerStateCommands } from './state.js';

export interface ProgramContext {
  version: string;
  argv: string[];
  io: CommandIO;
}

export async function buildProgram(context: ProgramContext): Promise<number> {
  const { io } = context;
  const { argv, pushStateTarget } = takePushStateTarget(context.argv);
  const run: ProgramRun = { io, exitCode: ExitCode.ok };
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
  // In the order `segsync --help` lists them.
  registerDefinitionCommands(program, run);
  registerApplyCommand(program, run, pushStateTarget);
  registerStateCommands(program, run);
  registerSetupCommands(program, run);
  registerEmulatorCommand(program, run);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse problem is a usage error (already printed).
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.failure;
    }
    throw error;
  }
  return run.exitCode;
}
