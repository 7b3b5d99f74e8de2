// The scaffolded pipelines, run for real: the `run:` scripts of the GitHub workflows, the GitLab
// jobs and the composite action execute with bash in a temp Git repository, against the Wati
// emulator, with `npx segsync` served by the built CLI (an npx shim on PATH). Whatever the
// templates say is what runs here, so the examples cannot drift from segsync.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runInit } from '../../src/commands/init.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import {
  actionSteps,
  createNpxShim,
  findStep,
  loadGitlabJob,
  runGitlabScript,
  runStep,
  workflowSteps,
} from '../helpers/workflow-steps.js';
import type { ExpressionContext, StepRun, WorkflowStep } from '../helpers/workflow-steps.js';
import { makeTempDir, recordingIO, removeDir, REPO_ROOT } from './support.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const TOKEN = 'e2e-token-5ecret-do-not-print';
const SECOND_DEFINITION = [
  'name: VIP Customers',
  'refreshType: static',
  'contactIds:',
  '  - "12345"',
  '  - "67890"',
  '',
].join('\n');

let emulator: EmulatorHandle;
let shimDir: string;
let tmp: string;
let baseEnv: NodeJS.ProcessEnv;
const transcripts: string[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) {
    // The suite runs the built CLI, as CI does after `npm ci` (whose prepare script builds it).
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT }).catch(
      (error: { stdout?: string; message?: string }) => {
        throw new Error(`Building dist/ failed:\n${error.stdout ?? error.message ?? ''}`);
      },
    );
  }
  emulator = await startEmulator({ token: TOKEN });
  shimDir = await createNpxShim(CLI);
});

afterAll(async () => {
  await emulator.close();
  await removeDir(shimDir);
});

