// `--format` offers exactly the names in the command's format registry (src/render/formats.ts):
// a format added there is offered at once, and no command keeps a list of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLY_RESULT_FORMATS,
  PLAN_FORMATS,
  STATE_LIST_FORMATS,
  VALIDATION_FORMATS,
} from '../../src/render/formats.js';
import { runCli } from '../helpers/cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'segsync-formats-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** What commander offers, read from its refusal of a format no registry has. */
async function offeredFormats(command: string[]): Promise<string[]> {
  const run = await runCli([...command, '--format', 'no-such-format'], { cwd });
  expect(run.code).toBe(1);
  const allowed = /Allowed choices are (.+)\.\n/.exec(run.stderr)?.[1];
  expect(allowed, run.stderr).toBeDefined();
  return (allowed ?? '').split(', ');
}

describe.each([
  ['validate', ['validate'], VALIDATION_FORMATS],
  ['plan', ['plan'], PLAN_FORMATS],
  ['apply', ['apply'], APPLY_RESULT_FORMATS],
  ['state list', ['state', 'list'], STATE_LIST_FORMATS],
] as const)('%s --format', (_name, command, registry) => {
  it("offers the registry's formats, in its order", async () => {
    expect(await offeredFormats([...command])).toEqual(Object.keys(registry));
  });

  it('has a renderer behind every name', async () => {
    for (const load of Object.values(registry)) {
      expect(await (load as () => Promise<unknown>)()).toBeTypeOf('function');
    }
  });
});
