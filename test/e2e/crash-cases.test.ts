// Inputs and environments that once crashed segsync or made it misreport, run against the built
// binary as real processes (pipes, /dev/full, environment variables): each gets one clear answer
// and the documented exit code.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { Plan } from '../../src/core/model.js';
import { serializeState } from '../../src/state/file.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';
import { created, staticPayload, stateOf } from '../helpers/builders.js';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const cli = path.join(root, 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A shell command line with `segsync` standing for the built binary (for pipes and redirects). */
function shell(commandLine: string, cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const segsync = `'${process.execPath}' '${cli}'`;
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', `set -o pipefail; ${commandLine.replace(/\bsegsync\b/g, segsync)}`],
      {
        cwd,
        // HOME: no ~/.bashrc of the machine's user may print into stderr.
        env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
let emulator: EmulatorHandle | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-crash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function project(name: string, files: Record<string, string>): Promise<string> {
  const cwd = path.join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(cwd, file)), { recursive: true });
    await writeFile(path.join(cwd, file), text);
  }
  return cwd;
}

const vip = 'name: VIP\nrefreshType: static\ncontactIds: ["1"]\n';
const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('125,000 contact IDs in one file under 1 MiB', () => {
  const ids = Array.from({ length: 125_000 }, (_, index) => String(index));

  it('written as numbers: one located error per ID, no crash', { timeout: 120_000 }, async () => {
    const text = `name: Many\nrefreshType: static\ncontactIds: [${ids.join(',')}]\n`;
    expect(text.length).toBeLessThan(1024 * 1024);
    const cwd = await project('many-numbers', { 'segments/many.yaml': text });
    const run = await shell('segsync validate', cwd);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'segments/many.yaml:3:14: error: Contact id 1 is written as 0 without quotes',
    );
    expect(run.stdout).toContain('✖ 125000 errors in 1 file');
  });

  it('written as text: a valid segment to create', { timeout: 120_000 }, async () => {
    const text = `name: Many\nrefreshType: static\ncontactIds: [${ids.map((id) => `"${id}"`).join(',')}]\n`;
    const cwd = await project('many-strings', { 'segments/many.yaml': text });
    const run = await shell('segsync plan', cwd);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+ Many  static, 125000 contact IDs');
  });
});

describe('a state with 100,000 removed entries', () => {
  let cwd: string;
  beforeAll(async () => {
    const state = stateOf();
    for (let index = 0; index < 100_000; index++) {
      const entry = created(
        staticPayload(`Removed ${String(index).padStart(6, '0')}`),
        `seg-${index}`,
      );
      state.segments[entry.payload.name] = entry;
    }
    cwd = await project('many-removed', {
      'segments/vip.yaml': vip,
      'segsync.state.json': serializeState(state),
    });
  }, 120_000);

  it('the text plan lists the first 20 and counts the rest', async () => {
    const run = await shell('segsync plan', cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Plan: 1 to create, 0 unchanged, 0 changed, 100000 removed');
    expect(run.stdout).toContain('- Removed 000019 (id seg-19): no longer defined');
    expect(run.stdout).not.toContain('Removed 000020');
    expect(run.stdout).toContain(
      '(… 99980 more removed segments not listed; --show-removed lists them all)',
    );
    // 20 actions, 20 warnings of two lines, the notes, the verdict: not 300,000 lines.
    expect(lines(run.stdout).length).toBeLessThan(80);
    expect(run.stdout).toContain(
      'warning: … 99980 more warnings like the ones above not listed; --show-removed lists them all.',
    );
  }, 180_000);

  it('--show-removed lists them all; a reader that stops early (| head -1) ends it quietly', async () => {
    const all = await shell('segsync plan --show-removed | wc -l', cwd);
    expect(Number(all.stdout.trim())).toBeGreaterThan(100_000);
    const head = await shell('segsync plan --show-removed | head -1', cwd);
    expect(head.stderr).toBe('');
    expect(head.stdout).toBe('Plan: 1 to create, 0 unchanged, 0 changed, 100000 removed\n');
    // pipefail: segsync's own exit code is the pipeline's, and it is plan's usual 0.
    expect(head.code).toBe(0);
  }, 180_000);
});

describe('stdout that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))(
    '> /dev/full: one line on stderr, exit 1 (the output is the result)',
    async () => {
      const cwd = await project('dev-full', { 'segments/vip.yaml': vip });
      const run = await shell('segsync plan > /dev/full', cwd);
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([
        'segsync: error: cannot write to standard output: no space left on the device (ENOSPC).',
      ]);
    },
  );
});

