// validate and plan as a user runs them: exit codes, formats, config, saved plans.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { Plan } from '../../src/core/model.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let emulator: EmulatorHandle | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-plan-cmd-'));
  await mkdir(path.join(dir, 'segments'));
});
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await rm(dir, { recursive: true, force: true });
});

const write = (file: string, text: string) => writeFile(path.join(dir, file), text);
const cli = (...args: string[]) => runCli(args, { cwd: dir });
const vip = 'name: VIP\nrefreshType: static\ncontactIds: ["1", "2"]\n';
const india =
  'name: India\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - { attribute: country, operator: "==", value: India }\n';

describe('segsync validate', () => {
  it('exits 0 and counts what it checked', async () => {
    await write('segments/a.yaml', `${vip}---\n${india}`);
    const run = await cli('validate');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('✔ 2 segments in 1 file: valid');
  });

  it('exits 1 and locates every problem, in every format', async () => {
    await write('segments/a.yaml', 'name: Bad\nrefreshType: sometimes\n');
    await write(
      'segments/b.yaml',
      'name: Worse\nrefreshType: static\ncontactIds: ["1"]\ncolour: red\n',
    );
    const text = await cli('validate');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/segments\/a\.yaml:2:\d+: error: /);
    expect(text.stdout).toMatch(/segments\/b\.yaml:4:1: error: .*colour/);
    const github = await cli('validate', '--format', 'github');
    expect(github.stdout).toMatch(
      /^::error file=segments\/a\.yaml,line=2,col=\d+,title=segsync%3A /m,
    );
    expect(github.stdout).toMatch(/^::error file=segments\/b\.yaml,line=4,col=1,/m);
    const json = JSON.parse((await cli('validate', '--format', 'json')).stdout) as {
      valid: boolean;
      diagnostics: unknown[];
    };
    expect(json.valid).toBe(false);
    expect(json.diagnostics.length).toBeGreaterThanOrEqual(2);
  });

  it('never calls an empty set of definitions a success, unless --allow-empty', async () => {
    const empty = await cli('validate');
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('--allow-empty');
    expect((await cli('validate', '--allow-empty')).code).toBe(0);
  });

  it('rejects an unknown flag with one readable usage message', async () => {
    const run = await cli('validate', '--colour');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown option '--colour'");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('segsync plan', () => {
  it('--detailed-exitcode: 2 with segments to create, 0 without', async () => {
    await write('segments/a.yaml', vip);
    const withChanges = await cli('plan', '--detailed-exitcode');
    expect(withChanges.code).toBe(2);
    expect(withChanges.stdout.split('\n')[0]).toBe(
      'Plan: 1 to create, 0 unchanged, 0 changed, 0 removed',
    );
    expect((await cli('plan')).code).toBe(0);
    await rm(path.join(dir, 'segments/a.yaml'));
    expect((await cli('plan', '--detailed-exitcode', '--allow-empty')).code).toBe(0);
  });

  it('exits 1 on a blocked plan: quota from the config, with the arithmetic', async () => {
    await write('segsync.config.yaml', 'segmentLimit: 1\n');
    await write('segments/a.yaml', `${vip}---\n${india}`);
    const run = await cli('plan', '--detailed-exitcode');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('0 active + 2 to create = 2, over the limit of 1');
  });

  it('writes markdown for the PR comment and appends the step summary', async () => {
    await write('segments/a.yaml', vip);
    const summary = path.join(dir, 'summary.md');
    const run = await runCli(['plan', '--format', 'markdown'], {
      cwd: dir,
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(run.stdout.split('\n')[0]).toBe('<!-- segsync:plan -->');
    expect(run.stdout).not.toContain('"1"');
    expect(await readFile(summary, 'utf8')).toContain('Plan: 1 to create');
  });

  it('refuses to guess an environment', async () => {
    await write(
      'segsync.config.yaml',
      'environments:\n  staging:\n    endpointEnv: STAGING_ENDPOINT\n    tokenEnv: STAGING_TOKEN\n',
    );
    await write('segments/a.yaml', vip);
    const run = await cli('plan');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--env staging');
    const planned = await cli('plan', '--env', 'staging');
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('Plan [staging]: 1 to create');
  });
});

describe('saved plans', () => {
  const env = () => ({ WATI_API_ENDPOINT: emulator!.url, WATI_API_TOKEN: emulator!.token });

  it('applies exactly the saved plan, and refuses it once the definitions or the state moved', async () => {
    emulator = await startEmulator();
    await write('segments/a.yaml', vip);
    await write('segsync.state.json', '{"formatVersion": 1, "segments": {}}\n');
    const saved = await cli('plan', '--out', 'plan.json');
    expect(saved.code).toBe(0);
    const plan = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(plan.inputs).toEqual({ definitions: ['segments'], state: 'segsync.state.json' });

    // The definitions changed after review: refused, nothing sent.
    await write('segments/a.yaml', `${vip}---\n${india}`);
    const stale = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir, env: env() });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale: the segment definitions changed');
    expect(emulator.snapshot().requests.total).toBe(0);

    // Reviewed again, applied: then the same saved plan is stale because the state moved.
    await cli('plan', '--out', 'plan.json');
    const applied = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir, env: env() });
    expect(applied.code).toBe(0);
    expect(
      emulator
        .snapshot()
        .segments.map((s) => s.name)
        .sort(),
    ).toEqual(['India', 'VIP']);
    const again = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir, env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('stale: the state file segsync.state.json changed');
    expect(emulator.snapshot().duplicates).toEqual([]);
  });
});

