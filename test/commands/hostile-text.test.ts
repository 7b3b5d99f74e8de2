// Hostile text through the commands as a user runs them: a state file whose names and ids were
// written by someone else (`state list`, `state show`), definition files with hostile keys and
// values (`validate`, `plan` in every format). Checked as a terminal and the Actions runner read it.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeState } from '../../src/state/file.js';
import { created, pending, staticPayload, stateOf } from '../helpers/builders.js';
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
        for (const format of ['text', 'github', 'json']) {
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
