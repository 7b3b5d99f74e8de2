// `segsync __complete env|segments`: the names a completion script cannot know in advance, one
// per line. Completion runs on every TAB, so this never prints an error: a missing or broken
// config or state file simply completes nothing.
import { ExitCode } from '../core/errors.js';
import { readStateAndJournal } from '../state/file.js';
import type { CommandIO } from '../application/io.js';
import type { CommonOptions } from '../application/settings.js';
import { environmentNames, resolveSettings } from '../application/settings.js';
import { hasInvisible } from '../render/sinks/invisible.js';

export async function runCompleteValues(
  kind: string,
  options: CommonOptions,
  io: CommandIO,
): Promise<number> {
  try {
    const names =
      kind === 'env' ? await environmentNames(io.cwd, options) : await segmentNames(options, io);
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

/**
 * The names `state list` lists, read the same way: through a symlinked state path to the real
 * file and the journal beside it (the pending names a killed apply left are what `state resolve`
 * settles). The schema check costs a few milliseconds on a TAB; in exchange, completion never
 * offers a name from a file every state command would refuse.
 */
async function segmentNames(options: CommonOptions, io: CommandIO): Promise<string[]> {
  const settings = await resolveSettings(io.cwd, options);
  const { state } = await readStateAndJournal(settings.statePath);
  return Object.keys(state.segments);
}
