// Setting segsync up: init, schema, shell completion and what completion calls back for.
import type { Command } from '@commander-js/extra-typings';
import { Argument } from '@commander-js/extra-typings';
import type { ProgramRun } from './common.js';
import { configOption, envOption, stateOption } from './common.js';

export function registerSetupCommands(program: Command, run: ProgramRun): void {
  program
    .command('init')
    .description('scaffold a repository: config, example definition, editor settings, CI workflows')
    .argument('[dir]', 'repository root (default: the current directory)')
    .option('--environments <names>', 'comma-separated environments, e.g. staging,production')
    .action(async (dir, options) => {
      const { runInit } = await import('../commands/init.js');
      const { parseEnvironmentList } = await import('../commands/init-environments.js');
      run.exitCode = await runInit(
        dir,
        options.environments ? { environments: parseEnvironmentList(options.environments) } : {},
        run.io,
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
      run.exitCode = await runSchema(name, run.io);
    });

  program
    .command('completion')
    .description('print a shell completion script: source <(segsync completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish'] as const))
    .action(async (shell) => {
      const { runCompletion } = await import('../commands/completion.js');
      run.exitCode = runCompletion(shell, program, run.io);
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
      run.exitCode = await runCompleteValues(kind, options, run.io);
    });
}
