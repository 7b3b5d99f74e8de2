// Shell completion, in a real bash (and zsh and fish where installed: `apt-get install zsh fish`;
// their tests are skipped without them): the script `segsync completion SHELL` prints is sourced,
// and the completion function is asked what it offers for a command line, as the shell does on
// TAB. The dynamic parts (environment names, segment names) call the built CLI back through a
// `segsync` on PATH, against a real config and a state file written by a real apply, and a state
// file holding hostile names: offered as data, quoted, never expanded or run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { serializeState } from '../../src/state/file.js';
import { created, pending, staticPayload, stateOf } from '../helpers/builders.js';
import { makeTempDir, removeDir, REPO_ROOT } from '../init/support.js';

const run = promisify(execFile);
// SEGSYNC_CLI=/path/to/other/dist/cli.js runs the same cases against another build.
const CLI = process.env.SEGSYNC_CLI ?? path.join(REPO_ROOT, 'dist/cli.js');

let dir: string;
let env: NodeJS.ProcessEnv;

/** Recorded segment names a shell must take as data: globs, substitutions, quotes, spaces. */
const HOSTILE_NAMES = [
  '*',
  '$(touch pwned)',
  '`touch pwned2`',
  'O\'Brien "VIP"',
  'back\\slash',
  'two  spaces',
  '-rf',
  '~root',
  '{a,b}',
];
const sorted = (list: readonly string[]) => [...list].sort();
const has = (shell: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

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
      '  hostile:',
      '    endpointEnv: WATI_API_ENDPOINT_HOSTILE',
      '    tokenEnv: WATI_API_TOKEN_HOSTILE',
      '    state: segsync.hostile.state.json',
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(repo, 'segsync.hostile.state.json'),
    serializeState(
      stateOf(...HOSTILE_NAMES.map((name, index) => created(staticPayload(name), `seg-${index}`))),
    ),
  );
  // What a glob or an unquoted command substitution would bring in instead of the names.
  await writeFile(path.join(repo, 'decoy-file.txt'), '');
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

/** Journal lines as an apply killed mid-run leaves them: `name` pending, another set and deleted. */
function journalOf(name: string): string {
  const records = [
    { op: 'set', name, entry: pending(staticPayload(name)) },
    { op: 'set', name: 'Gone', entry: pending(staticPayload('Gone')) },
    { op: 'delete', name: 'Gone' },
  ];
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

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
      'hostile',
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
    await writeFile(journal, journalOf('Pending one') + '{"op":"se');
    try {
      expect(await complete('segsync', 'state', 'resolve', '--env', 'production', '')).toEqual([
        'Pending\\ one',
      ]);
    } finally {
      await rm(journal);
    }
  });

  it('offers what `state list` lists through a symlinked state file, its journal included', async () => {
    // The journal sits beside the real file, not beside the link: that is where apply writes it.
    const store = path.join(dir, 'repo/store');
    await mkdir(store);
    await writeFile(
      path.join(store, 'state.json'),
      serializeState(stateOf(created(staticPayload('Linked created'), 'seg-9'))),
    );
    await writeFile(path.join(store, 'state.json.journal'), journalOf('Linked pending'));
    await symlink('store/state.json', path.join(dir, 'repo/linked.state.json'));
    try {
      const selection = ['--env', 'production', '--state', 'linked.state.json'];
      const { stdout } = await run(
        process.execPath,
        [CLI, 'state', 'list', '--format', 'json', ...selection],
        {
          cwd: path.join(dir, 'repo'),
          env,
        },
      );
      const listed = (JSON.parse(stdout) as { name: string }[]).map((row) => row.name);
      expect(listed).toEqual(['Linked created', 'Linked pending']);
      expect(await complete('segsync', 'state', 'resolve', ...selection, '')).toEqual(
        listed.map((name) => name.replace(' ', '\\ ')),
      );
    } finally {
      await rm(path.join(dir, 'repo/linked.state.json'));
      await rm(store, { recursive: true });
    }
  });

  it('offers hostile names quoted: each reads back as the name, none is expanded or run', async () => {
    const offered = await complete('segsync', 'state', 'show', '--env', 'hostile', '');
    expect(offered).toHaveLength(HOSTILE_NAMES.length);
    expect(offered).not.toContain('decoy-file.txt');
    // What bash would insert, read back by bash itself: exactly the recorded names.
    const { stdout } = await run(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        'for c in "$@"; do eval "set -- $c"; printf "%s\\0" "$1"; done',
        'bash',
        ...offered,
      ],
      { cwd: path.join(dir, 'repo'), env },
    );
    expect(sorted(stdout.split('\0').filter((name) => name !== ''))).toEqual(sorted(HOSTILE_NAMES));
    expect(existsSync(path.join(dir, 'repo', 'pwned'))).toBe(false);
    expect(existsSync(path.join(dir, 'repo', 'pwned2'))).toBe(false);
  });

  it('matches what was typed, raw or already quoted', async () => {
    const quoted = await complete('segsync', 'state', 'show', '--env', 'hostile', '\\$\\(t');
    const raw = await complete('segsync', 'state', 'show', '--env', 'hostile', 'O');
    expect(quoted).toHaveLength(1);
    expect(raw).toHaveLength(1);
    expect(await complete('segsync', 'state', 'show', '--env', 'hostile', '*')).toHaveLength(1);
  });

  it('leaves files to bash (quoted by readline), never splitting or globbing their names', async () => {
    expect(await complete('segsync', 'plan', '--state', '')).toEqual([]);
    expect(await complete('segsync', 'validate', '')).toEqual([]);
  });

  it('a flag value is not taken for a subcommand', async () => {
    expect(await complete('segsync', '--config', 'state', 'pl')).toEqual(['plan']);
  });
});

