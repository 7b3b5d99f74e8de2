// The `attributes` allow-list: a condition on an attribute the account does not have would
// create a segment that matches nobody, and it cannot be edited afterwards.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { checkText, withTempDir } from './helpers.js';

const ATTRIBUTES = ['name', 'phone', 'country'];

const segment = (attribute: string) =>
  `name: Regional\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - attribute: phone\n        operator: "=="\n        value: "+49"\n      - attribute: ${attribute}\n        operator: "=="\n        value: India\n`;

describe('with an attributes allow-list', () => {
  it('accepts the attributes it lists', () => {
    const { segments, diagnostics } = checkText(segment('country'), { attributes: ATTRIBUTES });
    expect(diagnostics).toEqual([]);
    expect(segments).toHaveLength(1);
  });

  it('reports a near miss at the attribute, with "did you mean"', () => {
    const nearMisses: [string, string][] = [
      ['contry', 'country'],
      ['Country', 'country'],
      ['phnoe', 'phone'],
      ['nmae', 'name'],
    ];
    for (const [typo, meant] of nearMisses) {
      const { segments, diagnostics } = checkText(segment(typo), { attributes: ATTRIBUTES });
      expect(segments).toEqual([]);
      expect(diagnostics).toEqual([
        {
          severity: 'error',
          code: 'unknown-attribute',
          message: `The attribute \`${typo}\` is not in \`attributes\` of segsync.config.yaml, so no contact would match it.`,
          file: 'segment.yaml',
          line: 8,
          column: 20,
          segment: 'Regional',
          hint: `Did you mean \`${meant}\`? If \`${typo}\` is a real attribute, add it to \`attributes\`.`,
        },
      ]);
    }
  });

  it('lists the known attributes when nothing is close', () => {
    const { diagnostics } = checkText(segment('loyaltyTier'), { attributes: ATTRIBUTES });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'unknown-attribute',
        hint: 'Known attributes: name, phone, country. If `loyaltyTier` is a real attribute, add it to `attributes` in segsync.config.yaml.',
      }),
    ]);
  });

  it('is read from segsync.config.yaml by the commands', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'segments'));
      await writeFile(path.join(dir, 'segments', 'regional.yaml'), segment('contry'));
      await writeFile(
        path.join(dir, 'segsync.config.yaml'),
        'attributes: [name, phone, country]\n',
      );
      const run = await runCli(['validate'], { cwd: dir });
      expect(run.code).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('segments/regional.yaml:8:20');
      expect(run.stdout + run.stderr).toContain('Did you mean `country`?');
    });
  });
});

describe('without an attributes allow-list', () => {
  it('accepts any non-empty attribute', () => {
    const { segments, diagnostics } = checkText(segment('contry'));
    expect(diagnostics).toEqual([]);
    expect(segments).toHaveLength(1);
  });
});

describe('init', () => {
  it('writes the allow-list commented out; uncommented, it is a valid configuration', async () => {
    await withTempDir(async (dir) => {
      const init = await runCli(['init'], { cwd: dir });
      expect(init.code, init.stderr).toBe(0);
      const configPath = path.join(dir, 'segsync.config.yaml');
      const written = await readFile(configPath, 'utf8');
      expect(written).toContain('\n# attributes: [name, phone, country]\n');
      await writeFile(configPath, written.replace('# attributes:', 'attributes:'));
      await writeFile(path.join(dir, 'segments', 'typo.yaml'), segment('contry'));
      const run = await runCli(['validate'], { cwd: dir });
      expect(run.stdout + run.stderr).toContain('Did you mean `country`?');
      expect(run.stdout + run.stderr).not.toMatch(/segsync\.config\.yaml:\d+/);
    });
  });
});
