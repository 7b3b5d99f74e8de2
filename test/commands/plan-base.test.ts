// A pull request that changes the state file, as a reviewer meets it: `plan --base REV` (and, in
// GitHub Actions on a pull request, the base branch by default) reports every change in meaning
// before anything else, in every format. Real git repositories in temp dirs.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan, State } from '../../src/core/model.js';
import type { GitRunner } from '../../src/git/run-git.js';
import { runGit } from '../../src/git/run-git.js';
import { serializeState } from '../../src/state/file.js';
import { created, pending, staticPayload, stateOf } from '../helpers/builders.js';
import { runCli } from '../helpers/cli.js';

const exec = promisify(execFile);
const validatePlan = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(
    readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8'),
  ) as object,
);
let root: string;
let repo: string;

const gitEnv = () => ({ PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1' });
const git = async (cwd: string, ...args: string[]) =>
  (await exec('git', args, { cwd, env: gitEnv() })).stdout;
const commit = (cwd: string, message: string) =>
  git(
    cwd,
    '-c',
    'user.name=Dev',
    '-c',
    'user.email=dev@example.invalid',
    'commit',
    '-qam',
    message,
  );
const definition = (name: string, ids = ['111', '222']) =>
  `name: ${name}\nrefreshType: static\ncontactIds: [${ids.map((id) => `"${id}"`).join(', ')}]\n`;
const writeState = (cwd: string, state: State) =>
  writeFile(path.join(cwd, 'segsync.state.json'), serializeState(state));
const plan = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  runCli(['plan', ...args], { cwd, env: { ...gitEnv(), ...env } });

const alpha = created(staticPayload('Alpha'), 'seg-a');
const beta = created(staticPayload('Beta'), 'seg-b');

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'segsync-plan-base-'));
  repo = path.join(root, 'repo');
  await mkdir(path.join(repo, 'segments'), { recursive: true });
  await git(repo, 'init', '-q', '-b', 'main');
  await writeFile(path.join(repo, 'segments', 'alpha.yaml'), definition('Alpha'));
  await writeFile(path.join(repo, 'segments', 'beta.yaml'), definition('Beta'));
  await writeState(repo, stateOf(alpha, beta));
  await git(repo, 'add', '.');
  await commit(repo, 'applied');
  await git(repo, 'checkout', '-q', '-b', 'pr');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('plan --base: a pull request that drops a created entry', () => {
  beforeEach(async () => {
    // A careless conflict resolution kept one side: Beta's record is gone, its definition is not.
    await writeState(repo, stateOf(alpha));
    await commit(repo, 'resolve a conflict');
  });

  it('is blocked, and the text plan names the entry right after the summary', async () => {
    const run = await plan(repo, ['--base', 'main']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Plan: 1 to create, 1 unchanged, 0 changed, 0 removed');
    expect(lines[2]).toBe('State file changes since main:');
    expect(lines[3]).toMatch(
      /^segsync\.state\.json:\d+: error: The state file no longer records "Beta" \(created, id seg-b, sha256:[0-9a-f]{8}… at main\), which is still defined: the next apply would create it again, a duplicate in Wati\.$/,
    );
    expect(run.stdout).toContain('git checkout main -- segsync.state.json');
    expect(run.stdout).toMatch(/Blocked: 1 error/);
  });

  it('says so first in the pull-request comment, as an annotation on the state file, in JSON and for GitLab', async () => {
    const markdown = await plan(repo, ['--base', 'main', '--format', 'markdown']);
    expect(markdown.stdout).toContain('⛔ **Blocked**');
    const changes = markdown.stdout.indexOf('#### State file changes since `main`');
    expect(changes).toBeGreaterThan(0);
    expect(markdown.stdout.indexOf('#### To create')).toBeGreaterThan(changes);
    expect(markdown.stdout.slice(changes)).toMatch(/⛔ .*no longer records "Beta"/);

    // Annotated on the state file, at its `segments` key (the entry itself is gone).
    const segmentsLine =
      serializeState(stateOf(alpha))
        .split('\n')
        .findIndex((line) => line.startsWith('  "segments": ')) + 1;
    const github = await plan(repo, ['--base', 'main', '--format', 'github']);
    expect(github.stdout.split('\n')[0]).toMatch(
      new RegExp(
        `^::error file=segsync\\.state\\.json,line=${segmentsLine},title=segsync%3A state-entry-removed::The state file no longer records "Beta"`,
      ),
    );

    const json = JSON.parse(
      (await plan(repo, ['--base', 'main', '--format', 'json'])).stdout,
    ) as Plan;
    expect(json.blocked).toBe(true);
    expect(json.stateChanges).toMatchObject({
      base: 'main',
      found: true,
      changes: [
        {
          kind: 'entry-removed',
          name: 'Beta',
          stillDefined: true,
          before: { status: 'created', id: 'seg-b' },
        },
      ],
    });
    expect(json.diagnostics[0]).toMatchObject({ code: 'state-entry-removed', segment: 'Beta' });
    expect(validatePlan(json), JSON.stringify(validatePlan.errors)).toBe(true);

    const gitlab = JSON.parse(
      (await plan(repo, ['--base', 'main', '--format', 'gitlab'])).stdout,
    ) as Array<{
      check_name: string;
      severity: string;
      location: { path: string };
    }>;
    expect(gitlab[0]).toMatchObject({
      check_name: 'segsync/state-entry-removed',
      severity: 'major',
      location: { path: 'segsync.state.json' },
    });
  });

  it('in GitHub Actions on a pull request, compares with the base branch without --base', async () => {
    const clone = path.join(root, 'clone');
    await git(root, 'clone', '-q', '--branch', 'pr', repo, clone);
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_BASE_REF: 'main',
    };
    const run = await plan(clone, ['--format', 'json'], env);
    const json = JSON.parse(run.stdout) as Plan;
    expect(json.stateChanges?.base).toBe('origin/main');
    expect(json.blocked).toBe(true);
  });
});

