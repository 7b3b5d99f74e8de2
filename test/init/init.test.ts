import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runInit } from '../../src/commands/init.js';
import {
  describeEnvironments,
  parseEnvironmentList,
} from '../../src/commands/init-environments.js';
import { resolveSettings } from '../../src/application/settings.js';
import { loadAndValidate } from '../../src/application/validate-definitions.js';
import { UsageError, UserError } from '../../src/core/errors.js';
import { makeTempDir, recordingIO, removeDir, REPO_ROOT, SCAFFOLDED } from './support.js';

let dir: string;

beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
    .sort();
}

const template = (name: string) => readFile(path.join(REPO_ROOT, 'templates', name), 'utf8');

describe('segsync init', () => {
  it('creates exactly the scaffold, copied from templates/, and prints the next steps', async () => {
    const io = recordingIO(dir);
    expect(await runInit(undefined, {}, io)).toBe(0);

    expect(await listFiles(dir)).toEqual(SCAFFOLDED);
    expect(await readFile(path.join(dir, '.github/workflows/segsync-plan.yml'), 'utf8')).toBe(
      await template('github/segsync-plan.yml'),
    );
    expect(await readFile(path.join(dir, '.vscode/settings.json'), 'utf8')).toBe(
      await template('vscode/settings.json'),
    );
    const output = io.out.join('\n');
    for (const file of SCAFFOLDED) expect(output).toContain(`created   ${file}`);
    expect(output).toContain('Next steps:');
    expect(output).toContain('npm install --save-dev segsync');
    expect(output).toContain('WATI_API_ENDPOINT, WATI_API_TOKEN');
  });

  it('does not tell the user to install segsync when the repository already depends on it', async () => {
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ devDependencies: { segsync: '^0.1.0' } }),
    );
    const io = recordingIO(dir);
    await runInit(dir, {}, io);
    const output = io.out.join('\n');
    expect(output).toContain('Next steps:');
    expect(output).not.toContain('npm install');
    expect(output).toMatch(/ {2}1\. Describe your segments/);
  });

  it('adds its lock, temp and state patterns to existing ignore files, once', async () => {
    await writeFile(path.join(dir, '.gitignore'), 'node_modules/');
    await writeFile(path.join(dir, '.prettierignore'), 'dist\n*.state.json\n');
    const io = recordingIO(dir);
    await runInit(dir, {}, io);
    const gitignore = await readFile(path.join(dir, '.gitignore'), 'utf8');
    expect(gitignore.split('\n')).toEqual([
      'node_modules/',
      '',
      '# segsync: lock and temporary files beside the state file (the state is committed)',
      '*.state.json.lock',
      '.*.state.json.tmp-*',
      '',
    ]);
    expect(await readFile(path.join(dir, '.prettierignore'), 'utf8')).toBe('dist\n*.state.json\n');
    expect(io.out.join('\n')).toMatch(/updated\s+\.gitignore/);
    expect(io.out.join('\n')).toMatch(/exists\s+\.prettierignore/);

    await runInit(dir, {}, recordingIO(dir));
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe(gitignore);
  });

  it('scaffolds into DIR relative to the working directory, creating it', async () => {
    const io = recordingIO(dir);
    expect(await runInit('nested/repo', {}, io)).toBe(0);
    expect(await listFiles(path.join(dir, 'nested/repo'))).toEqual(SCAFFOLDED);
    expect(io.out.join('\n')).toContain('segsync init in nested/repo:');
  });

  it('run again, skips every file and says there is nothing to do', async () => {
    await runInit(dir, {}, recordingIO(dir));
    const io = recordingIO(dir);
    expect(await runInit(dir, {}, io)).toBe(0);
    const output = io.out.join('\n');
    expect(output).toContain('Nothing to do: all 8 files already exist and were left unchanged.');
    expect(output).not.toContain('created');
    expect(output).not.toContain('Next steps');
  });

  it('never overwrites an existing file, and creates the others', async () => {
    const mine = '# my own config\ndefinitions: segments\n';
    const workflow = 'name: my plan workflow\n';
    await writeFile(path.join(dir, 'segsync.config.yaml'), mine);
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
    await writeFile(path.join(dir, '.github/workflows/segsync-plan.yml'), workflow);

    const io = recordingIO(dir);
    expect(await runInit(dir, {}, io)).toBe(0);
    expect(await readFile(path.join(dir, 'segsync.config.yaml'), 'utf8')).toBe(mine);
    expect(await readFile(path.join(dir, '.github/workflows/segsync-plan.yml'), 'utf8')).toBe(
      workflow,
    );
    expect(await listFiles(dir)).toEqual(SCAFFOLDED);
    const output = io.out.join('\n');
    expect(output).toMatch(/skipped\s+segsync\.config\.yaml \(exists and differs/);
    expect(output).toMatch(/skipped\s+\.github\/workflows\/segsync-plan\.yml/);
    expect(output).toMatch(/created\s+segments\/example\.yaml/);
    expect(output).toContain('Next steps:');
  });

  it('keeps an existing editor settings file and says what to add to it', async () => {
    const settings = '{ "editor.tabSize": 2 }\n';
    await mkdir(path.join(dir, '.vscode'));
    await writeFile(path.join(dir, '.vscode/settings.json'), settings);
    const io = recordingIO(dir);
    await runInit(dir, {}, io);
    expect(await readFile(path.join(dir, '.vscode/settings.json'), 'utf8')).toBe(settings);
    expect(io.out.join('\n')).toMatch(
      /skipped\s+\.vscode\/settings\.json .*\n\s+to get editor checks, add to it: "yaml\.schemas"/,
    );
  });

  it('with only changed files left, says they were kept and never overwrites them', async () => {
    await runInit(dir, {}, recordingIO(dir));
    await writeFile(path.join(dir, 'segments/example.yaml'), 'name: Mine\nrefreshType: static\n');
    const io = recordingIO(dir);
    expect(await runInit(dir, {}, io)).toBe(0);
    expect(io.out.join('\n')).toContain('exists and differs from the template; left unchanged');
    expect(await readFile(path.join(dir, 'segments/example.yaml'), 'utf8')).toBe(
      'name: Mine\nrefreshType: static\n',
    );
  });

  it('refuses a DIR that is a file, with one readable message', async () => {
    await writeFile(path.join(dir, 'a-file'), 'x');
    await expect(runInit('a-file', {}, recordingIO(dir))).rejects.toThrow(UserError);
    await expect(runInit('a-file', {}, recordingIO(dir))).rejects.toThrow(/a-file/);
  });

  it('warns when DIR is inside a Git repository but not at its root', async () => {
    await mkdir(path.join(dir, '.git'));
    const io = recordingIO(dir);
    await runInit('sub', {}, io);
    expect(io.err.join('\n')).toContain('is not the root of its Git repository');
    const atRoot = recordingIO(dir);
    await runInit(dir, {}, atRoot);
    expect(atRoot.err).toEqual([]);
  });
});

