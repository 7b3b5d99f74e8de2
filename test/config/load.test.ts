// segsync.config.yaml: optional, strict about unknown keys, located diagnostics like definition
// files, and paths resolved beside the file so the state file sits next to the configuration.

import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { containing, matching, withTempDir } from '../definitions/helpers.js';

async function write(dir: string, name: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
  await writeFile(path.join(dir, name), content);
}

describe('without a configuration file', () => {
  it('uses the defaults, relative to the working directory', async () => {
    await withTempDir(async (dir) => {
      expect(await loadConfig({ cwd: dir })).toEqual({
        config: {
          baseDir: dir,
          definitions: path.join(dir, 'segments'),
          state: path.join(dir, 'segsync.state.json'),
        },
        diagnostics: [],
      });
    });
  });

  it('reports an explicitly named file that does not exist', async () => {
    await withTempDir(async (dir) => {
      const { config, diagnostics } = await loadConfig({ cwd: dir, path: 'conf/segsync.yaml' });
      expect(config.definitions).toBe(path.join(dir, 'segments'));
      expect(diagnostics).toEqual([
        {
          severity: 'error',
          code: 'config-not-found',
          file: 'conf/segsync.yaml',
          message: 'The configuration file "conf/segsync.yaml" does not exist.',
          hint: 'Check the path given with --config, or leave it out to use segsync.config.yaml from the current directory.',
        },
      ]);
    });
  });
});

describe('a valid configuration file', () => {
  const full = [
    '# yaml-language-server: $schema=./node_modules/segsync/schemas/config.schema.json',
    'definitions: defs',
    'state: state/segsync.json',
    'operators: ["==", "!="]',
    'attributes: [name, phone, country]',
    'segmentLimit: 50',
    'concurrency: 4',
    'environments:',
    '  production:',
    '    endpointEnv: WATI_PROD_ENDPOINT',
    '    tokenEnv: WATI_PROD_TOKEN',
    '    state: prod.state.json',
    '    segmentLimit: 200',
    '    include: [defs/common, "defs/prod/**"]',
    '  staging-2:',
    '    endpointEnv: WATI_STAGING_ENDPOINT',
    '    tokenEnv: WATI_STAGING_TOKEN',
    '',
  ].join('\n');

  it('is read from the path given, with paths resolved against its own directory', async () => {
    await withTempDir(async (dir) => {
      await write(dir, 'project/segsync.config.yaml', full);
      const base = path.join(dir, 'project');
      const { config, diagnostics } = await loadConfig({
        cwd: dir,
        path: 'project/segsync.config.yaml',
      });
      expect(diagnostics).toEqual([]);
      expect(config).toEqual({
        file: path.join(base, 'segsync.config.yaml'),
        baseDir: base,
        definitions: path.join(base, 'defs'),
        state: path.join(base, 'state/segsync.json'),
        operators: ['==', '!='],
        attributes: ['name', 'phone', 'country'],
        segmentLimit: 50,
        concurrency: 4,
        environments: {
          production: {
            endpointEnv: 'WATI_PROD_ENDPOINT',
            tokenEnv: 'WATI_PROD_TOKEN',
            state: path.join(base, 'prod.state.json'),
            segmentLimit: 200,
            // Kept as written: globs are resolved by whoever expands them, against baseDir.
            include: ['defs/common', 'defs/prod/**'],
          },
          'staging-2': { endpointEnv: 'WATI_STAGING_ENDPOINT', tokenEnv: 'WATI_STAGING_TOKEN' },
        },
      });
    });
  });

  it('is found in the working directory as segsync.config.yaml or segsync.config.yml', async () => {
    await withTempDir(async (dir) => {
      await write(dir, 'segsync.config.yml', 'definitions: my-segments\n');
      const { config, diagnostics } = await loadConfig({ cwd: dir });
      expect(diagnostics).toEqual([]);
      expect(config.file).toBe(path.join(dir, 'segsync.config.yml'));
      expect(config.definitions).toBe(path.join(dir, 'my-segments'));
      // The state file defaults to sitting beside the configuration.
      expect(config.state).toBe(path.join(dir, 'segsync.state.json'));
    });
  });

  it('may be empty or hold only comments', async () => {
    await withTempDir(async (dir) => {
      await write(dir, 'segsync.config.yaml', '# all defaults\n');
      const { config, diagnostics } = await loadConfig({ cwd: dir });
      expect(diagnostics).toEqual([]);
      expect(config.definitions).toBe(path.join(dir, 'segments'));
    });
  });

  it('wins over segsync.config.yml when both exist, with a warning', async () => {
    await withTempDir(async (dir) => {
      await write(dir, 'segsync.config.yaml', 'definitions: from-yaml\n');
      await write(dir, 'segsync.config.yml', 'definitions: from-yml\n');
      const { config, diagnostics } = await loadConfig({ cwd: dir });
      expect(config.definitions).toBe(path.join(dir, 'from-yaml'));
      expect(diagnostics).toEqual([
        expect.objectContaining({
          severity: 'warning',
          code: 'ambiguous-config',
          file: 'segsync.config.yml',
          message:
            'Both segsync.config.yaml and segsync.config.yml exist; only segsync.config.yaml is read.',
        }),
      ]);
    });
  });
});

