// validate and plan: the commands that read the definitions and change nothing.
import type { Command } from '@commander-js/extra-typings';
import { PLAN_FORMATS, VALIDATION_FORMATS } from '../render/formats.js';
import type { ProgramRun } from './common.js';
import { configOption, envOption, formatOption, stateOption } from './common.js';

export function registerDefinitionCommands(program: Command, run: ProgramRun): void {
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
      run.exitCode = await runValidate(paths, options, run.io);
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
      run.exitCode = await runPlan(paths, options, run.io);
    });
}
