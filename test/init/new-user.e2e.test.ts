// A new user's first ten minutes, from the published package: `npm pack` the repository, install
// the tarball into a fresh git repository (extracted as npm would; it has no dependencies — npm's
// own offline install is test/packaging-tarball.e2e.test.ts), `segsync init`, validate, plan,
// apply against the emulator — and then the repository's own tools must be happy: `prettier
// --check .` under Prettier's DEFAULT settings, and `git status` listing only files the user
// means to commit.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import { makeTempDir, removeDir, REPO_ROOT } from './support.js';

const run = promisify(execFile);

let work: string;
let repo: string;
let emulator: EmulatorHandle;

async function exec(
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const segsync = (args: string[], env: Record<string, string> = {}) =>
  exec(process.execPath, [path.join(repo, 'node_modules/segsync/dist/cli.js'), ...args], env);

beforeAll(async () => {
  work = await makeTempDir('segsync-new-user-');
  repo = path.join(work, 'my-segments');
  await mkdir(path.join(repo, 'node_modules'), { recursive: true });
  // dist/ is built by the global setup; --ignore-scripts skips the second build `prepare` runs.
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    { cwd: REPO_ROOT },
  );
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  await run('tar', ['-xzf', path.join(work, filename), '-C', path.join(repo, 'node_modules')]);
  await run('mv', [
    path.join(repo, 'node_modules/package'),
    path.join(repo, 'node_modules/segsync'),
  ]);
  await writeFile(
    path.join(repo, 'package.json'),
    `${JSON.stringify({ name: 'my-segments', private: true, devDependencies: { segsync: `file:../${filename}` } }, null, 2)}\n`,
  );
  await run('git', ['init', '--quiet', repo]);
  emulator = await startEmulator();
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  await removeDir(work);
});

describe('a new user, from npm i -D segsync && npx segsync init', () => {
  it('the package ships the licence and the GitLab example', async () => {
    const files = path.join(repo, 'node_modules/segsync');
    expect(await readFile(path.join(files, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(await readFile(path.join(files, 'examples/gitlab/.gitlab-ci.yml'), 'utf8')).toContain(
      'segsync',
    );
  });

  it('ends with a clean prettier --check and a git status of wanted files only', async () => {
    const init = await segsync(['init']);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Next steps:');
    expect(init.stdout).not.toContain('npm install'); // already installed

    // A static segment: its short contactIds array is where Prettier's layout and segsync's differ.
    await writeFile(
      path.join(repo, 'segments/vip.yaml'),
      'name: VIP\nrefreshType: static\ncontactIds:\n  - "911234567890"\n  - "911234567891"\n',
    );
    expect((await segsync(['validate'])).code).toBe(0);
    expect((await segsync(['plan'])).stdout).toContain('2 to create');
    // Apply as the README says: the real state file records what was created.
    const applied = await segsync(['apply', '--yes'], {
      WATI_API_ENDPOINT: `${emulator.url}/123456`,
      WATI_API_TOKEN: emulator.token,
    });
    expect(applied.code).toBe(0);

    // Prettier with its defaults: this repository's own .prettierrc lies above nothing here.
    const prettier = await exec(process.execPath, [
      path.join(REPO_ROOT, 'node_modules/prettier/bin/prettier.cjs'),
      '--check',
      '.',
    ]);
    expect(prettier.stderr + prettier.stdout).toContain(
      'All matched files use Prettier code style',
    );
    expect(prettier.code).toBe(0);

    const status = await exec('git', ['status', '--porcelain', '--untracked-files=all']);
    const listed = status.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.slice(3))
      .sort();
    expect(listed).toEqual([
      '.gitattributes',
      '.github/workflows/segsync-apply.yml',
      '.github/workflows/segsync-plan.yml',
      '.gitignore',
      '.prettierignore',
      '.vscode/settings.json',
      'package.json',
      'segments/example.yaml',
      'segments/vip.yaml',
      'segsync.config.yaml',
      'segsync.state.json',
    ]);
  });

  it('init --environments also passes prettier --check with the default settings', async () => {
    const other = path.join(work, 'with-environments');
    await mkdir(other);
    await run(
      process.execPath,
      [
        path.join(repo, 'node_modules/segsync/dist/cli.js'),
        'init',
        '--environments',
        'staging,production',
      ],
      { cwd: other },
    );
    const prettier = await run(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--check', '.'],
      { cwd: other },
    );
    expect(prettier.stdout + prettier.stderr).toContain(
      'All matched files use Prettier code style',
    );
  });

  it('plan and validate hints fit a repository that is not segsync itself', async () => {
    const apply = await segsync(['apply', '--yes'], { WATI_API_TOKEN: 'x' });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('WATI_API_ENDPOINT is not set');
    expect(apply.stderr).not.toContain('npm run');
  });
});