describe('a saved plan is bound to the state file of the run', () => {
  const env = () => ({ WATI_API_ENDPOINT: emulator!.url, WATI_API_TOKEN: emulator!.token });

  it('`plan --state OTHER --out plan.json` then `apply plan.json`: refused, naming both state files; nothing sent, nothing written to OTHER', async () => {
    emulator = await startEmulator();
    await write('segments/a.yaml', `${vip}---\n${india}`);
    await write('segsync.state.json', '{"formatVersion": 1, "segments": {}}\n');
    const first = await runCli(['apply', '--yes'], { cwd: dir, env: env() });
    expect(first.code).toBe(0);
    expect(emulator.snapshot().segments).toHaveLength(2);

    await mkdir(path.join(dir, 'outside'));
    await write('outside/other.json', '{"formatVersion": 1, "segments": {}}\n');
    const saved = await cli('plan', '--state', 'outside/other.json', '--out', 'plan.json');
    expect(saved.stdout).toContain('2 to create');
    const applied = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir, env: env() });
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain('outside/other.json');
    expect(applied.stderr).toContain('segsync.state.json');
    expect(emulator.snapshot().requests.total).toBe(2);
    expect(emulator.snapshot().duplicates).toEqual([]);
    expect(await readFile(path.join(dir, 'outside/other.json'), 'utf8')).not.toContain('created');

    // With the same --state, the plan is applied to that state file, and apply says which.
    emulator.reset();
    const bound = await runCli(['apply', 'plan.json', '--yes', '--state', 'outside/other.json'], {
      cwd: dir,
      env: env(),
    });
    expect(bound.code).toBe(0);
    expect(bound.stdout).toMatch(/^State file: outside\/other\.json/m);
  });

  it('apply names the state file it records into', async () => {
    emulator = await startEmulator();
    await write('segments/a.yaml', vip);
    await write('segsync.state.json', '{"formatVersion": 1, "segments": {}}\n');
    const run = await runCli(['apply', '--yes', '--format', 'json'], { cwd: dir, env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe('State file: segsync.state.json');
    expect(JSON.parse(run.stdout)).toMatchObject({ stateFile: 'segsync.state.json' });
  });
});

describe('environments whose include entries are glob patterns', () => {
  const config = (include: string) =>
    [
      'environments:',
      '  prod:',
      '    endpointEnv: WATI_PROD_ENDPOINT',
      '    tokenEnv: WATI_PROD_TOKEN',
      `    include: ${include}`,
      '',
    ].join('\n');

  it('validates and plans exactly the files the patterns select, relative to the config file', async () => {
    await mkdir(path.join(dir, 'segments', 'prod'), { recursive: true });
    await write('segments/vip.yaml', vip);
    await write('segments/prod/india.yaml', india);
    await write('segments/prod/broken.yml', 'name: [unclosed\n');
    await mkdir(path.join(dir, 'elsewhere'));
    await write('segsync.config.yaml', config('["segments/*.yaml", "segments/prod/*.yaml"]'));
    // Run from another directory: patterns are resolved against the config file's.
    const run = await runCli(['validate', '--env', 'prod', '-c', '../segsync.config.yaml'], {
      cwd: path.join(dir, 'elsewhere'),
    });
    expect(run.stdout.trim()).toBe('✔ 2 segments in 2 files: valid');
    expect(run.code).toBe(0);
    const plan = JSON.parse(
      (await cli('plan', '--env', 'prod', '--format', 'json')).stdout,
    ) as Plan;
    expect(plan.actions.map((action) => action.name)).toEqual(['India', 'VIP']);
    expect(plan.inputs?.definitions).toEqual(['segments/*.yaml', 'segments/prod/*.yaml']);
  });

  it('fails with one located message when a pattern matches nothing', async () => {
    await write('segments/vip.yaml', vip);
    await write('segsync.config.yaml', config('["segments/*.yml"]'));
    const run = await cli('validate', '--env', 'prod');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'segments/*.yml: error: The pattern "segments/*.yml" matches no definition file',
    );
  });
});