describe.skipIf(!has('zsh'))('segsync completion zsh', () => {
  /**
   * What the completion function hands to compadd (and whether it asks for files) for `words`,
   * in a real zsh with the completion system's builtins stood in for: compadd records its
   * arguments, each NUL-terminated. zsh's compadd quotes each match for the command line itself.
   */
  async function completeZsh(...words: string[]): Promise<{ matches: string[]; files: boolean }> {
    const script = [
      'compdef() { : }',
      '_files() { print -rn -- "FILES"$\'\\0\' }',
      'compadd() { [[ $1 == -- ]] && shift; local m; for m in "$@"; do print -rn -- "M:$m"$\'\\0\'; done }',
      'source <(segsync completion zsh)',
      'words=("$@"); CURRENT=$#words',
      '_segsync',
    ].join('\n');
    const { stdout } = await run('zsh', ['-f', '-c', script, 'zsh', ...words], {
      cwd: path.join(dir, 'repo'),
      env,
    });
    const parts = stdout.split('\0').filter((part) => part !== '');
    return {
      matches: parts.filter((part) => part.startsWith('M:')).map((part) => part.slice(2)),
      files: parts.includes('FILES'),
    };
  }

  it('completes commands, flags, choices and environment names', async () => {
    expect((await completeZsh('segsync', '')).matches).toContain('plan');
    expect((await completeZsh('segsync', 'plan', '--format', '')).matches).toContain('gitlab');
    expect(sorted((await completeZsh('segsync', 'plan', '--env', '')).matches)).toEqual([
      'hostile',
      'production',
      'staging',
    ]);
    expect(await completeZsh('segsync', 'plan', '--state', '')).toEqual({
      matches: [],
      files: true,
    });
  });

  it('hands hostile names to compadd as they are: one argument each, nothing expanded or run', async () => {
    const { matches } = await completeZsh('segsync', 'state', 'show', '--env', 'hostile', '');
    expect(sorted(matches)).toEqual(sorted(HOSTILE_NAMES));
    expect(existsSync(path.join(dir, 'repo', 'pwned'))).toBe(false);
  });
});

describe.skipIf(!has('fish'))('segsync completion fish', () => {
  /** What fish offers for the command line `line` (fish's own `complete -C`), names only. */
  async function completeFish(line: string): Promise<string[]> {
    const { stdout } = await run(
      'fish',
      ['--no-config', '-c', 'segsync completion fish | source; complete -C $argv[1]', line],
      { cwd: path.join(dir, 'repo'), env: { ...env, HOME: dir } },
    );
    return stdout
      .split('\n')
      .filter((entry) => entry !== '')
      .map((entry) => entry.split('\t')[0]!);
  }

  it('completes commands, flags and choices from the same tree', async () => {
    expect(await completeFish('segsync pl')).toEqual(['plan']);
    expect(sorted(await completeFish('segsync plan --format '))).toEqual(
      sorted(['text', 'markdown', 'json', 'github', 'gitlab']),
    );
  });

  it('forwards --env: the names of that environment’s state file, as data', async () => {
    expect(sorted(await completeFish('segsync state show --env hostile '))).toEqual(
      sorted(HOSTILE_NAMES),
    );
    expect(await completeFish('segsync state show --env staging V')).toEqual(['VIP']);
    expect(existsSync(path.join(dir, 'repo', 'pwned'))).toBe(false);
  });
});
