// pushState / checkpointEvery from segsync.config.yaml: per environment where environments exist.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { resolveSettings } from '../../src/application/settings.js';
import { makeTempDir, removeDir } from '../state/fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(() => removeDir(dir));

const config = (text: string) => writeFile(path.join(dir, 'segsync.config.yaml'), text);

it('reads pushState and checkpointEvery at the top level', async () => {
  await config('pushState: true\ncheckpointEvery: 8\n');
  const settings = await resolveSettings(dir, {});
  expect(settings.pushState).toBe(true);
  expect(settings.config.checkpointEvery).toBe(8);
});

it("lets an environment's pushState override the top level, and name a branch", async () => {
  await config(
    'pushState: true\nenvironments:\n' +
      '  staging: { endpointEnv: A, tokenEnv: B, pushState: false }\n' +
      '  production: { endpointEnv: C, tokenEnv: D, pushState: origin/main }\n',
  );
  expect((await resolveSettings(dir, { env: 'staging' })).pushState).toBe(false);
  expect((await resolveSettings(dir, { env: 'production' })).pushState).toBe('origin/main');
});

it('refuses a pushState that is neither a boolean nor REMOTE/BRANCH', async () => {
  await config('pushState: main\n');
  const settings = await resolveSettings(dir, {}, [], 'report');
  expect(settings.configDiagnostics.map((d) => d.message).join('\n')).toMatch(/pushState/);
  // A command that does not report config problems refuses instead of using the defaults.
  await expect(resolveSettings(dir, {})).rejects.toThrow(/segsync\.config\.yaml:1:12: `pushState`/);
});
