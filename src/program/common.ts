// What the command groups share: the options several commands declare, whole-number flags, and
// the run each action reports its exit code to.
import { InvalidArgumentError, Option } from '@commander-js/extra-typings';
import type { CommandIO } from '../application/io.js';
import { formatNames } from '../render/formats.js';

/** What every command group's actions use: the outside world, and where the exit code goes. */
export interface ProgramRun {
  readonly io: CommandIO;
  exitCode: number;
}

// Options several commands share, built afresh for each (commander keeps per-command state).

export function configOption() {
  return new Option('-c, --config <file>', 'config file (default: segsync.config.yaml if present)');
}

export function envOption() {
  return new Option(
    '--env <name>',
    'environment from the config (required when environments exist)',
  );
}

export function stateOption() {
  return new Option('--state <file>', 'state file (default: segsync.state.json beside the config)');
}

/**
 * The choices are the names in the command's format registry (src/render/formats.ts), which also
 * types the value: a format added there is offered here with no edit.
 */
export function formatOption<Name extends string>(
  registry: Readonly<Record<Name | 'text', unknown>>,
) {
  return new Option('-f, --format <format>', 'output format')
    .default('text' as const)
    .choices(formatNames(registry));
}

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number.');
  return Number.parseInt(value, 10);
}