describe('the scaffolded files', () => {
  it('are valid YAML / JSON that segsync itself accepts', async () => {
    await runInit(dir, {}, recordingIO(dir));
    for (const file of SCAFFOLDED.filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))) {
      const text = await readFile(path.join(dir, file), 'utf8');
      expect(() => void parse(text, { prettyErrors: true }), file).not.toThrow();
    }
    const settings = await resolveSettings(dir, {});
    expect(settings.configDiagnostics).toEqual([]);
    expect(settings.config.file).toBe(path.join(dir, 'segsync.config.yaml'));
    expect(settings.statePath).toBe(path.join(dir, 'segsync.state.json'));
    const definitions = await loadAndValidate(settings, dir);
    expect(definitions.diagnostics).toEqual([]);
    expect(definitions.segments.map((s) => s.name)).toEqual(['Customers from India']);

    const vscode = JSON.parse(await readFile(path.join(dir, '.vscode/settings.json'), 'utf8')) as {
      'yaml.schemas': Record<string, string[]>;
    };
    expect(vscode['yaml.schemas']).toEqual({
      './node_modules/segsync/schemas/segment.schema.json': [
        'segments/**/*.yaml',
        'segments/**/*.yml',
      ],
      './node_modules/segsync/schemas/config.schema.json': ['segsync.config.yaml'],
    });
  });

  it('the example definition points its editor schema at the installed package', async () => {
    await runInit(dir, {}, recordingIO(dir));
    const example = await readFile(path.join(dir, 'segments/example.yaml'), 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(.+)$/m.exec(example);
    expect(modeline?.[1]).toBe('../node_modules/segsync/schemas/segment.schema.json');
    // The path resolves to the schema the package ships (as laid out in node_modules/segsync).
    expect(path.posix.join('segments', modeline![1]!)).toBe(
      'node_modules/segsync/schemas/segment.schema.json',
    );
    expect(example).toContain('../../node_modules/');
  });

  it('the config points its editor schema at the installed package', async () => {
    await runInit(dir, {}, recordingIO(dir));
    const config = await readFile(path.join(dir, 'segsync.config.yaml'), 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(.+)$/m.exec(config);
    expect(path.posix.normalize(modeline![1]!)).toBe(
      'node_modules/segsync/schemas/config.schema.json',
    );
  });
});

