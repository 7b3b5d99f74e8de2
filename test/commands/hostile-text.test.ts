// Hostile text through the commands as a user runs them: a state file whose names and ids were
// written by someone else (`state list`, `state show`), definition files with hostile keys and
// values (`validate`, `plan` in every format). Checked as a terminal and the Actions runner read it.
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeState } from '../../src/state/file.js';
import { created, pending, staticPayload, stateOf } from '../helpers/builders.js';
import { segmentIdProblem } from '../../src/core/segment-id.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-hostile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const pieces = [
  '\u001b]0;pwned\u0007',
  '\u009b2J',
  '\r',
  '\n',
  '\u202e',
  '\u2066',
  '\ud800',
  '::add-mask::x',
  '::error file=x,line=1::PWNED',
  '::stop-commands::t',
  '##[add-mask]x',
  ' ',
  ':',
  '@octocat',
  '#1',
  '<b>',
  '`',
  'a',
];
const hostile = fc
  .array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));

const RAW_UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;

function expectInert(output: string, annotations = false): void {
  expect(output).not.toMatch(RAW_UNSAFE);
  for (const line of output.split(/\r\n|\r|\n/)) {
    const trimmed = line.replace(/^[\s\u0085\u180e]*/u, '');
    if (annotations && /^::(error|warning|notice) /.test(trimmed)) continue;
    expect(trimmed.startsWith('::')).toBe(false);
    expect(line).not.toContain('##[');
  }
}

const runs = { numRuns: 25 };

describe('state list and state show', () => {
  it('print recorded names and ids inert, whatever the state file holds', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (name, id) => {
        const cwd = await mkdtemp(path.join(dir, 'state-'));
        await writeFile(
          path.join(cwd, 'segsync.state.json'),
          serializeState(
            stateOf(created(staticPayload(name), id), pending(staticPayload(`${name} pending`))),
          ),
        );
        if (segmentIdProblem(id) !== undefined) {
          // An id that fails the id check is refused on read, naming the segment, never the id.
          const refused = await runCli(['state', 'list'], { cwd });
          expect(refused.code).toBe(1);
          expect(refused.stderr).toContain('is not a usable segment id');
          expectInert(refused.stderr);
          return;
        }
        const list = await runCli(['state', 'list'], { cwd });
        expect(list.code).toBe(0);
        expectInert(list.stdout);
        const listJson = await runCli(['state', 'list', '--format', 'json'], { cwd });
        expect((JSON.parse(listJson.stdout) as Array<{ id?: string }>)[0]?.id).toBe(id);
        expectInert(listJson.stdout);
        const show = await runCli(['state', 'show', name], { cwd });
        expect(show.code).toBe(0);
        expect(JSON.parse(show.stdout)).toMatchObject({ name, id });
        expectInert(show.stdout);
        const missing = await runCli(['state', 'show', `${name}?`], { cwd });
        expect(missing.code).toBe(1);
        expectInert(missing.stderr);
      }),
      runs,
    );
  });

  it('a valid name that is a workflow command is quoted at the start of its line', async () => {
    const cwd = await mkdtemp(path.join(dir, 'state-'));
    await writeFile(
      path.join(cwd, 'segsync.state.json'),
      serializeState(
        stateOf(
          created(staticPayload('::add-mask::injected'), 'seg-1'),
          created(staticPayload('::error file=x,line=1::PWNED'), 'seg-2'),
        ),
      ),
    );
    const list = await runCli(['state', 'list'], { cwd });
    expect(list.stdout).toMatch(/^"::add-mask::injected"\s+created\s+id seg-1/m);
    expect(list.stdout).toMatch(/^"::error file=x,line=1::PWNED"\s+created\s+id seg-2/m);
  });
});

describe('validate and plan on hostile definitions', () => {
  it('echo keys, values and names inert in text, github, markdown and json', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, async (key, value, name) => {
        const cwd = await mkdtemp(path.join(dir, 'defs-'));
        await mkdir(path.join(cwd, 'segments'));
        // JSON is YAML: every string arrives exactly as generated (lone surrogates included).
        const definition = {
          name: `${name} x`.trim() || 'x',
          refreshType: 'static',
          contactIds: [value],
          [key]: value,
        };
        await writeFile(path.join(cwd, 'segments', 'a.yaml'), JSON.stringify(definition));
        for (const format of ['text', 'github', 'json', 'gitlab']) {
          const run = await runCli(['validate', '--format', format], { cwd });
          expect(run.code).toBe(1);
          expectInert(run.stdout, format === 'github');
          expectInert(run.stderr);
        }
        for (const format of ['text', 'markdown', 'github']) {
          const run = await runCli(['plan', '--format', format], { cwd });
          expectInert(run.stdout, format === 'github');
          expectInert(run.stderr);
        }
      }),
      runs,
    );
  });
});