describe('an unwritable GITHUB_STEP_SUMMARY', () => {
  const unwritable: Array<[string, (cwd: string) => string]> = [
    ['a directory', (cwd) => cwd],
    ['in a missing folder', (cwd) => path.join(cwd, 'missing', 'summary.md')],
    ...(existsSync('/dev/full')
      ? [['/dev/full', () => '/dev/full'] as [string, () => string]]
      : []),
  ];

  it.each(unwritable)(
    '%s: apply after successful creates exits 0 with a warning; plan keeps its exit code',
    async (label, summaryFor) => {
      emulator = await startEmulator({ port: 0 });
      const cwd = await project(`summary-${label.replace(/\W+/g, '-')}`, {
        'segments/vip.yaml': vip,
        'segments/india.yaml': 'name: India\nrefreshType: static\ncontactIds: ["2"]\n',
        'segsync.state.json': EMPTY_STATE,
      });
      const env = {
        GITHUB_STEP_SUMMARY: summaryFor(cwd),
        WATI_API_ENDPOINT: emulator.url,
        WATI_API_TOKEN: emulator.token,
      };
      const plan = await shell('segsync plan --detailed-exitcode', cwd, env);
      expect(plan.code).toBe(2);
      expect(plan.stderr).toMatch(/^segsync: warning: could not write the job summary to /m);

      const apply = await shell('segsync apply --yes', cwd, env);
      expect(apply.stderr).toMatch(/^segsync: warning: could not write the job summary to /m);
      expect(apply.stdout).toContain('Apply: 2 created, 0 failed');
      expect(apply.code).toBe(0);
      const state = JSON.parse(await readFile(path.join(cwd, 'segsync.state.json'), 'utf8')) as {
        segments: Record<string, { status: string }>;
      };
      expect(Object.values(state.segments).map((entry) => entry.status)).toEqual([
        'created',
        'created',
      ]);
    },
  );
});

describe('stack traces only with --verbose', () => {
  it('a DEBUG variable (any value) changes nothing', async () => {
    const cwd = await project('debug', { 'segments/vip.yaml': vip });
    for (const value of ['1', '*', 'segsync']) {
      const run = await shell('segsync apply --yes', cwd, { DEBUG: value });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^segsync: error: WATI_API_ENDPOINT is not set/);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    const verbose = await shell('segsync apply --yes --verbose', cwd);
    expect(verbose.stderr).toMatch(/^\s+at /m);
  });
});

describe('YAML directives', () => {
  it.each([
    ['%YAML 9.9', 'Unsupported YAML version 9.9.'],
    ['%FOO bar', 'Unknown directive %FOO.'],
  ])('%s is a warning with a hint about the directive', async (directive, message) => {
    const cwd = await project(`directive-${directive.replace(/\W+/g, '')}`, {
      'segments/vip.yaml': `${directive}\n---\n${vip}`,
    });
    const run = await shell('segsync validate', cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^segments/vip.yaml:1:\\d+: warning: ${message}`, 'm'));
    expect(run.stdout).toContain('Remove the `%` line');
    expect(run.stdout).not.toContain('indentation');
  });
});

describe('a saved plan whose checksum fields were deleted', () => {
  it('is damaged, not stale', async () => {
    const cwd = await project('damaged-plan', { 'segments/vip.yaml': vip });
    expect((await shell('segsync plan --out plan.json', cwd)).code).toBe(0);
    const planFile = path.join(cwd, 'plan.json');
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as Partial<Plan>;
    delete plan.definitionsChecksum;
    delete plan.stateChecksum;
    await writeFile(planFile, JSON.stringify(plan));
    const env = { WATI_API_ENDPOINT: 'http://127.0.0.1:9/1', WATI_API_TOKEN: 't' };
    const run = await shell('segsync apply plan.json --yes', cwd, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'segsync: error: plan.json is damaged or not a segsync plan: definitionsChecksum, stateChecksum are missing or not a checksum.',
    );
    expect(run.stderr).not.toContain('stale');

    // An edit that keeps the fields but changes the content is caught by the plan's checksum.
    const edited = { ...plan, definitionsChecksum: plan.checksum, stateChecksum: plan.checksum };
    await writeFile(planFile, JSON.stringify({ ...edited, blocked: true }));
    const changed = await shell('segsync apply plan.json --yes', cwd, env);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('plan.json is damaged: its content does not match');
  });
});

describe('--token-file', () => {
  it('/dev/zero: refused unread (a character device), with a clear message', async () => {
    const cwd = await project('token-zero', { 'segments/vip.yaml': vip });
    const env = { WATI_API_ENDPOINT: 'http://127.0.0.1:9/1' };
    const run = await shell('segsync apply --yes --token-file /dev/zero', cwd, env);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toBe(
      'segsync: error: The token file /dev/zero is a character device, not a regular file.',
    );
  });

  it('a directory: the reason in words', async () => {
    const cwd = await project('token-dir', { 'segments/vip.yaml': vip });
    const env = { WATI_API_ENDPOINT: 'http://127.0.0.1:9/1' };
    const run = await shell('segsync apply --yes --token-file .', cwd, env);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toBe(
      'segsync: error: The token file . is a directory, not a regular file.',
    );
  });
});
