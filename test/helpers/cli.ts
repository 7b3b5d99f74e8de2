// Runs the segsync program in-process, as the CLI would, capturing everything it prints.
import type { Services } from '../../src/application/services.js';
import { buildProgram } from '../../src/program/index.js';
import { fastServices } from './services.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  confirm?: boolean;
  signal?: AbortSignal;
  /** What standard input holds (empty by default). */
  stdin?: string;
  /** Replaces some of the services (default: the real ones without backoff). */
  services?: Partial<Services>;
}

export async function runCli(argv: string[], options: CliOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await buildProgram({
    version: '0.0.0-test',
    argv,
    io: {
      cwd: options.cwd,
      env: options.env ?? {},
      stdout: (text) => {
        stdout += text.endsWith('\n') ? text : `${text}\n`;
      },
      stderr: (text) => {
        stderr += text.endsWith('\n') ? text : `${text}\n`;
      },
      isTTY: options.isTTY ?? false,
      color: false,
      signal: options.signal ?? new AbortController().signal,
      confirm: () => Promise.resolve(options.confirm ?? false),
      readStdin: () => Promise.resolve(options.stdin ?? ''),
      services: { ...fastServices(), ...options.services },
    },
  }).catch(async (error: unknown) => {
    // Mirror the CLI's top-level handler so tests see what a user sees.
    const { formatFatal } = await import('../../src/program/report-error.js');
    const fatal = formatFatal(error, false);
    stderr += fatal.message;
    return fatal.exitCode;
  });
  return { code, stdout, stderr };
}