// The name the issue names: an 8-bit CSI, a bidi override and a workflow command in one.
const NASTY = 'x\u009b31m\u202e::add-mask::y';
const hostileNames = fc.oneof(fc.constant(NASTY), hostile);

describe('state adopt, forget and resolve on hostile names', () => {
  it('print the name inert, whether the command succeeds or refuses', async () => {
    await fc.assert(
      fc.asyncProperty(hostileNames, async (name) => {
        const cwd = await mkdtemp(path.join(dir, 'adopt-'));
        await mkdir(path.join(cwd, 'segments'));
        await writeFile(
          path.join(cwd, 'segments', 'a.yaml'),
          JSON.stringify({ name, refreshType: 'static', contactIds: ['4915100000001'] }),
        );
        for (const argv of [
          ['state', 'adopt', name, '--id', 'dash-1'],
          ['state', 'adopt', `${name}?`, '--id', 'dash-1'],
          ['state', 'adopt', name, '--id', 'dash-1'],
          ['state', 'resolve', name, '--id', `${name}\u0007`],
          ['state', 'forget', name],
          ['state', 'forget', name],
        ]) {
          const run = await runCli(argv, { cwd });
          expectInert(run.stdout);
          expectInert(run.stderr);
        }
      }),
      runs,
    );
  });

  it('adopts a valid name that holds a workflow command and prints it quoted and broken up', async () => {
    const name = '::add-mask::y ##[error]x';
    const cwd = await mkdtemp(path.join(dir, 'adopt-'));
    await mkdir(path.join(cwd, 'segments'));
    await writeFile(
      path.join(cwd, 'segments', 'a.yaml'),
      JSON.stringify({ name, refreshType: 'static', contactIds: ['4915100000001'] }),
    );
    const run = await runCli(['state', 'adopt', name, '--id', 'dash-1'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'Adopted: "::add-mask::y ##\\x5berror]x" exists in Wati with id dash-1',
    );
    expectInert(run.stdout);
  });
});

describe('state unlock on a lock file written by someone else', () => {
  it('prints the holder (host, command, start time, path) inert, refusing or with --force', async () => {
    await fc.assert(
      fc.asyncProperty(hostileNames, hostileNames, async (hostname, command) => {
        const cwd = await mkdtemp(path.join(dir, `unlock-${command.length % 3 ? '' : '\u009b'}`));
        await writeFile(path.join(cwd, 'segsync.state.json'), serializeState(stateOf()));
        const lock = {
          pid: 4242,
          hostname: `${hostname}-elsewhere`,
          startedAt: `2026-01-01T00:00:00Z${command}`,
          command,
          token: 'abc',
        };
        await writeFile(path.join(cwd, 'segsync.state.json.lock'), JSON.stringify(lock));
        const refused = await runCli(['state', 'unlock'], { cwd });
        expect(refused.code).not.toBe(0);
        expectInert(refused.stdout);
        expectInert(refused.stderr);
        const forced = await runCli(['state', 'unlock', '--force'], { cwd });
        expect(forced.code).toBe(0);
        expectInert(forced.stdout);
        expectInert(forced.stderr);
        // An unreadable lock: its path is printed.
        await writeFile(path.join(cwd, 'segsync.state.json.lock'), `{${command}`);
        const unreadable = await runCli(['state', 'unlock'], { cwd });
        expectInert(unreadable.stdout);
        expectInert(unreadable.stderr);
      }),
      runs,
    );
  });
});

describe('state merge and the merge driver on hostile names', () => {
  it('print added names and conflicts inert', async () => {
    await fc.assert(
      fc.asyncProperty(hostileNames, async (name) => {
        const cwd = await mkdtemp(path.join(dir, 'merge-'));
        const ours = path.join(cwd, 'segsync.state.json');
        const theirs = path.join(cwd, `their\u009b${name.length}.json`);
        await writeFile(ours, serializeState(stateOf(created(staticPayload(name), 'seg-1'))));
        await writeFile(
          theirs,
          serializeState(
            stateOf(
              // A printable id that looks like a workflow command: it is quoted in the conflict.
              created(staticPayload(name), 'seg-2 ::add-mask::x'),
              created(staticPayload(`${name} added`), 'seg-3'),
            ),
          ),
        );
        const conflict = await runCli(['state', 'merge', theirs], { cwd });
        expect(conflict.code).not.toBe(0);
        expect(conflict.stderr).toContain('seg-2');
        expectInert(conflict.stdout);
        expectInert(conflict.stderr);
        // The driver writes its result (here: both sides between markers) into %A: a copy.
        const driverOurs = path.join(cwd, 'ours-for-driver.json');
        await writeFile(driverOurs, await readFile(ours));
        const driver = await runCli(['state', 'merge-driver', ours, driverOurs, theirs], { cwd });
        expect(driver.code).not.toBe(0);
        expectInert(driver.stdout);
        expectInert(driver.stderr);
        await writeFile(
          theirs,
          serializeState(stateOf(created(staticPayload(`${name} added`), 'seg-3'))),
        );
        const merged = await runCli(['state', 'merge', theirs], { cwd });
        expect(merged.code).toBe(0);
        expect(merged.stdout).toContain('added:');
        expectInert(merged.stdout);
        expectInert(merged.stderr);
      }),
      runs,
    );
  });
});

/** What a terminal does not show as it is: controls, bidi and zero-width characters, surrogates. */
const INVISIBLE_IN_NAME =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200d\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]/u;