describe('plan --base: a pull request that writes a created entry by hand', () => {
  it('warns, naming the segment and its id, as the first thing after the summary', async () => {
    await writeFile(path.join(repo, 'segments', 'gamma.yaml'), definition('Gamma'));
    await writeState(repo, stateOf(alpha, beta, created(staticPayload('Gamma'), 'seg-fake')));
    await git(repo, 'add', '.');
    await commit(repo, 'add Gamma, already created');
    const run = await plan(repo, ['--base', 'main']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const stateText = serializeState(
      stateOf(alpha, beta, created(staticPayload('Gamma'), 'seg-fake')),
    );
    const gammaLine = stateText.split('\n').indexOf('    "Gamma": {') + 1;
    expect(lines[2]).toBe('State file changes since main:');
    expect(lines[3]).toBe(
      `segsync.state.json:${gammaLine}: warning: This change records "Gamma" as created (id seg-fake), without an apply: apply takes it as existing and will never create it.`,
    );
    expect(run.stdout).toContain('Nothing to create. (1 warning)');
    const markdown = await plan(repo, ['--base', 'main', '--format', 'markdown']);
    expect(markdown.stdout).toMatch(
      /#### State file changes since `main`\n\n- ⚠️ .*"Gamma" as created \(id `?seg-fake/,
    );
  });
});

describe('plan --base: what is not a problem, or not one to block', () => {
  it('a forgotten entry whose definition the same change removed is a warning', async () => {
    await rm(path.join(repo, 'segments', 'beta.yaml'));
    await writeState(repo, stateOf(alpha));
    await git(repo, 'add', '-A');
    await commit(repo, 'Beta deleted in the dashboard');
    const run = await plan(repo, ['--base', 'main', '--format', 'json']);
    const json = JSON.parse(run.stdout) as Plan;
    expect(run.code).toBe(0);
    expect(json.diagnostics[0]).toMatchObject({
      severity: 'warning',
      code: 'state-entry-forgotten',
      segment: 'Beta',
    });
  });

  it('an id, digest or endpoint rewritten is a warning naming both', async () => {
    await writeState(repo, {
      ...stateOf(alpha, { ...beta, id: 'seg-other' }),
      endpoint: 'https://live-mt-server.wati.io/1',
    });
    await commit(repo, 'edit by hand');
    const json = JSON.parse(
      (await plan(repo, ['--base', 'main', '--format', 'json'])).stdout,
    ) as Plan;
    expect(json.blocked).toBe(false);
    expect(json.diagnostics.slice(0, 2).map((d) => [d.code, d.severity])).toEqual([
      ['state-endpoint-changed', 'warning'],
      ['state-entry-changed', 'warning'],
    ]);
    expect(json.diagnostics[1]!.message).toContain('created, id seg-b');
    expect(json.diagnostics[1]!.message).toContain('created, id seg-other');
    expect(validatePlan(json), JSON.stringify(validatePlan.errors)).toBe(true);
  });

  it('no change to the state file: nothing reported', async () => {
    const json = JSON.parse(
      (await plan(repo, ['--base', 'main', '--format', 'json'])).stdout,
    ) as Plan;
    expect(json.stateChanges).toMatchObject({ base: 'main', changes: [] });
    expect(json.diagnostics).toEqual([]);
  });

  it('a removed unknown outcome (pending) is blocking too while it is defined', async () => {
    await git(repo, 'checkout', '-q', 'main');
    await writeState(repo, stateOf(alpha, pending(staticPayload('Beta'))));
    await commit(repo, 'a killed apply');
    await git(repo, 'checkout', '-q', '-B', 'pr');
    await writeState(repo, stateOf(alpha));
    await commit(repo, 'drop it');
    const json = JSON.parse(
      (await plan(repo, ['--base', 'main', '--format', 'json'])).stdout,
    ) as Plan;
    expect(json.blocked).toBe(true);
    expect(json.diagnostics[0]!.message).toContain(
      'a duplicate if the earlier create reached Wati',
    );
  });
});

describe('plan --base with a revision that does not exist', () => {
  it('is one clear error naming it and how to fetch it', async () => {
    const run = await plan(repo, ['--base', 'release']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'segsync: error: --base release: no such revision in this clone (tried release and origin/release).',
    );
    expect(run.stderr).toContain('git fetch origin release');
  });

  it('chosen from GITHUB_BASE_REF but not fetched: a warning that the state file was not compared', async () => {
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_BASE_REF: 'release',
    };
    const run = await plan(repo, ['--format', 'json'], env);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as Plan;
    expect(json.diagnostics[0]).toMatchObject({
      severity: 'warning',
      code: 'state-base-unavailable',
    });
  });
});

describe('plan --base reads git through the services', () => {
  beforeEach(async () => {
    await writeState(repo, stateOf(alpha));
    await commit(repo, 'resolve a conflict');
  });

  it('every git command goes through the git runner it is given', async () => {
    const asked: string[] = [];
    const recording: GitRunner = (args, ...rest) => {
      asked.push(args[0] ?? '');
      return runGit(args, ...rest);
    };
    const run = await runCli(['plan', '--base', 'main'], {
      cwd: repo,
      env: gitEnv(),
      services: { git: recording },
    });
    expect(run.stdout).toContain('State file changes since main:');
    expect(asked).toEqual(expect.arrayContaining(['rev-parse', 'show']));
  });

  it('a git that finds no revision: the plan says so, as it would for a real one', async () => {
    const nothing: GitRunner = (args) =>
      Promise.resolve(
        args[0] === 'rev-parse' && args[1] === '--show-toplevel'
          ? { code: 0, stdout: `${repo}\n`, stderr: '' }
          : { code: 128, stdout: '', stderr: 'fatal: bad revision' },
      );
    const run = await runCli(['plan', '--base', 'main'], {
      cwd: repo,
      env: gitEnv(),
      services: { git: nothing },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--base main: no such revision in this clone');
  });
});
