// state …: inspecting and reconciling the state file.
import type { Command } from '@commander-js/extra-typings';
import { STATE_LIST_FORMATS } from '../render/formats.js';
import type { ProgramRun } from './common.js';
import { configOption, envOption, formatOption, stateOption } from './common.js';

export function registerStateCommands(program: Command, run: ProgramRun): void {
  const state = program
    .command('state')
    .description('inspect and reconcile the state file (segsync cannot ask Wati what exists)');
  // In the order `segsync state --help` lists them.
  const subcommands = [
    stateList,
    stateShow,
    stateResolve,
    stateAdopt,
    stateInit,
    stateForget,
    stateMerge,
    stateMergeDriver,
    stateUnlock,
  ];
  for (const register of subcommands) register(state, run);
}

function stateList(state: Command, run: ProgramRun): void {
  state
    .command('list')
    .description('list the recorded segments')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .addOption(formatOption(STATE_LIST_FORMATS))
    .action(async (options) => {
      const { runStateList } = await import('../commands/state.js');
      run.exitCode = await runStateList(options, run.io);
    });
}

function stateShow(state: Command, run: ProgramRun): void {
  state
    .command('show')
    .description("print one segment's record")
    .argument('<name>', 'segment name')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .action(async (name, options) => {
      const { runStateShow } = await import('../commands/state.js');
      run.exitCode = await runStateShow(name, options, run.io);
    });
}

function stateResolve(state: Command, run: ProgramRun): void {
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
      run.exitCode = await runStateResolve(names, options, run.io);
    });
}

function stateAdopt(state: Command, run: ProgramRun): void {
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
      run.exitCode = await runStateAdopt(name, paths, options, run.io);
    });
}

function stateInit(state: Command, run: ProgramRun): void {
  state
    .command('init')
    .description('write an empty state file for a new account (apply refuses to run without one)')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .action(async (options) => {
      const { runStateInit } = await import('../commands/state.js');
      run.exitCode = await runStateInit(options, run.io);
    });
}

function stateForget(state: Command, run: ProgramRun): void {
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
      run.exitCode = await runStateForget(name, paths, options, run.io);
    });
}

function stateMerge(state: Command, run: ProgramRun): void {
  state
    .command('merge')
    .description('merge another state file into this one by meaning (e.g. a run artifact)')
    .argument('<other>', 'the other state file')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .action(async (other, options) => {
      const { runStateMerge } = await import('../commands/state-merge.js');
      run.exitCode = await runStateMerge(other, options, run.io);
    });
}

function stateMergeDriver(state: Command, run: ProgramRun): void {
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
      run.exitCode = await runStateMergeDriver(base, ours, theirs, run.io);
    });
}

function stateUnlock(state: Command, run: ProgramRun): void {
  state
    .command('unlock')
    .description('remove a lock left behind by a segsync process that is gone')
    .addOption(configOption())
    .addOption(envOption())
    .addOption(stateOption())
    .option('--force', 'also remove a lock whose holder still runs, or runs on another host')
    .action(async (options) => {
      const { runStateUnlock } = await import('../commands/state.js');
      run.exitCode = await runStateUnlock(options, run.io);
    });
}
