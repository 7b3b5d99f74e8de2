#!/usr/bin/env node
// `npm run demo`: the whole segsync loop against the embedded emulator, with no Wati account and
// no network. It runs the real commands in-process, exactly as a user would type them.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from './application/io.js';
import { createServices } from './composition-root.js';
import { generateContacts } from './emulator/contact-generator.js';
import { startEmulator } from './emulator/server.js';
import { buildProgram } from './program/index.js';

const projectRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const bold = (text: string) => (color ? `\u001b[1m${text}\u001b[22m` : text);
const DEMO_CONTACTS = 500;

async function main(): Promise<number> {
  // A little latency, like a real server, so the bounded concurrency is visible in the counters.
  // Made-up contacts for previews: every filter example in segments/ selects some of them except
  // "Webinar attendees 2026-11" (the webinar has not happened yet: nobody has attended).
  const emulator = await startEmulator({
    port: 0,
    latencyMs: 150,
    contacts: generateContacts(DEMO_CONTACTS),
  });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'segsync-demo-'));
  const statePath = path.join(workDir, 'segsync.state.json');
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const io: CommandIO = {
    cwd: projectRoot,
    // Only what the demo needs: the emulator's URL and its own (non-secret) token.
    env: { WATI_API_ENDPOINT: `${emulator.url}/123456`, WATI_API_TOKEN: emulator.token },
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTTY: false,
    color,
    signal: abort.signal,
    confirm: () => Promise.resolve(false),
    readStdin: () => Promise.resolve(''),
    services: createServices(),
  };
  const run = async (explanation: string, args: string[]) => {
    io.stdout(`\n${bold(`▶ ${explanation}`)}\n  $ segsync ${args.join(' ')}\n`);
    const code = await buildProgram({ version: 'demo', argv: args, io });
    io.stdout(`  (exit code ${code})`);
    return code;
  };

  try {
    io.stdout(
      bold('segsync demo') +
        ` — Wati emulator listening at ${emulator.url} (${DEMO_CONTACTS} made-up contacts); ` +
        `temporary state in ${statePath}`,
    );
    const state = ['--state', statePath];
    await run('Validate the example definitions in segments/', ['validate', 'segments']);
    await run('Start the state file of this (pretend) account: segsync init writes one too', [
      'state',
      'init',
      ...state,
    ]);
    await run('Plan: compare the definitions with the (empty) state file', [
      'plan',
      'segments',
      ...state,
    ]);
    const applied = await run(
      'Apply: create the new segments in the emulator, recording each in the state file',
      ['apply', 'segments', ...state, '--yes'],
    );
    await run('Plan again: everything is recorded, nothing is left to do', [
      'plan',
      'segments',
      ...state,
      '--detailed-exitcode',
    ]);
    const snapshot = emulator.snapshot();
    io.stdout(
      `\n${bold('Emulator')}: ${snapshot.segments.length} segments created, ` +
        `${snapshot.duplicates.length} duplicates, at most ${snapshot.maxInFlight} request(s) in flight.`,
    );
    return applied;
  } finally {
    await emulator.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