describe('an invalid configuration file', () => {
  async function diagnose(content: string) {
    return withTempDir(async (dir) => {
      await write(dir, 'segsync.config.yaml', content);
      return loadConfig({ cwd: dir });
    });
  }

  it('reports unknown keys at the key, with a suggestion, and falls back to defaults', async () => {
    const { config, diagnostics } = await diagnose('definitions: defs\noperator: ["=="]\n');
    expect(config.definitions).toMatch(/segments$/);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'unknown-key',
        file: 'segsync.config.yaml',
        line: 2,
        column: 1,
        message: 'The configuration has an unknown key `operator`.',
        hint: matching(/^Did you mean `operators`\?/),
      }),
    ]);
  });

  it('reports numbers out of range or not whole at the value', async () => {
    const { diagnostics } = await diagnose('concurrency: 65\nsegmentLimit: 2.5\n');
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'out-of-range',
        line: 1,
        column: 14,
        message: '`concurrency` must be at most 64.',
      }),
      expect.objectContaining({
        code: 'wrong-type',
        line: 2,
        column: 15,
        message: '`segmentLimit` must be a whole number, but it is a number with decimals.',
        hint: 'Write a whole number.',
      }),
    ]);
    expect((await diagnose('concurrency: 0\n')).diagnostics[0]?.message).toBe(
      '`concurrency` must be at least 1.',
    );
  });

  it('never quotes a value back: a token pasted where a variable name belongs stays out of the output', async () => {
    const token = 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig';
    const { diagnostics } = await diagnose(
      `environments:\n  prod:\n    endpointEnv: WATI_API_ENDPOINT\n    tokenEnv: "${token}"\n`,
    );
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'invalid-format',
        line: 4,
        column: 15,
        message: containing('`tokenEnv` must be the NAME of an environment variable'),
      }),
    ]);
    const everything = JSON.stringify(diagnostics);
    expect(everything).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(everything).not.toContain('Bearer');
  });

  it('does not quote a value of the wrong type either', async () => {
    const { diagnostics } = await diagnose(
      'environments:\n  prod:\n    endpointEnv: X\n    tokenEnv: 12345678\n',
    );
    expect(diagnostics[0]).toMatchObject({
      code: 'wrong-type',
      message: '`tokenEnv` of environment "prod" must be text, but it is a number.',
    });
  });

  it('reports an environment name that is not allowed at the name, and missing settings at the entry', async () => {
    const { diagnostics } = await diagnose(
      'environments:\n  "prod env":\n    endpointEnv: A\n    tokenEnv: B\n  staging:\n    endpointEnv: A\n',
    );
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'invalid-format',
        line: 2,
        column: 3,
        message:
          'An environment name may contain only letters, digits, `-` and `_`, and must start with a letter or digit.',
      }),
      expect.objectContaining({
        code: 'missing-key',
        line: 6,
        column: 5,
        message: 'Environment "staging" is missing `tokenEnv`.',
        hint: 'Add it, for example `tokenEnv: WATI_API_TOKEN`.',
      }),
    ]);
  });

  it('reports an unknown key inside an environment, listing the keys allowed there', async () => {
    const { diagnostics } = await diagnose(
      'environments:\n  prod:\n    endpointEnv: A\n    tokenEnv: B\n    token: secret-value\n',
    );
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'unknown-key',
        line: 5,
        column: 5,
        message: 'Environment "prod" has an unknown key `token`.',
        hint: containing('endpointEnv, tokenEnv, state, segmentLimit, pushState, include'),
      }),
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain('secret-value');
  });

  it('does not repeat a long unknown key, which may be a token pasted in the wrong place', async () => {
    const token = 'x9Yk2Lr7Qw8Zt4Nv6Bm3Hc5Jd1Fg0Sa7Pe2Ru9';
    const { diagnostics } = await diagnose(`${token}: true\n`);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'unknown-key',
        line: 1,
        column: 1,
        message: 'The configuration has an unknown key.',
      }),
    ]);
    expect(JSON.stringify(diagnostics)).not.toContain(token);
  });

  it('reports YAML errors, duplicate keys and hostile input like definition files do', async () => {
    expect((await diagnose('definitions: [segments\n')).diagnostics).toEqual([
      expect.objectContaining({ code: 'yaml-syntax', line: 1, column: 14 }),
    ]);
    expect((await diagnose('state: a.json\nstate: b.json\n')).diagnostics).toEqual([
      expect.objectContaining({ code: 'duplicate-key', line: 2, column: 1 }),
    ]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefgh')
      bomb.push(
        `${name}: &${name} [${Array(10)
          .fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    expect((await diagnose(`${bomb.join('\n')}\n`)).diagnostics).toEqual([
      expect.objectContaining({ code: 'alias-limit', line: 1, column: 1 }),
    ]);
  });

  it('refuses a list, and a second document', async () => {
    expect((await diagnose('- definitions: segments\n')).diagnostics).toEqual([
      expect.objectContaining({
        code: 'not-a-mapping',
        line: 1,
        column: 1,
        message:
          'A configuration must be a mapping of keys (`key: value` lines), but this document is a list.',
      }),
    ]);
    expect((await diagnose('definitions: a\n---\nstate: b\n')).diagnostics).toEqual([
      expect.objectContaining({
        code: 'config-multiple-documents',
        line: 3,
        column: 1,
        message:
          'The configuration file holds more than one YAML document; it must hold exactly one.',
      }),
    ]);
  });

  it('reports a configuration file that cannot be read (here a dangling link)', async () => {
    await withTempDir(async (dir) => {
      await symlink('nowhere.yaml', path.join(dir, 'segsync.config.yaml'));
      const { diagnostics } = await loadConfig({ cwd: dir });
      expect(diagnostics).toEqual([
        expect.objectContaining({ code: 'unreadable-file', file: 'segsync.config.yaml' }),
      ]);
    });
  });
});
