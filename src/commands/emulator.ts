// `segsync emulator`: runs the local Wati emulator until interrupted, and tells the user how to
// point segsync at it. Option checking speaks in flag names; the server re-checks nothing new.

import {
  describeAccount,
  describeFaults,
  matchRulesOf,
  parseConfigPatch,
} from '../emulator/config.js';
import type { EmulatorConfig, PublicEmulatorConfig } from '../emulator/config.js';
import {
  DEFAULT_CONTACTS_SEED,
  generateContacts,
  MAX_GENERATED_CONTACTS,
} from '../emulator/contact-generator.js';
import { readContactsFile } from '../emulator/contacts-file.js';
import { describeMatchRules } from '../emulator/matching.js';
import type { Combination } from '../emulator/matching.js';
import { DEFAULT_EMULATOR_TOKEN, startEmulator } from '../emulator/server.js';
import type { EmulatorHandle, V3Contact } from '../emulator/server.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { terminalText } from '../render/sinks/terminal.js';

export interface EmulatorCommandOptions {
  host?: string;
  port?: number;
  token?: string;
  segmentLimit?: number;
  featureDisabled?: boolean;
  /** Milliseconds. */
  latency?: number;
  failRate?: number;
  /** Requests per second; 0 = off. */
  rateLimit?: number;
  dropRate?: number;
  seed?: number;
  /** Data file to load on start and write after each create. */
  data?: string;
  /** A read-only token: evaluate accepts it, create answers 403. */
  previewToken?: string;
  evaluateTotal?: boolean;
  /** A JSON or CSV file of contacts for evaluate. */
  contacts?: string;
  /** How many made-up contacts to generate instead. */
  generateContacts?: number;
  contactsSeed?: number;
  matchConditions?: Combination;
  matchGroups?: Combination;
  caseInsensitive?: boolean;
}

export interface EmulatorCommandIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  signal: AbortSignal;
}

const FLAG_OF_SETTING: Record<keyof EmulatorConfig, string> = {
  token: '--token',
  previewToken: '--preview-token',
  segmentLimit: '--segment-limit',
  featureDisabled: '--feature-disabled',
  latencyMs: '--latency',
  failRate: '--fail-rate',
  rateLimitRps: '--rate-limit',
  dropAfterCommitRate: '--drop-rate',
  seed: '--seed',
  evaluateTotal: '--evaluate-total',
  matchConditions: '--match-conditions',
  matchGroups: '--match-groups',
  caseInsensitive: '--case-insensitive',
};

export async function runEmulatorCommand(
  opts: EmulatorCommandOptions,
  io: EmulatorCommandIo,
): Promise<number> {
  const settings = checkOptions(opts);
  const contacts = loadContacts(opts);
  const emulator = await startEmulator({
    ...settings,
    host: opts.host,
    port: opts.port ?? 0,
    dataFile: opts.data,
    contacts,
  });
  try {
    printBanner(emulator, opts, emulator.snapshot().config, contacts.length, io);
    await waitForAbort(io.signal);
  } finally {
    await emulator.close();
  }
  io.stderr('Emulator stopped.');
  return ExitCode.ok;
}

function checkOptions(opts: EmulatorCommandOptions): Partial<EmulatorConfig> {
  const settings: Partial<EmulatorConfig> = {
    token: opts.token ?? DEFAULT_EMULATOR_TOKEN,
    segmentLimit: opts.segmentLimit,
    featureDisabled: opts.featureDisabled,
    latencyMs: opts.latency,
    failRate: opts.failRate,
    rateLimitRps: opts.rateLimit,
    dropAfterCommitRate: opts.dropRate,
    previewToken: opts.previewToken,
    evaluateTotal: opts.evaluateTotal,
    matchConditions: opts.matchConditions,
    matchGroups: opts.matchGroups,
    caseInsensitive: opts.caseInsensitive,
  };
  // Only a given seed is checked; without one the server picks a random seed and shows it.
  if (opts.seed !== undefined) settings.seed = opts.seed;
  const problems: string[] = [];
  const parsed = parseConfigPatch(
    settings,
    (key) => FLAG_OF_SETTING[key as keyof EmulatorConfig] ?? key,
  );
  if (!parsed.ok) problems.push(...parsed.problems);
  const { port, host, data } = opts;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    problems.push('--port must be a whole number from 0 to 65535 (0 = any free port)');
  }
  if (host !== undefined && host.trim() === '') problems.push('--host must not be empty');
  if (data !== undefined && data.trim() === '') problems.push('--data must be a file path');
  if (opts.previewToken !== undefined && opts.previewToken === settings.token) {
    problems.push('--preview-token must differ from --token (it is the read-only one)');
  }
  problems.push(...contactOptionProblems(opts));
  if (problems.length > 0) {
    throw new UsageError(
      `Invalid emulator options: ${problems.join('; ')}.`,
      'Run `segsync emulator --help` for the accepted values.',
    );
  }
  return settings;
}

