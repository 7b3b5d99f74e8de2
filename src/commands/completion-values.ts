// `segsync __complete env|segments`: the names a completion script cannot know in advance, one
// per line. Completion runs on every TAB, so this never prints an error: a missing or broken
// config or state file simply completes nothing.
import { loadConfig } from '../config/load.js';
import { ExitCode } from '../errors.js';
import { readState } from '../state/file.js';
import type { CommandIO } from '../app/io.js';
import type { CommonOptions } from '../app/settings.js';
import { resolveSettings } from '../app/settings.js';

export async function runCompleteValues(
  kind: string,
  options: CommonOptions,
  io: CommandIO,
): Promise<number> {
  try {
    const names =
      kind === 'env' ? await environmentNames(options, io) : await segmentNames(options, io);
    // A name with a control character (a hand-edited state file) would garble the terminal.
    const printable = names.filter((name) => !/[\p{Cc}\p{Zl}\p{Zp}]/u.test(name));
    io.stdout(printable.sort().join('\n'));
  } catch {
    // Nothing to offer.
  }
  return ExitCode.ok;
}

async function environmentNames(options: CommonOptions, io: CommandIO): Promise<string[]> {
  const { config } = await loadConfig({
    ...(options.config !== undefined ? { path: options.config } : {}),
    cwd: io.cwd,
  });
  return Object.keys(config.environments ?? {});
}

async function segmentNames(options: CommonOptions, io: CommandIO): Promise<string[]> {
  const settings = await resolveSettings(io.cwd, options);
  return Object.keys((await readState(settings.statePath)).segments);
}
