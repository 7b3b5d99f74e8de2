// Golden files: what the CLI prints (stdout, stderr, exit code) for validate, plan, apply and
// state on the test fixtures and the example segments/, compared byte for byte. They pin the
// user-visible behaviour so that a refactoring that changes a single character fails here.
//
// To (re)record them after a DELIBERATE change of output:
//
//   UPDATE_GOLDEN=1 npx vitest run test/golden
//
// then review `git diff test/golden/` line by line: every changed golden is a behaviour change
// and must be explained in the commit message.
//
// What varies from run to run is normalised before comparing, never left out: the temporary
// directory (<tmp>), the emulator's port (<port>), ISO timestamps (<time>), apply durations, and
// the plan and state checksums that cover those.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import { runCli } from '../helpers/cli.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const goldenDir = path.join(here, 'files');
const update = process.env.UPDATE_GOLDEN === '1';

/** The definition sets the goldens run on, each copied to `<tmp>/<set>/segments/`. */
const SETS: Record<string, string> = {
  examples: path.join(root, 'segments'),
  valid: path.join(root, 'test/fixtures/definitions/valid'),
  invalid: path.join(root, 'test/fixtures/definitions/invalid'),
  duplicates: path.join(root, 'test/fixtures/definitions/duplicates'),
};

let tmp: string;
let emulator: EmulatorHandle | undefined;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'segsync-golden-'));
  for (const [set, source] of Object.entries(SETS)) {
    await cp(source, path.join(tmp, set, 'segments'), { recursive: true });
  }
});

afterAll(async () => {
  await emulator?.close();
  await rm(tmp, { recursive: true, force: true });
});

function normalise(text: string): string {
  let out = text.split(tmp).join('<tmp>');
  if (emulator) {
    out = out.split(String(emulator.port)).join('<port>');
    // A state holds timestamps and the endpoint's port, so checksums over it vary too.
    out = out.replace(
      /("(?:stateChecksum|checksum|planChecksum)": )"sha256:[0-9a-f]{64}"/g,
      '$1"<checksum>"',
    );
    out = out.replace(/Plan checksum `sha256:[0-9a-f]{64}`/g, 'Plan checksum `<checksum>`');
  }
  out = out.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>');
  out = out.replace(/\(\d+\.\d s\)/g, '(<duration> s)');
  // How many creates overlapped depends on timing; the limit does not.
  out = out.replace(
    /\(\d+\.\d s, at most \d+ of (\d+) in flight\)/g,
    '(<duration> s, at most <n> of $1 in flight)',
  );
  out = out.replace(/"maxInFlight": \d+/g, '"maxInFlight": <n>');
  out = out.replace(/"durationMs": \d+/g, '"durationMs": <ms>');
  out = out.replace(/"ms": \d+/g, '"ms": <ms>');
  return out;
}

async function expectGolden(name: string, actual: string): Promise<void> {
  const file = path.join(goldenDir, name);
  if (update) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, actual);
    return;
  }
  const expected = await readFile(file, 'utf8').catch(() => {
    throw new Error(`golden ${name} is missing: record it with UPDATE_GOLDEN=1`);
  });
  expect(actual).toBe(expected);
}

async function golden(
  name: string,
  set: string,
  argv: string[],
  env: Record<string, string> = {},
): Promise<void> {
  const run = await runCli(argv, { cwd: path.join(tmp, set), env });
  const recorded =
    `$ segsync ${argv.join(' ')}\n` +
    `exit: ${run.code}\n` +
    `--- stdout\n${normalise(run.stdout)}` +
    `--- stderr\n${normalise(run.stderr)}`;
  await expectGolden(`${name}.txt`, recorded);
}

describe('golden: help', () => {
  const commands = [
    [],
    ['validate'],
    ['plan'],
    ['apply'],
    ['state'],
    ['state', 'list'],
    ['state', 'show'],
    ['state', 'resolve'],
    ['state', 'forget'],
    ['state', 'unlock'],
    ['init'],
    ['schema'],
    ['emulator'],
  ];
  for (const command of commands) {
    it(`segsync ${command.join(' ')} --help`, () =>
      golden(`help/${command.join('-') || 'segsync'}`, 'examples', [...command, '--help']));
  }
  it('an unknown option', () => golden('help/unknown-option', 'examples', ['plan', '--colour']));
  it('a format that does not exist', () =>
    golden('help/bad-format', 'examples', ['validate', '--format', 'xml']));
  it('a concurrency that is not a number', () =>
    golden('help/bad-concurrency', 'examples', ['apply', '--concurrency', 'four']));
});

describe('golden: validate', () => {
  for (const set of Object.keys(SETS)) {
    for (const format of ['text', 'json', 'github', 'markdown']) {
      it(`${set} --format ${format}`, () =>
        golden(`validate/${set}.${format}`, set, ['validate', '--format', format]));
    }
  }
  it('a single file given as a path', () =>
    golden('validate/valid.path', 'valid', ['validate', 'segments/vip.yaml']));
  it('an empty directory', async () => {
    await mkdir(path.join(tmp, 'empty', 'segments'), { recursive: true });
    await golden('validate/empty', 'empty', ['validate']);
  });
  it('a path that does not exist', () =>
    golden('validate/missing-path', 'valid', ['validate', 'nowhere']));
});

describe('golden: plan (no state yet)', () => {
  for (const set of Object.keys(SETS)) {
    for (const format of ['text', 'json', 'github', 'markdown']) {
      it(`${set} --format ${format}`, () =>
        golden(`plan/${set}.${format}`, set, ['plan', '--format', format]));
    }
  }
  it('markdown with contact IDs shown', () =>
    golden('plan/examples.markdown-ids', 'examples', [
      'plan',
      '--format',
      'markdown',
      '--show-contact-ids',
    ]));
  it('--detailed-exitcode', () =>
    golden('plan/examples.detailed', 'examples', ['plan', '--detailed-exitcode']));
});

