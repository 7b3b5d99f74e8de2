// The built CLI bundles yaml's ES module build (scripts/build.mjs), while everything run from src
// uses its CommonJS build. Both come from the same sources; this pins that they read every tricky
// input alike: the bundled `validate` and `plan` print exactly what the source program prints, on
// a corpus of YAML that exercises scalar resolution, tags, anchors, warnings and errors, and on
// random documents built from the same pieces.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const run = promisify(execFile);

async function bundled(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [cli, ...args], { cwd, env: { NO_COLOR: '1' } });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

const CORPUS: Record<string, string> = {
  'numbers.yaml':
    'name: Numbers\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - { attribute: a, operator: "==", value: 01067 }\n      - { attribute: b, operator: "==", value: 1.50 }\n      - { attribute: c, operator: "==", value: 0x1F }\n      - { attribute: d, operator: "==", value: .inf }\n      - { attribute: e, operator: "==", value: 12345678901234567890 }\n      - { attribute: f, operator: "==", value: 42 }\n',
  'specials.yaml':
    'name: Specials\nrefreshType: static\ncontactIds: [~, 2001-12-14, !!binary aGVsbG8=, yes, "007", 007]\n',
  'tags.yaml': 'name: !custom Tagged\nrefreshType: !!str dynamic\ngroups: []\n',
  'anchors.yaml':
    'base: &ids ["1", "2"]\nname: Anchors\nrefreshType: static\ncontactIds: *ids\n---\nname: *missing\nrefreshType: static\n',
  'bomb.yaml':
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nname: Bomb\nrefreshType: static\ncontactIds: [*c]\n',
  'duplicate-keys.yaml': 'name: Dup\nname: Dup again\nrefreshType: static\ncontactIds: ["1"]\n',
  'tabs.yaml': 'name: Tabs\nrefreshType: static\ncontactIds:\n\t- "1"\n',
  'directive.yaml': '%YAML 1.1\n---\nname: Old YAML\nrefreshType: static\ncontactIds: ["1"]\n',
  'bom.yaml': '\uFEFFname: With BOM\nrefreshType: static\ncontactIds: ["1"]\n',
  'multi.yaml':
    '---\nname: First\nrefreshType: static\ncontactIds: ["1"]\n...\n---\n# only a comment\n---\nname: Second\nrefreshType: dynamic\ngroups: [{ conditions: [{ attribute: plan, operator: "==", value: true }] }]\n',
  'flow-error.yaml': 'name: [unclosed\nrefreshType: static\n',
  'quoted.yaml':
    'name: "Esc \\u00e9 \\x41 \\t"\nrefreshType: static\ncontactIds: [\'single \'\' quote\', "1"]\n',
  'block.yaml': 'name: >-\n  Folded\n  name\nrefreshType: |\n  static\ncontactIds: ["1"]\n',
};

// Random documents from pieces that reach every scalar resolver and a few syntax errors.
const scalar = fc.constantFrom(
  '01067',
  '1.50',
  '0x1F',
  '0o17',
  '.nan',
  '-.inf',
  '~',
  'null',
  'True',
  'off',
  '2001-12-14t21:59:43.10-05:00',
  '!!binary aGk=',
  '!!int "5"',
  '"quoted"',
  "'single'",
  'plain text',
  '12',
  '-7',
  '3.5e3',
  '[a, b]',
  '{ k: v }',
  '&x anchored',
  '*x',
  '"unterminated',
  '',
);
const documentText = fc
  .record({
    name: scalar,
    refreshType: fc.constantFrom('static', 'dynamic', '1', '2', '3', 'Static'),
    ids: fc.array(scalar, { maxLength: 4 }),
    value: scalar,
  })
  .map(
    ({ name, refreshType, ids, value }) =>
      `name: ${name}\nrefreshType: ${refreshType}\ncontactIds:\n${ids.map((id) => `  - ${id}\n`).join('')}groups:\n  - conditions:\n      - attribute: a\n        operator: "=="\n        value: ${value}\n`,
  );

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-bundle-parity-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Compares both programs on `set`; returns the diagnostic codes validate reported. */
async function expectSameOutput(set: string): Promise<string[]> {
  let codes: string[] = [];
  for (const args of [
    ['validate', set, '--format', 'json'],
    ['plan', set, '--state', path.join(dir, 'none.json'), '--format', 'json'],
  ]) {
    const fromSource = await runCli(args, { cwd: dir, env: { NO_COLOR: '1' } });
    const fromBundle = await bundled(args, dir);
    // The plan's JSON carries its time; everything else must match byte for byte.
    const normalise = (text: string) => text.replace(/"(createdAt|generatedAt)": "[^"]*"/g, '');
    expect(normalise(fromBundle.stdout)).toBe(normalise(fromSource.stdout));
    expect(fromBundle.code).toBe(fromSource.code);
    if (args[0] === 'validate') {
      const report = JSON.parse(fromSource.stdout) as { diagnostics: { code: string }[] };
      codes = report.diagnostics.map((diagnostic) => diagnostic.code);
    }
  }
  return codes;
}

describe('the bundled CLI and the source program', () => {
  it('read the tricky corpus alike', async () => {
    await mkdir(path.join(dir, 'corpus'));
    for (const [name, text] of Object.entries(CORPUS)) {
      await writeFile(path.join(dir, 'corpus', name), text);
    }
    const codes = await expectSameOutput('corpus');
    // The corpus reaches the fidelity rule, the alias guard, YAML errors and warnings.
    for (const code of [
      'value-not-as-written',
      'contact-id-not-quoted',
      'alias-limit',
      'yaml-syntax',
    ]) {
      expect(codes).toContain(code);
    }
  });

  it('read random documents alike', async () => {
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(documentText, { minLength: 1, maxLength: 12 }), async (texts) => {
        const set = `random-${batch++}`;
        await mkdir(path.join(dir, set));
        for (const [index, text] of texts.entries()) {
          await writeFile(path.join(dir, set, `d${index}.yaml`), text);
        }
        await expectSameOutput(set);
      }),
      { numRuns: 8 },
    );
  });
});
