#!/usr/bin/env node
// The entry point: parses flags, picks a command, and is the only place that reads process.env or
// calls process.exit. Command modules are imported lazily so each command loads only what it uses;
// the services commands receive (clock, backoff, Wati, git) come from the composition root.
import module from 'node:module';
import os from 'node:os';
import { osErrorWords } from './core/os-errors.js';
import { packageVersion } from './core/version.js';

// Node 22.1+ caches compiled code between runs (saves compiling the bundle at every start); Node
// 20 has no such cache and ignores this. Set NODE_DISABLE_COMPILE_CACHE=1 to turn it off.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const argv = process.argv.slice(2);
// Only the documented switch: a DEBUG variable set for some other tool must not change output.
const verbose = argv.includes('--verbose');
const outputSink = watchOutputStreams();

// Fast path: `--version` is what scripts call most; it needs no CLI library at all.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      void reportFatal(error).then((code) => {
        process.exitCode = code;
      });
    },
  );
}

async function main(): Promise<number> {
  const [{ buildProgram }, { createServices }] = await Promise.all([
    import('./program/index.js'),
    import('./composition-root.js'),
  ]);
  const abort = new AbortController();
  // Creates from their pending record to their recorded answer: the only work an interrupt waits
  // for. Anything else (reading files, planning, a prompt, the emulator) ends at once.
  const inFlight = {
    count: 0,
    begin() {
      inFlight.count += 1;
    },
    end() {
      inFlight.count -= 1;
    },
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
    const code = 128 + (os.constants.signals[signal] ?? 0);
    if (abort.signal.aborted) {
      // A second Ctrl-C: the user insists. State writes already done are durable.
      process.stderr.write(`\nsegsync: ${signal} again, exiting now.\n`);
      process.exit(code);
    }
    if (inFlight.count === 0) {
      // Nothing sent is waiting for its answer: exit now (the state lock is released on exit).
      process.stderr.write(`\nsegsync: ${signal} received, nothing in flight: exiting.\n`);
      process.exit(code);
    }
    process.stderr.write(
      `\nsegsync: ${signal} received — starting nothing new, waiting for the ${inFlight.count} ` +
        `create(s) in flight to be answered and recorded (${signal} again to stop waiting)…\n`,
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return buildProgram({
    version: packageVersion(),
    argv,
    io: {
      cwd: process.cwd(),
      env: process.env,
      stdout: (text) => writeLine(process.stdout, text),
      stderr: (text) => writeLine(process.stderr, text),
      ...(process.stderr.isTTY ? { stderrLive: (text: string) => process.stderr.write(text) } : {}),
      isTTY: stdoutIsTTY && Boolean(process.stdin.isTTY),
      color: argv.includes('--color') || (stdoutIsTTY && !noColor && !argv.includes('--no-color')),
      signal: abort.signal,
      inFlight,
      confirm: askYesNo,
      readStdin,
      services: createServices(),
    },
  });
}

/** A yes/no question on the terminal (asked on stderr): no unless the answer is y or yes. */
async function askYesNo(question: string): Promise<boolean> {
  // Loaded when asked: only apply asks, and only on a terminal.
  const { createInterface } = await import('node:readline/promises');
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await readline.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}

/** Standard input to its end, refusing more than `maxBytes` (a pipe from the wrong command). */
async function readStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      const { UserError } = await import('./core/errors.js');
      throw new UserError(
        `Standard input holds more than ${maxBytes} bytes; that is not what was asked for.`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function writeLine(stream: NodeJS.WriteStream, text: string): void {
  if (text === '' || outputSink.closed(stream)) return;
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * stdout closed by its reader (`segsync plan | head -1`: EPIPE) ends quietly: segsync writes
 * nothing more there, finishes what it was doing (an apply never abandons creates in flight) and
 * exits with its usual code. stdout that cannot be written (`> /dev/full`: ENOSPC) is one line on
 * stderr; for commands whose output is their result (everything but apply) the exit code becomes
 * 1. apply's exit code keeps its meaning (what happened in Wati); its state file has the record.
 */
function watchOutputStreams(): { closed(stream: NodeJS.WriteStream): boolean } {
  const broken = new Set<NodeJS.WriteStream>();
  let stdoutFailed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (broken.has(process.stdout)) return;
    broken.add(process.stdout);
    if (error.code === 'EPIPE') return;
    stdoutFailed = true;
    const words = osErrorWords(error.code) ?? 'write failed';
    process.stderr.write(
      `segsync: error: cannot write to standard output: ${words} (${error.code ?? 'error'}).\n`,
    );
  });
  // Nowhere left to report to: stop writing there.
  process.stderr.on('error', () => broken.add(process.stderr));
  process.on('exit', () => {
    const outputIsTheResult = argv[0] !== 'apply';
    if (stdoutFailed && outputIsTheResult && (process.exitCode ?? 0) !== 1) process.exitCode = 1;
  });
  return { closed: (stream) => broken.has(stream) };
}

async function reportFatal(error: unknown): Promise<number> {
  const { formatFatal } = await import('./program/report-error.js');
  const { message, exitCode } = formatFatal(error, verbose);
  if (!outputSink.closed(process.stderr)) process.stderr.write(message);
  return exitCode;
}