function contactOptionProblems(opts: EmulatorCommandOptions): string[] {
  const { contacts, generateContacts: count, contactsSeed } = opts;
  const problems: string[] = [];
  if (contacts !== undefined && count !== undefined) {
    problems.push('--contacts and --generate-contacts cannot be used together');
  }
  if (contacts !== undefined && contacts.trim() === '') {
    problems.push('--contacts must be a file path');
  }
  if (
    count !== undefined &&
    !(Number.isSafeInteger(count) && count >= 0 && count <= MAX_GENERATED_CONTACTS)
  ) {
    problems.push(`--generate-contacts must be a whole number from 0 to ${MAX_GENERATED_CONTACTS}`);
  }
  if (contactsSeed !== undefined && count === undefined) {
    problems.push('--contacts-seed needs --generate-contacts');
  }
  if (
    contactsSeed !== undefined &&
    !(Number.isSafeInteger(contactsSeed) && contactsSeed >= 0 && contactsSeed <= 0xffffffff)
  ) {
    problems.push('--contacts-seed must be a whole number from 0 to 4294967295');
  }
  return problems;
}

function loadContacts(opts: EmulatorCommandOptions): V3Contact[] {
  if (opts.contacts !== undefined) return readContactsFile(opts.contacts);
  if (opts.generateContacts !== undefined) {
    return generateContacts(opts.generateContacts, opts.contactsSeed ?? DEFAULT_CONTACTS_SEED);
  }
  return [];
}

function describeContacts(opts: EmulatorCommandOptions, count: number): string {
  if (opts.contacts !== undefined) return `${count} from ${terminalText(opts.contacts)}`;
  if (opts.generateContacts !== undefined) {
    return `${count} made up (seed ${opts.contactsSeed ?? DEFAULT_CONTACTS_SEED})`;
  }
  return 'none (every preview is empty; use --contacts FILE or --generate-contacts N)';
}

function printBanner(
  { url, previewUrl }: Pick<EmulatorHandle, 'url' | 'previewUrl'>,
  opts: EmulatorCommandOptions,
  config: PublicEmulatorConfig,
  contacts: number,
  io: EmulatorCommandIo,
): void {
  // The default token is the emulator's own and safe to show; a token passed with --token
  // might be a real one pasted by habit, so it is never echoed.
  const token = opts.token === undefined ? DEFAULT_EMULATOR_TOKEN : '<the token given to --token>';
  io.stdout(`Wati emulator listening on ${url}`);
  io.stdout(`Point segsync at it (the token is the emulator's own, not a Wati secret):`);
  // A throw-away state: the state records its endpoint, so a committed one that recorded the
  // emulator would refuse the real account afterwards.
  io.stdout(
    `  WATI_API_ENDPOINT=${url} WATI_API_TOKEN=${token} segsync apply --state /tmp/segsync-try.state.json`,
  );
  io.stdout(`Preview: POST ${previewUrl} (no tenant path: Wati's v3 calls have none)`);
  io.stdout(`Account: ${describeAccount(config)}`);
  io.stdout(`Contacts: ${describeContacts(opts, contacts)}`);
  io.stdout(
    `Matching (segsync's assumption, not documented by Wati): ${describeMatchRules(matchRulesOf(config))}`,
  );
  io.stdout(`Faults: ${describeFaults(config)}`);
  io.stdout(`Inspect: GET ${url}/__emulator/state (POST /__emulator/config, /__emulator/reset)`);
  if (opts.previewToken !== undefined) {
    io.stdout(
      'Read-only token: the one given to --preview-token (previews only; a create answers 403)',
    );
  }
  if (opts.data !== undefined) io.stdout(`Data file: ${terminalText(opts.data)}`);
  io.stdout('Stop with Ctrl+C.');
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