describe('__complete (the names offered to the shell on TAB)', () => {
  it('offers every name exactly, and leaves out only names with invisible characters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.oneof(hostileNames, fc.string({ minLength: 1 })), { maxLength: 6 }),
        async (names) => {
          const cwd = await mkdtemp(path.join(dir, 'complete-'));
          await writeFile(
            path.join(cwd, 'segsync.state.json'),
            serializeState(
              stateOf(...names.map((name, i) => created(staticPayload(name), `s${i}`))),
            ),
          );
          const run = await runCli(['__complete', 'segments'], { cwd });
          expect(run.code).toBe(0);
          expect(run.stdout).not.toMatch(RAW_UNSAFE);
          const offered = run.stdout.split('\n').filter((line) => line !== '');
          // Kept: names a terminal shows as they are (the shell inserts them exactly).
          const visible = names.filter((name) => !INVISIBLE_IN_NAME.test(name));
          expect(offered.sort()).toEqual(visible.sort());
        },
      ),
      runs,
    );
  });
});

describe('__complete with names that are object keys in JavaScript', () => {
  it('offers __proto__ and constructor like any other name', async () => {
    const cwd = await mkdtemp(path.join(dir, 'complete-proto-'));
    const names = ['__proto__', 'constructor', 'toString'];
    await writeFile(
      path.join(cwd, 'segsync.state.json'),
      serializeState(stateOf(...names.map((name, i) => created(staticPayload(name), `s${i}`)))),
    );
    const run = await runCli(['__complete', 'segments'], { cwd });
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .split('\n')
        .filter((line) => line !== '')
        .sort(),
    ).toEqual([...names].sort());
  });
});

describe('init in a directory with a hostile name', () => {
  it('prints the directory and its git root inert', async () => {
    const cwd = await mkdtemp(path.join(dir, 'init-'));
    const gitRoot = path.join(cwd, `repo${NASTY}`);
    await mkdir(path.join(gitRoot, '.git'), { recursive: true });
    const run = await runCli(['init', path.join(gitRoot, `sub\n::add-mask::z${NASTY}`)], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('segsync init in ');
    expect(run.stderr).toContain('is not the root of its Git repository');
    expectInert(run.stdout);
    expectInert(run.stderr);
  });
});

describe('contact lists (CSV) with hostile text', () => {
  it('report a missing column, a broken row and a bad id inert in every format', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (column, cell) => {
        const cwd = await mkdtemp(path.join(dir, 'csv-'));
        await mkdir(path.join(cwd, 'segments'));
        await writeFile(
          path.join(cwd, 'segments', 'a.yaml'),
          [
            {
              name: 'by column',
              refreshType: 'static',
              contactIdsFile: 'a.csv',
              contactIdsColumn: column,
            },
            { name: 'broken', refreshType: 'static', contactIdsFile: 'b.csv' },
          ]
            .map((definition) => JSON.stringify(definition))
            .join('\n---\n'),
        );
        await writeFile(path.join(cwd, 'segments', 'a.csv'), `phone\n${JSON.stringify(cell)}\n`);
        await writeFile(path.join(cwd, 'segments', 'b.csv'), `phone\n"${cell}\n${cell}`);
        for (const format of ['text', 'github', 'json', 'gitlab']) {
          const run = await runCli(['validate', '--format', format], { cwd });
          expect(run.code).toBe(1);
          expectInert(run.stdout, format === 'github');
          expectInert(run.stderr);
        }
        // The messages that quote the file's contents were reached.
        const json = await runCli(['validate', '--format', 'json'], { cwd });
        expect(json.stdout).toContain('contactIdsColumn');
        expect(json.stdout).toContain('not valid CSV');
        const plan = await runCli(['plan', '--format', 'markdown'], { cwd });
        expectInert(plan.stdout);
        expectInert(plan.stderr);
      }),
      runs,
    );
  });
});