describe('segsync init --environments', () => {
  it('writes an environments config that segsync accepts, one entry per name', async () => {
    const io = recordingIO(dir);
    expect(await runInit(dir, { environments: ['dev', 'eu-prod'] }, io)).toBe(0);
    const config = parse(await readFile(path.join(dir, 'segsync.config.yaml'), 'utf8')) as {
      environments: Record<string, unknown>;
    };
    expect(config.environments).toEqual({
      dev: {
        endpointEnv: 'WATI_API_ENDPOINT_DEV',
        tokenEnv: 'WATI_API_TOKEN_DEV',
        state: 'segsync.dev.state.json',
      },
      'eu-prod': {
        endpointEnv: 'WATI_API_ENDPOINT_EU_PROD',
        tokenEnv: 'WATI_API_TOKEN_EU_PROD',
        state: 'segsync.eu-prod.state.json',
      },
    });
    const settings = await resolveSettings(dir, { env: 'eu-prod' });
    expect(settings.configDiagnostics).toEqual([]);
    expect(settings.tokenVariable).toBe('WATI_API_TOKEN_EU_PROD');
    expect(settings.statePath).toBe(path.join(dir, 'segsync.eu-prod.state.json'));
    await expect(resolveSettings(dir, {})).rejects.toThrow(/--env/);

    const output = io.out.join('\n');
    expect(output).toContain('npx segsync validate --env dev');
    expect(output).toContain('WATI_API_ENDPOINT_EU_PROD, WATI_API_TOKEN_EU_PROD');
  });

  it('puts the names in both workflow matrices, with each environment’s secrets and state file', async () => {
    await runInit(dir, { environments: ['dev', 'eu-prod'] }, recordingIO(dir));
    const plan = parse(
      await readFile(path.join(dir, '.github/workflows/segsync-plan.yml'), 'utf8'),
    ) as {
      jobs: { plan: { strategy: { matrix: { environment: string[] } } } };
    };
    expect(plan.jobs.plan.strategy.matrix.environment).toEqual(['dev', 'eu-prod']);
    const apply = parse(
      await readFile(path.join(dir, '.github/workflows/segsync-apply.yml'), 'utf8'),
    ) as {
      jobs: { apply: { strategy: { matrix: { include: unknown[] } } } };
    };
    expect(apply.jobs.apply.strategy.matrix.include).toEqual([
      {
        environment: 'dev',
        'endpoint-secret': 'WATI_API_ENDPOINT_DEV',
        'token-secret': 'WATI_API_TOKEN_DEV',
        'state-file': 'segsync.dev.state.json',
      },
      {
        environment: 'eu-prod',
        'endpoint-secret': 'WATI_API_ENDPOINT_EU_PROD',
        'token-secret': 'WATI_API_TOKEN_EU_PROD',
        'state-file': 'segsync.eu-prod.state.json',
      },
    ]);
  });

  it('for the template’s own names, reproduces the templates byte for byte (comments kept)', async () => {
    await runInit(dir, { environments: ['staging', 'production'] }, recordingIO(dir));
    expect(await readFile(path.join(dir, 'segsync.config.yaml'), 'utf8')).toBe(
      await template('segsync.config.environments.yaml'),
    );
    expect(await readFile(path.join(dir, '.github/workflows/segsync-plan.yml'), 'utf8')).toBe(
      await template('github/environments/segsync-plan.yml'),
    );
    expect(await readFile(path.join(dir, '.github/workflows/segsync-apply.yml'), 'utf8')).toBe(
      await template('github/environments/segsync-apply.yml'),
    );
  });

  it('rejects names that cannot be environment, file or secret names', () => {
    expect(() => describeEnvironments([])).toThrow(UsageError);
    expect(() => describeEnvironments(['prod uction'])).toThrow(/cannot be an environment name/);
    expect(() => describeEnvironments(['-x'])).toThrow(UsageError);
    expect(() => describeEnvironments(['../x'])).toThrow(UsageError);
    expect(() => describeEnvironments(['eu-prod', 'EU_prod'])).toThrow(/would share the secrets/);
  });

  it('checks the names before writing anything', async () => {
    await expect(
      runInit(dir, { environments: ['ok', 'not ok'] }, recordingIO(dir)),
    ).rejects.toThrow(UsageError);
    expect(await listFiles(dir)).toEqual([]);
  });

  it('parses the comma-separated flag value', () => {
    expect(parseEnvironmentList(' staging, production ,,')).toEqual(['staging', 'production']);
  });
});

describe('segsync init and git merges of the state file', () => {
  it('marks the state file for the segsync merge driver and prints the one git config line', async () => {
    const io = recordingIO(dir);
    await runInit(dir, {}, io);
    expect(await readFile(path.join(dir, '.gitattributes'), 'utf8')).toMatch(
      /^segsync\.state\.json merge=segsync$/m,
    );
    expect(io.out.join('\n')).toContain(
      "git config merge.segsync.driver 'npx --no segsync state merge-driver %O %A %B'",
    );
  });

  it('with --environments, marks every environment state file', async () => {
    await runInit(dir, { environments: ['dev', 'eu-prod'] }, recordingIO(dir));
    const lines = (await readFile(path.join(dir, '.gitattributes'), 'utf8')).split('\n');
    expect(lines).toContain('segsync.dev.state.json merge=segsync');
    expect(lines).toContain('segsync.eu-prod.state.json merge=segsync');
  });

  it('adds its line to an existing .gitattributes, keeps what was there, and adds it only once', async () => {
    await writeFile(path.join(dir, '.gitattributes'), '*.png binary');
    const io = recordingIO(dir);
    await runInit(dir, {}, io);
    expect(io.out.join('\n')).toMatch(/updated\s+\.gitattributes/);
    await runInit(dir, {}, recordingIO(dir));
    expect(await readFile(path.join(dir, '.gitattributes'), 'utf8')).toBe(
      '*.png binary\nsegsync.state.json merge=segsync\n',
    );
  });
});