beforeEach(async () => {
  emulator.reset();
  emulator.configure({ segmentLimit: undefined });
  tmp = await makeTempDir('segsync-e2e-');
  const home = path.join(tmp, 'home');
  await mkdir(home);
  await writeFile(path.join(home, '.gitconfig'), '');
  // Deliberately not process.env: a developer's own WATI_API_TOKEN must not leak into a run.
  baseEnv = {
    PATH: `${shimDir}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: home,
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    CI: 'true',
    NO_COLOR: '1',
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: path.join(tmp, 'step-summary.md'),
    RUNNER_TEMP: tmp,
  };
  await writeFile(path.join(tmp, 'step-summary.md'), '');
  transcripts.length = 0;
});

afterEach(async () => {
  // Whatever happened, no step ever printed the token.
  for (const transcript of transcripts) expect(transcript).not.toContain(TOKEN);
  await removeDir(tmp);
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args],
    { cwd, env: baseEnv },
  );
  return stdout.trim();
}

/** `npm install --save-dev segsync`, as the scaffold's next steps say: the lockfile pins it. */
async function pinSegsync(work: string): Promise<void> {
  const version = '0.1.0';
  await writeFile(
    path.join(work, 'package.json'),
    JSON.stringify({ name: 'crm', private: true, devDependencies: { segsync: `^${version}` } }),
  );
  await writeFile(
    path.join(work, 'package-lock.json'),
    JSON.stringify({
      name: 'crm',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'crm', devDependencies: { segsync: `^${version}` } },
        'node_modules/segsync': { version, dev: true },
      },
    }),
  );
}

/** A scaffolded repository pushed to a bare "origin", as a user's repo would be after init. */
async function scaffoldRepository(
  environments?: string[],
): Promise<{ work: string; origin: string }> {
  const work = path.join(tmp, 'work');
  const origin = path.join(tmp, 'origin.git');
  await runInit(work, environments ? { environments } : {}, recordingIO(tmp));
  await writeFile(path.join(work, 'segments/vip.yaml'), SECOND_DEFINITION);
  await pinSegsync(work);
  await git(tmp, 'init', '-q', '--bare', '-b', 'main', origin);
  await git(work, 'init', '-q', '-b', 'main');
  await git(work, 'add', '-A');
  await git(work, 'commit', '-q', '-m', 'segsync init');
  await git(work, 'remote', 'add', 'origin', origin);
  await git(work, 'push', '-q', 'origin', 'main');
  return { work, origin };
}

/** Runs the named steps in order, feeding each step's outputs to the next ones' env. */
async function runSteps(
  steps: readonly WorkflowStep[],
  keys: readonly string[],
  cwd: string,
  context: ExpressionContext = {},
): Promise<Record<string, StepRun>> {
  const results: Record<string, StepRun> = {};
  const stepOutputs: Record<string, { outputs: Record<string, string> }> = {};
  for (const key of keys) {
    const step = findStep(steps, key);
    const result = await runStep(step, {
      cwd,
      env: baseEnv,
      context: { ...context, steps: stepOutputs },
    });
    transcripts.push(result.stdout, result.stderr);
    if (step.id) stepOutputs[step.id] = { outputs: result.outputs };
    results[key] = result;
  }
  return results;
}

// A pull request into main (base_ref) and the merge's push to main (ref) share this context.
const github = { ref: 'refs/heads/main', ref_name: 'main', base_ref: 'main' };
const PR_STEPS = ['base', 'install', 'validate', 'plan', 'Result'];
const APPLY_STEPS = ['install', 'apply', 'commit', 'Result'];

/** The merge flow's steps of the scaffolded apply workflow, with the emulator's secrets. */
async function runMergeSteps(work: string): Promise<Record<string, StepRun>> {
  const steps = await workflowSteps(
    path.join(work, '.github/workflows/segsync-apply.yml'),
    'apply',
  );
  return runSteps(steps, APPLY_STEPS, work, {
    github,
    secrets: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: TOKEN },
  });
}

describe('GitHub workflows scaffolded by init', () => {
  it('PR: plans the two segments; merge: creates them and commits the state; next PR: nothing to do', async () => {
    const { work, origin } = await scaffoldRepository();
    const planSteps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-plan.yml'),
      'plan',
    );
    const applySteps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-apply.yml'),
      'apply',
    );

    const pr = await runSteps(planSteps, PR_STEPS, work, { github });
    // Exactly the pinned version, without running any dependency's install script.
    expect(pr.install!.stdout).toContain('npm stand-in: npm ci --ignore-scripts');
    expect(pr.validate!.outputs).toEqual({ 'exit-code': '0' });
    expect(pr.plan!.outputs).toEqual({ 'exit-code': '2' });
    expect(pr.plan!.stdout).toContain('::notice title=segsync::');
    const comment = await readFile(path.join(work, 'plan.md'), 'utf8');
    expect(comment.split('\n')[0]).toBe('<!-- segsync:plan -->');
    expect(comment).toContain('Customers from India');
    expect(comment).toContain('VIP Customers');
    // One summary per job, from the markdown run (the annotation run leaves it alone).
    const summary = await readFile(baseEnv.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary.match(/### segsync plan/g)).toHaveLength(1);
    expect(pr.Result!.code).toBe(0);

    await rm(path.join(work, 'plan.md'));
    const merge = await runSteps(applySteps, APPLY_STEPS, work, {
      github,
      secrets: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: TOKEN },
    });
    expect(merge.apply!.outputs).toEqual({ 'exit-code': '0' });
    expect(
      emulator
        .snapshot()
        .segments.map((s) => s.name)
        .sort(),
    ).toEqual(['Customers from India', 'VIP Customers']);
    expect(merge.commit!.code).toBe(0);
    expect(merge.Result!.code).toBe(0);
    const head = await git(origin, 'log', '-1', '--format=%an <%ae>%n%s', 'main');
    expect(head).toBe(
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n' +
        'segsync: record applied segments [skip ci]',
    );
    const state = JSON.parse(await git(origin, 'show', 'main:segsync.state.json')) as {
      segments: Record<string, { status: string }>;
    };
    expect(Object.keys(state.segments).sort()).toEqual(['Customers from India', 'VIP Customers']);
    expect(await git(work, 'status', '--porcelain')).toBe('');

    // A later pull request starts from origin, state file included: nothing left to create.
    const next = path.join(tmp, 'next');
    await git(tmp, 'clone', '-q', origin, next);
    const again = await runSteps(planSteps, PR_STEPS, next, { github });
    expect(again.plan!.outputs).toEqual({ 'exit-code': '0' });
    expect(again.Result!.code).toBe(0);
  });

  it('without segsync pinned in package-lock.json: the install step fails with the pin instruction', async () => {
    const { work } = await scaffoldRepository();
    const noPin = [
      undefined, // no lockfile at all
      JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'crm' } } }), // segsync not in it
    ];
    for (const lockfile of noPin) {
      if (lockfile === undefined) await rm(path.join(work, 'package-lock.json'));
      else await writeFile(path.join(work, 'package-lock.json'), lockfile);
      for (const [file, job] of [
        ['segsync-plan.yml', 'plan'],
        ['segsync-apply.yml', 'apply'],
      ] as const) {
        const steps = await workflowSteps(path.join(work, '.github/workflows', file), job);
        const { install } = await runSteps(steps, ['install'], work, { github });
        expect(install!.code, file).toBe(1);
        expect(install!.stdout).toContain(
          '::error title=segsync::segsync is not pinned in package-lock.json, so this workflow will not run it. Pin it: npm install --save-dev segsync',
        );
        expect(install!.stdout).not.toContain('npm stand-in');
      }
    }
  });

  it('PR that drops a created entry from the state file: annotated on the state file, named first in the comment, failed check', async () => {
    const { work, origin } = await scaffoldRepository();
    const merge = await runMergeSteps(work);
    expect(merge.apply!.outputs).toEqual({ 'exit-code': '0' });
    // The pull request: a conflict resolved by keeping one side dropped "VIP Customers".
    const branch = path.join(tmp, 'branch');
    await git(tmp, 'clone', '-q', origin, branch);
    const statePath = path.join(branch, 'segsync.state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as {
      segments: Record<string, unknown>;
    };
    delete state.segments['VIP Customers'];
    await writeFile(statePath, `${JSON.stringify(state, null, 2)}\n`);
    // The runner's checkout: the pull request's commit only, without the base branch.
    await git(branch, 'commit', '-qam', 'resolve a conflict');
    await git(branch, 'update-ref', '-d', 'refs/remotes/origin/main');
    const planSteps = await workflowSteps(
      path.join(branch, '.github/workflows/segsync-plan.yml'),
      'plan',
    );
    const pr = await runSteps(planSteps, PR_STEPS, branch, { github });
    expect(pr.base!.code).toBe(0);
    expect(pr.plan!.outputs).toEqual({ 'exit-code': '1' });
    expect(pr.plan!.stdout).toMatch(
      /^::error file=segsync\.state\.json,line=\d+,title=segsync%3A state-entry-removed::The state file no longer records "VIP Customers"/m,
    );
    const comment = await readFile(path.join(branch, 'plan.md'), 'utf8');
    expect(comment).toContain('#### State file changes since `origin/main`');
    expect(comment.indexOf('State file changes')).toBeLessThan(comment.indexOf('#### To create'));
    expect(pr.Result!.code).toBe(1);
  });

  it('PR with an invalid definition: annotations, a comment body, and a failed check', async () => {
    const { work } = await scaffoldRepository();
    await writeFile(path.join(work, 'segments/broken.yaml'), 'name: Broken\nrefreshType: weekly\n');
    const steps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-plan.yml'),
      'plan',
    );
    const pr = await runSteps(steps, PR_STEPS, work, { github });
    expect(pr.validate!.code).toBe(0); // the step itself never fails: the comment still gets posted
    expect(pr.validate!.outputs).toEqual({ 'exit-code': '1' });
    expect(pr.validate!.stdout).toMatch(/^::error file=segments\/broken\.yaml,line=2/m);
    expect(pr.plan!.outputs).toEqual({ 'exit-code': '1' });
    expect(pr.plan!.stdout).not.toContain('::error'); // not annotated twice
    expect((await readFile(path.join(work, 'plan.md'), 'utf8')).split('\n')[0]).toBe(
      '<!-- segsync:plan -->',
    );
    expect(pr.Result!.code).toBe(1);
    expect(pr.Result!.stdout).toContain('::error title=segsync::The plan is blocked');
  });

  it('a partial apply (segment limit reached) still commits the state, then fails the job', async () => {
    const { work, origin } = await scaffoldRepository();
    emulator.configure({ segmentLimit: 1 });
    const merge = await runMergeSteps(work);
    expect(merge.apply!.code).toBe(0);
    expect(merge.apply!.outputs).toEqual({ 'exit-code': '3' });
    expect(merge.commit!.code).toBe(0);
    const created = emulator.snapshot().segments.map((s) => s.name);
    expect(created).toHaveLength(1);
    const state = JSON.parse(await git(origin, 'show', 'main:segsync.state.json')) as {
      segments: Record<string, { status: string }>;
    };
    expect(state.segments[created[0]!]?.status).toBe('created');
    expect(merge.Result!.code).toBe(3);
    expect(merge.Result!.stdout).toContain('::error title=segsync::Apply ended part-way');
  });

  it('apply without credentials: nothing changes, nothing is committed, the job fails', async () => {
    const { work, origin } = await scaffoldRepository();
    const before = await git(origin, 'rev-parse', 'main');
    const steps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-apply.yml'),
      'apply',
    );
    const merge = await runSteps(steps, APPLY_STEPS, work, { github, secrets: {} });
    expect(merge.apply!.outputs).toEqual({ 'exit-code': '1' });
    expect(merge.apply!.stderr).toMatch(/WATI_API_ENDPOINT/);
    expect(merge.commit!.code).toBe(0);
    expect(await git(origin, 'rev-parse', 'main')).toBe(before);
    expect(merge.Result!.code).toBe(1);
  });

  it('the state commit rebases onto a commit pushed meanwhile and retries', async () => {
    const { work, origin } = await scaffoldRepository();
    const steps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-apply.yml'),
      'apply',
    );
    // The commit step is the fallback for a state segsync itself could not push (the workflow's
    // apply pushes its own): an apply without --push-state leaves such a state.
    await run(process.execPath, [CLI, 'apply', '--yes'], {
      cwd: work,
      env: { ...baseEnv, WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: TOKEN },
    });

    // Someone merges a pull request while apply runs.
    const other = path.join(tmp, 'other');
    await git(tmp, 'clone', '-q', origin, other);
    await writeFile(path.join(other, 'README.md'), 'merged meanwhile\n');
    await git(other, 'add', 'README.md');
    await git(other, 'commit', '-q', '-m', 'docs: readme');
    await git(other, 'push', '-q', 'origin', 'main');

    const committed = await runSteps(steps, ['commit'], work, { github });
    expect(committed.commit!.code).toBe(0);
    expect(committed.commit!.stdout).toContain('Push rejected (attempt 1 of 5)');
    expect(await git(origin, 'log', '--format=%s', 'main')).toBe(
      ['chore(segsync): record applied segments [skip ci]', 'docs: readme', 'segsync init'].join(
        '\n',
      ),
    );
    expect(await git(origin, 'show', 'main:README.md')).toBe('merged meanwhile');
  });

  it('environments: each matrix job plans with its own marker and applies with its own secrets and state', async () => {
    const { work, origin } = await scaffoldRepository(['staging', 'production']);
    const planSteps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-plan.yml'),
      'plan',
    );
    const pr = await runSteps(planSteps, PR_STEPS, work, {
      github,
      matrix: { environment: 'staging' },
    });
    expect(pr.plan!.outputs).toEqual({ 'exit-code': '2' });
    expect((await readFile(path.join(work, 'plan.md'), 'utf8')).split('\n')[0]).toBe(
      '<!-- segsync:plan env=staging -->',
    );
    await rm(path.join(work, 'plan.md'));

    const workflow = parse(
      await readFile(path.join(work, '.github/workflows/segsync-apply.yml'), 'utf8'),
    ) as { jobs: { apply: { strategy: { matrix: { include: Record<string, string>[] } } } } };
    const staging = workflow.jobs.apply.strategy.matrix.include.find(
      (m) => m.environment === 'staging',
    );
    const applySteps = await workflowSteps(
      path.join(work, '.github/workflows/segsync-apply.yml'),
      'apply',
    );
    const merge = await runSteps(applySteps, APPLY_STEPS, work, {
      github,
      matrix: staging,
      secrets: {
        WATI_API_ENDPOINT_STAGING: emulator.url,
        WATI_API_TOKEN_STAGING: TOKEN,
        // Production's would be refused by the emulator: proves they are not the ones used.
        WATI_API_ENDPOINT_PRODUCTION: emulator.url,
        WATI_API_TOKEN_PRODUCTION: 'production-token',
      },
    });
    expect(merge.apply!.outputs).toEqual({ 'exit-code': '0' });
    expect(emulator.snapshot().segments).toHaveLength(2);
    expect(merge.Result!.code).toBe(0);
    expect(await git(origin, 'log', '-1', '--format=%s', 'main')).toBe(
      'segsync [staging]: record applied segments [skip ci]',
    );
    expect(await git(origin, 'ls-tree', '--name-only', 'main')).toMatch(
      /^segsync\.staging\.state\.json$/m,
    );
    // Production's state file is still the empty one init wrote: nothing was applied there.
    expect(JSON.parse(await git(origin, 'show', 'main:segsync.production.state.json'))).toEqual({
      formatVersion: 1,
      segments: {},
    });
  });
});

describe('the composite action (action.yml)', () => {
  /** Runs the action's main step with `workspace` as the job's workspace. */
  async function runAction(
    workspace: string,
    inputs: Record<string, string>,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<StepRun> {
    const steps = await actionSteps(path.join(REPO_ROOT, 'action.yml'));
    const defaults = {
      directory: '',
      environment: '',
      format: '',
      args: '',
      'working-directory': '.',
    };
    const step = findStep(steps, 'run');
    const result = await runStep(step, {
      cwd: workspace,
      env: { ...baseEnv, ...extraEnv, GITHUB_ACTION_PATH: REPO_ROOT },
      context: { inputs: { ...defaults, ...inputs } },
    });
    transcripts.push(result.stdout, result.stderr);
    return result;
  }

  it('plan: exit code 2 is a success, and the comment body is written to a file', async () => {
    const { work } = await scaffoldRepository();
    // The repository is checked out in a subdirectory of the workspace: working-directory.
    const result = await runAction(tmp, {
      command: 'plan',
      'working-directory': path.basename(work),
    });
    expect(result.code).toBe(0);
    expect(result.outputs['exit-code']).toBe('2');
    expect(result.stdout).toContain('::notice title=segsync::');
    const planFile = result.outputs['plan-file']!;
    expect(path.dirname(planFile)).toBe(tmp);
    expect((await readFile(planFile, 'utf8')).split('\n')[0]).toBe('<!-- segsync:plan -->');
  });

  it('plan on a pull request fetches the base branch and reports what it changes in the state file', async () => {
    const { work } = await scaffoldRepository();
    // The pull request writes a created entry by hand; the checkout has no origin/main.
    const state = JSON.parse(await readFile(path.join(work, 'segsync.state.json'), 'utf8')) as {
      segments: Record<string, unknown>;
    };
    state.segments['VIP Customers'] = {
      status: 'created',
      id: 'made-up',
      payload: { name: 'VIP Customers', refreshType: 1, contactIds: ['1'] },
      digest: `sha256:${'0'.repeat(64)}`,
      createdAt: '2026-12-01T00:00:00.000Z',
      source: 'segments/vip.yaml',
    };
    await writeFile(path.join(work, 'segsync.state.json'), `${JSON.stringify(state, null, 2)}\n`);
    await git(work, 'commit', '-qam', 'by hand');
    await git(work, 'update-ref', '-d', 'refs/remotes/origin/main');
    const result = await runAction(
      work,
      { command: 'plan' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' },
    );
    expect(result.stdout).toMatch(
      /^::warning file=segsync\.state\.json,line=\d+,title=segsync%3A state-entry-added::This change records "VIP Customers" as created \(id made-up\)/m,
    );
  });

  it('validate fails the step on invalid definitions, still reporting the exit code', async () => {
    const { work } = await scaffoldRepository();
    await writeFile(path.join(work, 'segments/broken.yaml'), 'name: Broken\n');
    const result = await runAction(work, { command: 'validate' });
    expect(result.code).toBe(1);
    expect(result.outputs['exit-code']).toBe('1');
    expect(result.stdout).toContain('::error file=segments/broken.yaml');
  });

  it('apply takes the credentials from the environment and passes --yes', async () => {
    const { work } = await scaffoldRepository();
    const result = await runAction(
      work,
      { command: 'apply', args: '--concurrency 1' },
      { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: TOKEN },
    );
    expect(result.code).toBe(0);
    expect(result.outputs['exit-code']).toBe('0');
    expect(emulator.snapshot().segments).toHaveLength(2);
    expect(existsSync(path.join(work, 'segsync.state.json'))).toBe(true);
  });

  it('refuses an unknown command', async () => {
    const { work } = await scaffoldRepository();
    const result = await runAction(work, { command: 'destroy' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('The command input must be validate, plan or apply');
  });
});

// --- GitLab ------------------------------------------------------------------------------------

interface Note {
  id: number;
  body: string;
  author: { id: number };
}

/** Just enough of GitLab's API for the MR-note script: /user and one MR's notes. */
async function startFakeGitLab(token: string, notes: Note[]) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push(`${req.method} ${url.pathname}`);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['private-token'] !== token)
        return reply(401, { message: '401 Unauthorized' });
      if (url.pathname === '/api/v4/user') return reply(200, { id: 99, username: 'project_5_bot' });
      const base = '/api/v4/projects/5/merge_requests/3/notes';
      if (url.pathname === base && req.method === 'GET') return reply(200, notes);
      if (url.pathname === base && req.method === 'POST') {
        const note = {
          id: 500 + notes.length,
          body: (JSON.parse(raw) as Note).body,
          author: { id: 99 },
        };
        notes.push(note);
        return reply(201, note);
      }
      const match = /^\/api\/v4\/projects\/5\/merge_requests\/3\/notes\/(\d+)$/.exec(url.pathname);
      const note = match && notes.find((n) => n.id === Number(match[1]));
      if (note && req.method === 'PUT') {
        note.body = (JSON.parse(raw) as Note).body;
        return reply(200, note);
      }
      return reply(404, { message: '404 Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/api/v4`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the GitLab example (examples/gitlab/.gitlab-ci.yml)', () => {
  const pipeline = path.join(REPO_ROOT, 'examples/gitlab/.gitlab-ci.yml');

  it('merge request: posts the plan as one note, updates it on the next push, leaves others alone', async () => {
    const { work } = await scaffoldRepository();
    const noteToken = 'note-token-5ecret';
    const notes: Note[] = [
      { id: 1, body: '<!-- segsync:plan -->\nquoted by a person', author: { id: 7 } },
    ];
    const gitlab = await startFakeGitLab(noteToken, notes);
    try {
      const env = {
        ...baseEnv,
        CI_API_V4_URL: gitlab.url,
        CI_PROJECT_ID: '5',
        CI_MERGE_REQUEST_IID: '3',
        CI_JOB_URL: 'https://gitlab.test/job/1',
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
        SEGSYNC_NOTE_TOKEN: noteToken,
      };
      const job = await loadGitlabJob(pipeline, 'segsync-plan');
      const first = await runGitlabScript(job.script, {
        cwd: work,
        env: { ...env, ...job.variables },
      });
      transcripts.push(first.stdout, first.stderr);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('Posted the plan note 501.');
      expect(first.stdout).toContain('merging creates the segments');

      const second = await runGitlabScript(job.script, {
        cwd: work,
        env: { ...env, ...job.variables },
      });
      expect(second.stdout).toContain('Updated the plan note 501.');
      expect(notes.map((n) => n.id)).toEqual([1, 501]);
      expect(notes[0]!.body).toBe('<!-- segsync:plan -->\nquoted by a person');
      expect(notes[1]!.body.split('\n')[0]).toBe('<!-- segsync:plan -->');
      expect(notes[1]!.body).toContain('VIP Customers');
      expect(gitlab.requests).toContain('PUT /api/v4/projects/5/merge_requests/3/notes/501');
      for (const text of [first.stdout, first.stderr, second.stdout, second.stderr]) {
        expect(text).not.toContain(noteToken);
      }
    } finally {
      await gitlab.close();
    }
  });

  it('without segsync pinned in package-lock.json: both jobs stop before running anything', async () => {
    const { work } = await scaffoldRepository();
    await rm(path.join(work, 'package-lock.json'));
    for (const name of ['segsync-plan', 'segsync-apply']) {
      const job = await loadGitlabJob(pipeline, name);
      const result = await runGitlabScript(job.script, {
        cwd: work,
        env: {
          ...baseEnv,
          ...job.variables,
          WATI_API_ENDPOINT: emulator.url,
          WATI_API_TOKEN: TOKEN,
        },
      });
      transcripts.push(result.stdout, result.stderr);
      expect(result.code, name).toBe(1);
      expect(result.stdout).toContain('segsync is not pinned in package-lock.json');
      expect(result.stdout).not.toContain('npm stand-in');
    }
    expect(emulator.snapshot().segments).toEqual([]);
  });

  it('merge request with an invalid definition fails the job (the note is skipped without a token)', async () => {
    const { work } = await scaffoldRepository();
    await writeFile(path.join(work, 'segments/broken.yaml'), 'name: Broken\n');
    const job = await loadGitlabJob(pipeline, 'segsync-plan');
    const result = await runGitlabScript(job.script, {
      cwd: work,
      env: { ...baseEnv, ...job.variables, CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('SEGSYNC_NOTE_TOKEN is not set');
    expect(result.stdout).toContain('segsync: the plan is blocked (exit 1)');
    // The Code Quality report the job publishes locates the problem in the broken file.
    const pipelineText = parse(await readFile(pipeline, 'utf8')) as Record<
      string,
      { artifacts?: { reports?: { codequality?: string } } }
    >;
    const reportFile = pipelineText['segsync-plan']?.artifacts?.reports?.codequality;
    expect(reportFile).toBe('gl-code-quality-report.json');
    const report = JSON.parse(await readFile(path.join(work, reportFile!), 'utf8')) as {
      check_name: string;
      location: { path: string };
    }[];
    expect(report.length).toBeGreaterThan(0);
    expect(report.map((issue) => issue.location.path)).toContain('segments/broken.yaml');
  });

  it('default branch: applies from the branch tip and pushes the state with [skip ci]', async () => {
    // GitLab's push URL is CI_SERVER_URL/CI_PROJECT_PATH.git: here a file:// URL to the bare repo.
    const server = path.join(tmp, 'server');
    await mkdir(path.join(server, 'group'), { recursive: true });
    const { work } = await scaffoldRepository();
    const origin = path.join(server, 'group/project.git');
    await git(tmp, 'clone', '-q', '--bare', path.join(tmp, 'origin.git'), origin);
    await git(work, 'remote', 'set-url', 'origin', origin);
    // The runner checks out the pipeline's commit (detached); main has moved on since.
    await git(work, 'checkout', '-q', '--detach');
    const other = path.join(tmp, 'other');
    await git(tmp, 'clone', '-q', origin, other);
    await writeFile(
      path.join(other, 'segments/later.yaml'),
      'name: Later\nrefreshType: static\ncontactIds: ["1"]\n',
    );
    await git(other, 'add', '-A');
    await git(other, 'commit', '-q', '-m', 'add a segment');
    await git(other, 'push', '-q', 'origin', 'main');

    const pushToken = 'push-token-5ecret';
    const job = await loadGitlabJob(pipeline, 'segsync-apply');
    expect(job.variables).toEqual({ SEGSYNC_STATE_FILE: 'segsync.state.json' });
    const result = await runGitlabScript(job.script, {
      cwd: work,
      env: {
        ...baseEnv,
        ...job.variables,
        CI_COMMIT_BRANCH: 'main',
        CI_SERVER_URL: `file://${server}`,
        CI_SERVER_HOST: 'gitlab.test',
        CI_PROJECT_PATH: 'group/project',
        SEGSYNC_PUSH_TOKEN: pushToken,
        WATI_API_ENDPOINT: emulator.url,
        WATI_API_TOKEN: TOKEN,
      },
    });
    transcripts.push(result.stdout, result.stderr);
    expect(result.stdout).not.toContain(pushToken);
    expect(result.code).toBe(0);
    expect(
      emulator
        .snapshot()
        .segments.map((s) => s.name)
        .sort(),
    ).toEqual(['Customers from India', 'Later', 'VIP Customers']);
    expect(await git(origin, 'log', '-1', '--format=%s', 'main')).toBe(
      'segsync: record applied segments [skip ci]',
    );
    const state = JSON.parse(await git(origin, 'show', 'main:segsync.state.json')) as {
      segments: Record<string, unknown>;
    };
    expect(Object.keys(state.segments)).toHaveLength(3);
  });
});
