// Hints keep the user's context: the environment they chose, the names their config defines, the
// files that actually have errors, and an empty definitions set they said was fine.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndValidate } from '../../src/application/validate-definitions.js';
import { resolveSettings } from '../../src/application/settings.js';
import { UsageError } from '../../src/core/errors.js';
import { computePlan } from '../../src/plan/compute.js';
import { renderPlanText } from '../../src/render/text.js';
import { renderValidationText } from '../../src/render/validation-text.js';
import { withTempDir } from '../definitions/helpers.js';
import { definition, dynamicPayload, stateOf } from '../helpers/builders.js';

const ENVIRONMENTS = `environments:
  staging:
    endpointEnv: WATI_API_ENDPOINT_STAGING
    tokenEnv: WATI_API_TOKEN_STAGING
    state: segsync.staging.state.json
  live:
    endpointEnv: WATI_API_ENDPOINT_LIVE
    tokenEnv: WATI_API_TOKEN_LIVE
    state: segsync.live.state.json
`;

async function usageErrorOf(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('--env hints', () => {
  it('a missing --env suggests the names the config defines', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'segsync.config.yaml'), ENVIRONMENTS);
      const error = await usageErrorOf(resolveSettings(dir, {}));
      expect(error.hint).toContain('--env live or --env staging');
      expect(error.hint).not.toContain('production');
    });
  });

  it('a prefix or a typo gets "did you mean"', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'segsync.config.yaml'), ENVIRONMENTS);
      expect((await usageErrorOf(resolveSettings(dir, { env: 'stag' }))).hint).toMatch(
        /^Did you mean --env staging\?/,
      );
      expect((await usageErrorOf(resolveSettings(dir, { env: 'stagign' }))).hint).toMatch(
        /^Did you mean --env staging\?/,
      );
      expect((await usageErrorOf(resolveSettings(dir, { env: 'qa' }))).hint).not.toContain(
        'Did you mean',
      );
    });
  });
});

describe('plan verdict', () => {
  it('names the environment in the apply command it suggests', () => {
    const plan = computePlan({
      segments: [definition(dynamicPayload('India'))],
      validationDiagnostics: [],
      state: stateOf(),
      options: { environment: 'production' },
    });
    expect(renderPlanText(plan)).toContain('Run `segsync apply --env production` to create it.');
  });
});

describe('validate summary', () => {
  it('counts the files that have errors, not every file read', () => {
    const error = (file: string) => ({
      severity: 'error' as const,
      code: 'wrong-type' as const,
      message: 'Broken.',
      file,
      line: 1,
      column: 1,
    });
    const text = renderValidationText({
      segments: 3,
      files: 4,
      diagnostics: [error('a.yaml'), error('a.yaml')],
    });
    expect(text.split('\n').at(-1)).toBe('✖ 2 errors in 1 file (4 checked)');
  });
});

describe('--allow-empty', () => {
  it('passes when the definitions directory does not exist (a warning says so)', async () => {
    await withTempDir(async (dir) => {
      const settings = await resolveSettings(dir, {});
      const strict = await loadAndValidate(settings, dir);
      expect(strict.diagnostics.map((d) => [d.severity, d.code])).toEqual([
        ['error', 'path-not-found'],
      ]);
      const allowed = await loadAndValidate(settings, dir, { allowEmpty: true });
      expect(allowed.diagnostics.map((d) => [d.severity, d.code])).toEqual([
        ['warning', 'path-not-found'],
      ]);
      await mkdir(path.join(dir, 'segments'));
      expect((await loadAndValidate(settings, dir, { allowEmpty: true })).diagnostics).toEqual([]);
    });
  });
});
