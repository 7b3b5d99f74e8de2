// emulator: a local Wati-compatible server.
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import type { ProgramRun } from './common.js';
import { parseInteger } from './common.js';

export function registerEmulatorCommand(program: Command, run: ProgramRun): void {
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
      run.exitCode = await runEmulatorCommand(options, run.io);
    });
}
