// The published package as a user gets it: `npm pack` this repository, install the tarball
// OFFLINE into a fresh project (a registry nobody answers, an empty npm cache: a package that
// needed anything from the registry cannot install), check that it added exactly one package,
// and run every command through node_modules/.bin/segsync from a temporary directory outside this
// repository, with this repository's node_modules on no path: what is not in the tarball is
// missing. Needs dist/ (the global setup builds it).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** Flags the first apply needs to start a state file that does not exist yet. */
const NEW_STATE_FLAGS = ['--new-state'];
const TENANT = '123456';
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

let work: string;
let project: string;
let bin: string;
/** PATH, HOME and nothing else of the environment: no npm_config_*, no CI variables. */
let baseEnv: Record<string, string>;
let emulator: { process: ChildProcess; url: string; output: () => string } | undefined;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? project, env: { ...baseEnv, ...options.env }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const segsync = (args: string[], env: Record<string, string> = {}) =>
  run(bin, args, { env: { NO_COLOR: '1', ...env } });

/** A command that must succeed: its output, or a failure that shows what it printed. */
async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await segsync(args, env);
  expect(result.code, `segsync ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stderr).not.toMatch(STACK_FRAME);
  return result.stdout;
}

const apiEnv = () => ({
  WATI_API_ENDPOINT: `${emulatorUrl()}/${TENANT}`,
  WATI_API_TOKEN: 'emulator-token',
});

function emulatorUrl(): string {
  if (emulator === undefined) throw new Error('the emulator has not started');
  return emulator.url;
}

/** `segsync emulator --port 0` from the installed package; resolves with the URL it prints. */
function startInstalledEmulator(): Promise<NonNullable<typeof emulator>> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['emulator', '--port', '0'], {
      cwd: project,
      env: { ...baseEnv, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      // The banner's last line: everything it prints is there.
      if (url !== undefined && output.includes('Stop with Ctrl+C.'))
        resolve({ process: child, url, output: () => output });
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${output}`)));
  });
}

async function emulatorSnapshot(): Promise<{
  segments: { name: string; id: string }[];
  duplicates: unknown[];
}> {
  const response = await fetch(`${emulatorUrl()}/__emulator/state`);
  return (await response.json()) as Awaited<ReturnType<typeof emulatorSnapshot>>;
}

async function configureEmulator(config: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${emulatorUrl()}/__emulator/config`, {
    method: 'POST',
    body: JSON.stringify(config),
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'segsync-tarball-'));
  expect(path.relative(REPO_ROOT, work).startsWith('..')).toBe(true);
  const home = path.join(work, 'home');
  await mkdir(home);
  // This repository's node_modules/.bin (npm run puts it first) and anything else inside the
  // repository leave PATH; node and npm stay where they are.
  const pathEntries = [
    path.dirname(process.execPath),
    ...(process.env.PATH ?? '').split(path.delimiter),
  ].filter((entry) => entry !== '' && path.relative(REPO_ROOT, entry).startsWith('..'));
  baseEnv = { PATH: [...new Set(pathEntries)].join(path.delimiter), HOME: home };

  // dist/ is built by the global setup; --ignore-scripts skips the second build `prepare` runs.
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    {
      cwd: REPO_ROOT,
    },
  );
  expect(packed.code, packed.stderr).toBe(0);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];

  project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), '{ "name": "fresh", "private": true }\n');
  const installed = await run(
    'npm',
    [
      'install',
      '--offline',
      '--registry',
      'http://127.0.0.1:9/',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      path.join(work, filename),
    ],
    {
      env: {
        npm_config_cache: path.join(work, 'npm-cache'),
        npm_config_userconfig: path.join(work, 'no-npmrc'),
      },
    },
  );
  expect(installed.code, installed.stderr).toBe(0);
  bin = path.join(project, 'node_modules', '.bin', 'segsync');
  emulator = await startInstalledEmulator();
}, 120_000);

afterAll(async () => {
  if (emulator !== undefined) {
    const exited = new Promise((resolve) => emulator?.process.once('exit', resolve));
    emulator.process.kill('SIGINT');
    await exited;
  }
  await rm(work, { recursive: true, force: true });
});

describe('installing the packed tarball', () => {
  it('adds exactly one package: segsync, with no dependencies', async () => {
    const entries = await readdir(path.join(project, 'node_modules'));
    expect(entries.filter((entry) => !entry.startsWith('.'))).toEqual(['segsync']);
    const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: object }>;
    };
    expect(Object.keys(lock.packages)).toEqual(['', 'node_modules/segsync']);
    expect(lock.packages['node_modules/segsync']?.dependencies).toBeUndefined();
  });

  it('resolves nothing from this repository: its packages are out of reach', async () => {
    const probe = await run(process.execPath, ['-e', "require.resolve('yaml')"]);
    expect(probe.code).not.toBe(0);
    expect(probe.stderr).toContain("Cannot find module 'yaml'");
  });

  it('ships the bundle, the notices of what it bundles, and no tsc module tree or maps', async () => {
    const installed = path.join(project, 'node_modules', 'segsync');
    expect((await readdir(path.join(installed, 'dist'))).sort()).toEqual([
      'THIRD_PARTY_NOTICES.md',
      'bundle',
      'cli.js',
    ]);
    const bundleFiles = await readdir(path.join(installed, 'dist', 'bundle'));
    expect(bundleFiles.filter((file) => !file.endsWith('.js'))).toEqual([]);
    const notices = await readFile(path.join(installed, 'dist', 'THIRD_PARTY_NOTICES.md'), 'utf8');
    for (const bundled of ['yaml', 'ajv', 'got', 'p-limit', 'diff', 'commander', 'picomatch']) {
      expect(notices).toContain(`## ${bundled} `);
    }
  });
});