// One life of the example repository against the emulator: apply, plan again, change a
// definition, remove one, and the state commands. Concurrency 1 keeps the order deterministic.
describe('golden: apply and state against the emulator', () => {
  const set = 'life';
  let env: Record<string, string>;

  beforeAll(async () => {
    await cp(SETS.examples!, path.join(tmp, set, 'segments'), { recursive: true });
    // What `segsync init` writes: the empty state file of a new account.
    await writeFile(path.join(tmp, set, 'segsync.state.json'), EMPTY_STATE);
    emulator = await startEmulator({ seed: 1 });
    env = { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token };
  });

  it('apply --format json', () =>
    golden('life/1-apply.json', set, ['apply', '--yes', '--concurrency', '1', '-f', 'json'], env));
  it('state list', () => golden('life/2-state-list', set, ['state', 'list'], env));
  it('state list --format json', () =>
    golden('life/2-state-list.json', set, ['state', 'list', '--format', 'json'], env));
  it('state show', () => golden('life/2-state-show', set, ['state', 'show', 'VIP Customers'], env));
  it('the state file', async () => {
    await expectGolden(
      'life/2-state-file.json',
      normalise(await readFile(path.join(tmp, set, 'segsync.state.json'), 'utf8')),
    );
  });
  it('plan after apply, every format', async () => {
    for (const format of ['text', 'json', 'github', 'markdown']) {
      await golden(`life/3-plan.${format}`, set, ['plan', '--format', format], env);
    }
    await golden('life/3-plan.show-unchanged', set, ['plan', '--show-unchanged'], env);
  });
  it('plan with a changed and a removed definition, every format', async () => {
    const dir = path.join(tmp, set, 'segments');
    const vip = path.join(dir, 'vip-customers.yaml');
    await writeFile(vip, (await readFile(vip, 'utf8')).replace("'12345'", "'12345'\n  - '99999'"));
    await rm(path.join(dir, 'dach-newsletter.yaml'));
    await writeFile(
      path.join(dir, 'new.yaml'),
      'name: Brand New\nrefreshType: static\ncontactIds: ["42", "43"]\n',
    );
    for (const format of ['text', 'json', 'github', 'markdown']) {
      await golden(`life/4-plan-changed.${format}`, set, ['plan', '--format', format], env);
    }
    await golden('life/4-plan-allow-changed', set, ['plan', '--allow-changed'], env);
  });
  it('apply --format text with a changed segment, then allowed', async () => {
    await golden('life/5-apply-refused', set, ['apply', '--yes'], env);
    await golden(
      'life/5-apply-allowed',
      set,
      ['apply', '--yes', '--allow-changed', '--concurrency', '1'],
      env,
    );
  });
  it('state forget, resolve, unlock', async () => {
    await golden('life/6-forget', set, ['state', 'forget', 'DACH newsletter subscribers'], env);
    await golden('life/6-forget-unknown', set, ['state', 'forget', 'Nobody'], env);
    await golden(
      'life/6-resolve-not-pending',
      set,
      ['state', 'resolve', 'Brand New', '--absent'],
      env,
    );
    await golden('life/6-unlock-none', set, ['state', 'unlock'], env);
  });
  it('a broken state file', async () => {
    const file = path.join(tmp, set, 'segsync.state.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"segments": {', '"segments": {,'));
    await golden('life/7-broken-state', set, ['plan'], env);
    await writeFile(file, text.slice(0, text.length / 2));
    await golden('life/7-truncated-state', set, ['state', 'list'], env);
    await writeFile(file, text);
  });
  it('an unknown outcome: plan, state list, resolve', async () => {
    const file = path.join(tmp, set, 'segsync.state.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as {
      segments: Record<string, Record<string, unknown>>;
    };
    const india = state.segments['Customers from India']!;
    state.segments['Customers from India'] = {
      status: 'pending',
      payload: india.payload,
      digest: india.digest,
      startedAt: '2026-01-01T00:00:00.000Z',
      source: india.source,
      reason: 'connection reset after the request was sent',
    };
    await writeFile(file, JSON.stringify(state, null, 2));
    for (const format of ['text', 'json', 'github', 'markdown']) {
      await golden(`life/8-plan-unknown.${format}`, set, ['plan', '--format', format], env);
    }
    await golden('life/8-apply-unknown', set, ['apply', '--yes', '--allow-changed'], env);
    await golden('life/8-state-list', set, ['state', 'list'], env);
    await golden('life/8-resolve-usage', set, ['state', 'resolve', 'Customers from India'], env);
    await golden(
      'life/8-resolve-id',
      set,
      ['state', 'resolve', 'Customers from India', '--id', 'abc123'],
      env,
    );
    await golden('life/8-state-show', set, ['state', 'show', 'Customers from India'], env);
  });
  it('a saved plan: plan --out, then apply it', async () => {
    await writeFile(
      path.join(tmp, set, 'segments', 'saved.yaml'),
      'name: Saved Plan Segment\nrefreshType: static\ncontactIds: ["7"]\n',
    );
    await golden('life/9-plan-out', set, ['plan', '--allow-changed', '--out', 'plan.json'], env);
    await expectGolden(
      'life/9-plan-file.json',
      normalise(await readFile(path.join(tmp, set, 'plan.json'), 'utf8')),
    );
    await golden(
      'life/9-apply-saved',
      set,
      ['apply', 'plan.json', '--yes', '--allow-changed', '-f', 'text'],
      env,
    );
    await golden(
      'life/9-apply-saved-again',
      set,
      ['apply', 'plan.json', '--yes', '--allow-changed'],
      env,
    );
  });
});
