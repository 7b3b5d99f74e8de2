import { readFile } from 'node:fs/promises';
import { ExitCode, UsageError } from '../core/errors.js';
import type { CommandIO } from '../application/io.js';

const schemaNames = ['segment', 'config', 'state', 'plan', 'apply-result'] as const;

/** Prints one of the JSON Schemas shipped in schemas/ (the segment schema is the source of truth). */
export async function runSchema(name: string, io: CommandIO): Promise<number> {
  if (!(schemaNames as readonly string[]).includes(name)) {
    throw new UsageError(`Unknown schema "${name}".`, `Choose one of: ${schemaNames.join(', ')}.`);
  }
  const file = new URL(`../../schemas/${name}.schema.json`, import.meta.url);
  io.stdout((await readFile(file, 'utf8')).trimEnd());
  return ExitCode.ok;
}
