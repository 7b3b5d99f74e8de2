// Shell completion, in a real bash: the script `segsync completion bash` prints is sourced, and
// the completion function is asked what it offers for a command line, as bash does on TAB. The
// dynamic parts (environment names, segment names) call the built CLI back through a `segsync`
// on PATH, against a real config and a state file written by a real apply.
import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { makeTempDir, removeDir, REPO_ROOT } from '../init/support.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/cli.js');

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await makeTempDir('segsync-completion-');
  const bin = path.join(dir, 'bin');
  await mkdir(bin);
  await writeFile(
    path.join(bin, 'segsync'),
    `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`,
  );
  await chmod(path.join(bin, 'segsync'), 0o755);
  env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' };

  const repo = path.join(dir, 'repo');
  await mkdir(path.join(repo, 'segments'), { recursive: true });
  await writeFile(
    path.join(repo, 'segsync.config.yaml'),
    [
      'environments:',
      '  staging:',
      '    endpointEnv: WATI_API_ENDPOINT_STAGING',
      '    tokenEnv: WATI_API_TOKEN_STAGING',
      '    state: segsync.staging.state.json',
      '  production:',
      '    endpointEnv: WATI_API_ENDPOINT_PRODUCTION',
      '    tokenEnv: WATI_API_TOKEN_PRODUCTION',
      '    state: segsync.production.state.json',
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(repo, 'segments/a.yaml'),
    'name: Customers from India\nrefreshType: static\ncontactIds: ["1"]\n---\nname: VIP\nrefreshType: static\ncontactIds: ["2"]\n',
  );
  const emulator = await startEmulator();
  try {
    await run(process.execPath, [CLI, 'apply', '--yes', '--new-state', '--env', 'staging'], {
      cwd: repo,
      env: {
        ...env,
        WATI_API_ENDPOINT_STAGING: `${emulator.url}/1`,
        WATI_API_TOKEN_STAGING: emulator.token,
      },
    });
  } finally {
    await emulator.close();
  }
});

afterAll(async () => {
  await removeDir(dir);
});

/** What the completion function offers for `words` (the last one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const script = [
    'source <(segsync completion bash)',
    'COMP_WORDS=("$@")',
    'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
    'COMPREPLY=()',
    '_segsync',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', script, 'bash', ...words], {
    cwd: path.join(dir, 'repo'),
    env,
  });
  return stdout.split('\n').filter((line) => line !== '');
}

describe('segsync completion bash', () => {
  it('completes command names', async () => {
    expect(await complete('segsync', 'pl')).toEqual(['plan']);
    expect(await complete('segsync', 'state', 'f')).toEqual(['forget']);
  });

  it("completes a command's flags and the --format values it accepts", async () => {
    expect(await complete('segsync', 'plan', '--fo')).toEqual(['--format']);
    expect((await complete('segsync', 'plan', '--format', '')).sort()).toEqual(
      ['github', 'gitlab', 'json', 'markdown', 'text'].sort(),
    );
    expect(await complete('segsync', 'apply', '-f', 'j')).toEqual(['json']);
  });

  it('completes --env with the names in the config', async () => {
    expect((await complete('segsync', 'plan', '--env', '')).sort()).toEqual([
      'production',
      'staging',
    ]);
    expect(await complete('segsync', 'plan', '--env', 'st')).toEqual(['staging']);
  });

  it('completes recorded segment names for state show, shell-quoted', async () => {
    expect(await complete('segsync', 'state', 'show', '--env', 'staging', '')).toEqual([
      'Customers\\ from\\ India',
      'VIP',
    ]);
    expect(await complete('segsync', 'state', 'forget', '--env', 'staging', 'V')).toEqual(['VIP']);
    // Another environment's state file records nothing.
    expect(await complete('segsync', 'state', 'show', '--env', 'production', '')).toEqual([]);
  });

  it('offers the pending names a killed apply left in the journal, for state resolve', async () => {
    const journal = path.join(dir, 'repo/segsync.production.state.json.journal');
    await writeFile(
      journal,
      [
        { op: 'set', name: 'Pending one', entry: { status: 'pending' } },
        { op: 'set', name: 'Gone', entry: { status: 'pending' } },
        { op: 'delete', name: 'Gone' },
      ]
        .map((record) => JSON.stringify(record))
        .join('\n') + '\n{"op":"se',
    );
    try {
      expect(await complete('segsync', 'state', 'resolve', '--env', 'production', '')).toEqual([
        'Pending\\ one',
      ]);
    } finally {
      await rm(journal);
    }
  });

  it('a flag value is not taken for a subcommand', async () => {
    expect(await complete('segsync', '--config', 'state', 'pl')).toEqual(['plan']);
  });

  it('zsh and fish scripts are generated from the same tree', async () => {
    const zsh = (await run(process.execPath, [CLI, 'completion', 'zsh'])).stdout;
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain("'validate plan apply state init schema completion emulator'");
    const fish = (await run(process.execPath, [CLI, 'completion', 'fish'])).stdout;
    expect(fish).toContain("-l format -s f -x -a 'text markdown json github gitlab'");
    expect(fish).toContain("-a '(segsync __complete segments)'");
    expect(fish).not.toContain('__complete -');
  });
});