describe('every command of the installed package', () => {
  it('--version and --help', async () => {
    const { version } = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    expect(await ok(['--version'])).toBe(`${version}\n`);
    const help = await ok(['--help']);
    for (const command of [
      'validate',
      'plan',
      'apply',
      'state',
      'init',
      'schema',
      'completion',
      'emulator',
    ]) {
      expect(help).toContain(command);
    }
    expect(await ok(['state', '--help'])).toContain('merge-driver');
  });

  it('init scaffolds a fresh repository, with and without environments', async () => {
    const scaffold = await ok(['init']);
    expect(scaffold).toContain('created   segsync.config.yaml');
    expect(scaffold).toContain('created   .github/workflows/segsync-apply.yml');
    const example = await readFile(path.join(project, 'segments', 'example.yaml'), 'utf8');
    expect(example).toContain('node_modules/segsync/schemas/segment.schema.json');
    // More definitions beside the scaffold's example: a static one, and two documents in one
    // file of a sub-folder (four segments in three files).
    await writeFile(
      path.join(project, 'segments', 'vip.yaml'),
      'name: VIP\nrefreshType: static\ncontactIds: ["911234567890", "911234567891"]\n',
    );
    await mkdir(path.join(project, 'segments', 'regional'));
    await writeFile(
      path.join(project, 'segments', 'regional', 'dach.yaml'),
      [
        'name: Germany\nrefreshType: dynamic\ndescription: Contacts in Germany.',
        'groups:\n  - conditions:\n      - { attribute: country, operator: "==", value: Germany }',
        '---',
        'name: Austria\nrefreshType: dynamic',
        'groups:\n  - conditions:\n      - { attribute: country, operator: "==", value: Austria }\n',
      ].join('\n'),
    );

    const other = path.join(work, 'with-environments');
    await mkdir(other);
    const environments = await run(bin, ['init', '--environments', 'staging,production'], {
      cwd: other,
    });
    expect(environments.code).toBe(0);
    expect(await readFile(path.join(other, 'segsync.config.yaml'), 'utf8')).toContain('staging');
  });

  it('validate: every format, a glob, a missing path and an invalid file', async () => {
    expect(await ok(['validate'])).toMatch(/^✔ 4 segments in 3 files: valid/);
    const json = JSON.parse(await ok(['validate', '--format', 'json'])) as { valid: boolean };
    expect(json.valid).toBe(true);
    expect(await ok(['validate', '--format', 'github'])).not.toContain('::error');
    expect(JSON.parse(await ok(['validate', '--format', 'gitlab']))).toEqual([]);
    expect(await ok(['validate', 'segments/**/dach.yaml'])).toMatch(
      /^✔ 2 segments in 1 file: valid/,
    );
    // The example definitions the package ships are valid as shipped.
    expect(await ok(['validate', 'node_modules/segsync/segments'])).toMatch(/^✔ \d+ segments/);

    const missing = await segsync(['validate', 'segmnts']);
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toContain('segmnts');
    expect(missing.stdout + missing.stderr).not.toMatch(STACK_FRAME);

    const broken = path.join(work, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'bad.yaml'), 'name: Bad\nrefreshType: sometimes\n');
    const invalid = await segsync(['validate', broken]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/bad\.yaml:2:\d+/);
    expect(invalid.stdout + invalid.stderr).not.toMatch(STACK_FRAME);
  });

  it('the definitions worker thread loads from the package and does its share', async () => {
    // A failing worker is never fatal (the main thread redoes its chunks), so start it directly.
    const worker = path.join(
      project,
      'node_modules',
      'segsync',
      'dist',
      'bundle',
      'load-worker.js',
    );
    const file = path.join(project, 'segments', 'regional', 'dach.yaml');
    const script = `
      import { Worker } from 'node:worker_threads';
      const counter = new SharedArrayBuffer(8);
      const worker = new Worker(${JSON.stringify(worker)}, { workerData: {
        found: [{ absolute: ${JSON.stringify(file)}, file: 'segments/regional/dach.yaml' }],
        options: { cwd: ${JSON.stringify(project)} },
        filesPerChunk: 1,
        shared: { counter, chunkCount: 1 },
      } });
      worker.once('message', (results) => { console.log(JSON.stringify(results)); worker.terminate(); });
      worker.once('error', (error) => { console.error(error); process.exitCode = 1; });`;
    const probe = path.join(work, 'start-worker.mjs');
    await writeFile(probe, script);
    const started = await run(process.execPath, [probe]);
    expect(started.stderr).toBe('');
    const results = JSON.parse(started.stdout) as [number, { loaderDiagnostics: unknown[] }][];
    expect(results).toHaveLength(1);
    expect(results[0]?.[0]).toBe(0);
    expect(results[0]?.[1].loaderDiagnostics).toEqual([]);
    // Both documents of the file, read and validated in the worker.
    expect(started.stdout).toContain('"Germany"');
    expect(started.stdout).toContain('"Austria"');
  });

  it('plan: every format, a saved plan, and the GitHub step summary', async () => {
    const state = ['--state', path.join(work, 'plan-only.state.json')];
    expect(await ok(['plan', ...state])).toMatch(/^Plan: 4 to create, 0 unchanged/);
    expect(await ok(['plan', ...state, '--format', 'markdown'])).toContain('<!-- segsync:plan -->');
    const json = JSON.parse(await ok(['plan', ...state, '--format', 'json'])) as {
      summary: { create: number };
      actions: { action: string }[];
    };
    expect(json.summary.create).toBe(4);
    expect(json.actions.filter((action) => action.action === 'create')).toHaveLength(4);
    const summary = path.join(work, 'step-summary.md');
    await writeFile(summary, '');
    const github = await ok(['plan', ...state, '--format', 'github'], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(github).toContain('4 to create');
    expect(await readFile(summary, 'utf8')).toContain('segsync');
    // Planned against no state file yet: the one problem is the warning that says so.
    const quality = JSON.parse(await ok(['plan', ...state, '--format', 'gitlab'])) as {
      check_name: string;
      severity: string;
    }[];
    expect(quality.map((entry) => [entry.check_name, entry.severity])).toEqual([
      ['segsync/no-state-file', 'minor'],
    ]);
    const detailed = await segsync(['plan', ...state, '--detailed-exitcode']);
    expect(detailed.code).toBe(2);
    await ok(['plan', ...state, '--out', path.join(work, 'saved-plan.json')]);
  });

  it('emulator, apply (a saved plan, then text and JSON) and every state command', async () => {
    const statePath = path.join(work, 'try.state.json');
    const state = ['--state', statePath];
    // A plan saved with `plan --out` is applied as planned: against an empty state, all four.
    await ok(['plan', ...state, '--out', path.join(work, 'apply-plan.json')]);
    const applied = await ok(
      ['apply', path.join(work, 'apply-plan.json'), '--yes', ...NEW_STATE_FLAGS, ...state],
      apiEnv(),
    );
    expect(applied).toContain('Apply: 4 created, 0 failed');
    const again = JSON.parse(
      await ok(['apply', '--yes', '--format', 'json', ...state], apiEnv()),
    ) as {
      summary: { created: number };
    };
    expect(again.summary.created).toBe(0);
    // This state as it is now, for `state merge` below: four records, as a run artifact would be.
    const earlier = path.join(work, 'earlier.state.json');
    await copyFile(statePath, earlier);

    const listed = JSON.parse(await ok(['state', 'list', '--format', 'json', ...state])) as {
      name: string;
      id: string;
    }[];
    expect(listed).toHaveLength(4);
    expect(await ok(['state', 'list', ...state])).toContain(
      '4 recorded, 0 with an unknown outcome',
    );
    const germany = listed.find((row) => row.name === 'Germany');
    expect(germany).toBeDefined();
    expect(await ok(['state', 'show', 'Germany', ...state])).toContain(germany?.id);

    // forget (--force: it is still defined), then adopt it back with its id: the record
    // returns, nothing is created.
    expect(await segsync(['state', 'forget', 'Germany', ...state])).toMatchObject({ code: 1 });
    await ok(['state', 'forget', 'Germany', '--force', ...state]);
    expect(await ok(['state', 'list', ...state])).toContain('3 recorded');
    await ok(['state', 'adopt', 'Germany', '--id', germany?.id ?? '', ...state]);
    expect(await ok(['state', 'list', ...state])).toContain('(adopted)');

    // An answer the emulator drops: an unknown outcome, settled with `state resolve`.
    await configureEmulator({ dropAfterCommitRate: 1 });
    await writeFile(
      path.join(project, 'segments', 'dropped.yaml'),
      'name: Dropped answer\nrefreshType: static\ncontactIds: ["911234567890"]\n',
    );
    const dropped = await segsync(['apply', '--yes', ...state], apiEnv());
    expect(dropped.code).toBe(3);
    expect(dropped.stdout).toContain('unknown');
    await configureEmulator({ dropAfterCommitRate: 0 });
    const created = (await emulatorSnapshot()).segments.find((s) => s.name === 'Dropped answer');
    expect(created).toBeDefined();
    await ok(['state', 'resolve', 'Dropped answer', '--id', created?.id ?? '', ...state]);
    expect(await ok(['apply', '--yes', ...state], apiEnv())).toContain('Nothing to create.');
    expect((await emulatorSnapshot()).duplicates).toEqual([]);

    // unlock: a lock left unreadable by a crash is removed.
    await writeFile(`${statePath}.lock`, 'not a lock');
    expect(await ok(['state', 'unlock', ...state])).toContain('Removed the unreadable lock');
    expect(await ok(['state', 'unlock', ...state])).toContain('was not locked');

    // merge by meaning: the earlier copy gains the record made since, through the command and
    // through the git merge driver (base: the earlier copy, theirs: the state now).
    const merged = path.join(work, 'merged.state.json');
    await copyFile(earlier, merged);
    await ok(['state', 'merge', statePath, '--state', merged]);
    expect(await ok(['state', 'show', 'Dropped answer', '--state', merged])).toContain(created?.id);
    const ours = path.join(work, 'ours.state.json');
    await copyFile(earlier, ours);
    await ok(['state', 'merge-driver', earlier, ours, statePath]);
    expect(await ok(['state', 'show', 'Dropped answer', '--state', ours])).toContain(created?.id);

    expect(await ok(['__complete', 'segments', ...state])).toContain('Dropped answer');
  });

  it.each(['segment', 'config', 'state', 'plan', 'apply-result'])('schema %s', async (name) => {
    const printed = await ok(['schema', name]);
    // Exactly the file as shipped (editors read the same one through node_modules).
    expect(printed).toBe(
      await readFile(path.join(REPO_ROOT, 'schemas', `${name}.schema.json`), 'utf8'),
    );
  });

  it.each(['bash', 'zsh', 'fish'])('completion %s', async (shell) => {
    const script = await ok(['completion', shell]);
    expect(script).toContain('__complete');
    expect(script).toContain('segsync');
  });

  it('__complete env lists the environments of the config', async () => {
    const other = path.join(work, 'with-environments');
    const completed = await run(bin, ['__complete', 'env'], { cwd: other });
    expect(completed.code).toBe(0);
    expect(completed.stdout.split('\n')).toEqual(expect.arrayContaining(['staging', 'production']));
  });

  it('the emulator prints its hint and ends at once on Ctrl+C (exit 130)', async () => {
    const own = await startInstalledEmulator();
    expect(own.output()).toContain('WATI_API_ENDPOINT=');
    const exited = new Promise<number | null>((resolve) => own.process.once('exit', resolve));
    own.process.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});
