// `segsync emulator`: runs the local Wati emulator until interrupted, and tells the user how to
// point segsync at it. Option checking speaks in flag names; the server re-checks nothing new.

import { parseConfigPatch, describeFaults } from '../emulator/config.js';
import type { EmulatorConfig } from '../emulator/config.js';
import { DEFAULT_EMULATOR_TOKEN, startEmulator } from '../emulator/server.js';
import { ExitCode, UsageError } from '../errors.js';
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
}

export interface EmulatorCommandIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  signal: AbortSignal;
}

const FLAG_OF_SETTING: Record<keyof EmulatorConfig, string> = {
  token: '--token',
  segmentLimit: '--segment-limit',
  featureDisabled: '--feature-disabled',
  latencyMs: '--latency',
  failRate: '--fail-rate',
  rateLimitRps: '--rate-limit',
  dropAfterCommitRate: '--drop-rate',
  seed: '--seed',
};

export async function runEmulatorCommand(
  opts: EmulatorCommandOptions,
  io: EmulatorCommandIo,
): Promise<number> {
  const settings = checkOptions(opts);
  const emulator = await startEmulator({
    ...settings,
    host: opts.host,
    port: opts.port ?? 0,
    dataFile: opts.data,
  });
  try {
    printBanner(emulator.url, opts, describeFaults(emulator.snapshot().config), io);
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
  if (problems.length > 0) {
    throw new UsageError(
      `Invalid emulator options: ${problems.join('; ')}.`,
      'Run `segsync emulator --help` for the accepted values.',
    );
  }
  return settings;
}

function printBanner(
  url: string,
  opts: EmulatorCommandOptions,
  faults: string,
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
  io.stdout(`Faults: ${faults}`);
  io.stdout(`Inspect: GET ${url}/__emulator/state (POST /__emulator/config, /__emulator/reset)`);
  if (opts.data !== undefined) io.stdout(`Data file: ${terminalText(opts.data)}`);
  io.stdout('Stop with Ctrl+C.');
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
