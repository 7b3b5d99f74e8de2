// `segsync __complete env|segments`: the names a completion script cannot know in advance, one
// per line. Completion runs on every TAB, so this never prints an error: a missing or broken
// config or state file simply completes nothing.
import { loadConfig } from '../config/load.js';
import { ExitCode } from '../core/errors.js';
import type { FileKind } from '../files/read.js';
import { readBoundedFileAsync } from '../files/read.js';
import { journalPathOf } from '../state/wal.js';
import type { CommandIO } from '../application/io.js';
import type { CommonOptions } from '../application/settings.js';
import { resolveSettings } from '../application/settings.js';
import { hasInvisible } from '../render/sinks/invisible.js';

export async function runCompleteValues(
  kind: string,
  options: CommonOptions,
  io: CommandIO,
): Promise<number> {
  try {
    const names =
      kind === 'env' ? await environmentNames(options, io) : await segmentNames(options, io);
    // A name with a control, bidi or zero-width character (a hand-edited state file) is left
    // out: offered raw, the shell would print it to the terminal in its list of candidates (a
    // CSI or a bidi override in it garbles or disguises the list), and offered escaped it would
    // complete to a name that does not exist. The user can still type or paste such a name.
    // A line break would also split the name in two: this output is one name per line.
    const printable = names.filter((name) => !hasInvisible(name));
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
  // Completion runs on every TAB: the names are all it needs, so the state file and the journal
  // a killed apply may have left are parsed, not validated (the schema check would triple the
  // time of the call). The journal matters: its pending names are what `state resolve` settles.
  const names = new Set<string>();
  const state = JSON.parse(await readIfPresent(settings.statePath, '{}', 'state')) as unknown;
  const segments = (state as { segments?: unknown } | null)?.segments;
  if (segments !== null && typeof segments === 'object') {
    for (const name of Object.keys(segments)) names.add(name);
  }
  const journal = await readIfPresent(journalPathOf(settings.statePath), '', 'journal');
  for (const line of journal.split('\n')) {
    try {
      const record = JSON.parse(line) as { op?: unknown; name?: unknown };
      if (typeof record.name !== 'string') continue;
      if (record.op === 'set') names.add(record.name);
      else if (record.op === 'delete') names.delete(record.name);
    } catch {
      // A torn last line: skipped, as the journal reader does.
    }
  }
  return [...names];
}

/** The file's text, or `otherwise` for anything but a readable regular file within its bound. */
async function readIfPresent(file: string, otherwise: string, kind: FileKind): Promise<string> {
  const read = await readBoundedFileAsync(file, kind);
  return read.ok ? read.bytes.toString('utf8') : otherwise;
}
