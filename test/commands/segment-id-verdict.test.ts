// One segment id rule wherever an id enters (issue 18): `state resolve --id`, `state adopt --id`
// and a create's answer from the server give the same verdict on the same id — kept as it is
// (surrounding whitespace removed), or refused (a server's id is then recorded as created with a
// placeholder saying why, never as a failure). Each path is run as a user runs it: the commands
// in-process, the create against a real HTTP server on 127.0.0.1.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../../src/core/model.js';
import { serializeState } from '../../src/state/file.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';
import { pending, staticPayload, stateOf } from '../helpers/builders.js';
import { runCli } from '../helpers/cli.js';
import type { LocalServer } from '../wati/local-server.js';
import { reply, startServer } from '../wati/local-server.js';

const NAME = 'VIP Customers';
const DEFINITION = `name: ${NAME}\nrefreshType: static\ncontactIds: ["4915100000001"]\n`;

let root: string;
let server: LocalServer;
/** The id the server answers the next create with. */
let answerId = '';

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'segsync-id-verdict-'));
  server = await startServer((_request, response) =>
    reply(response, 200, { result: true, info: { id: answerId, name: NAME } }),
  );
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

type Verdict = 'kept' | 'refused';

/** A fresh project: the definition, and the state file `state` (empty by default). */
async function project(state = EMPTY_STATE): Promise<string> {
  const cwd = await mkdtemp(path.join(root, 'project-'));
  await mkdir(path.join(cwd, 'segments'));
  await writeFile(path.join(cwd, 'segments', 'vip.yaml'), DEFINITION);
  await writeFile(path.join(cwd, 'segsync.state.json'), state);
  return cwd;
}

async function recordedId(cwd: string): Promise<string | undefined> {
  const state = JSON.parse(await readFile(path.join(cwd, 'segsync.state.json'), 'utf8')) as State;
  const entry = state.segments[NAME];
  return entry?.status === 'created' ? entry.id : undefined;
}

/** `state VERB NAME --id ID` in `cwd`: the id recorded as typed (trimmed), or refused unrecorded. */
async function viaIdFlag(verb: 'resolve' | 'adopt', id: string, cwd: string): Promise<Verdict> {
  const run = await runCli(['state', verb, NAME, '--id', id], { cwd });
  if (run.code === 0) {
    expect(await recordedId(cwd)).toBe(id.trim());
    return 'kept';
  }
  expect(run.stderr).toContain('not a usable segment id');
  expect(await recordedId(cwd)).toBeUndefined();
  return 'refused';
}

/** `state resolve` settles the unknown outcome of a create. */
async function viaResolve(id: string): Promise<Verdict> {
  return viaIdFlag(
    'resolve',
    id,
    await project(serializeState(stateOf(pending(staticPayload(NAME))))),
  );
}

/** `state adopt` records a segment made in the dashboard. */
async function viaAdopt(id: string): Promise<Verdict> {
  return viaIdFlag('adopt', id, await project());
}

/**
 * `apply`, the server answering the create with `id`: the segment exists either way. An id that
 * cannot be kept is recorded with a placeholder; a blank one is no id at all, so the outcome is
 * left unknown for `state resolve --id` (exit 3). Neither keeps what the server sent.
 */
async function viaServer(id: string): Promise<Verdict> {
  const cwd = await project();
  answerId = id;
  const run = await runCli(['apply', '--yes'], {
    cwd,
    env: { WATI_API_ENDPOINT: `${server.origin}/123456`, WATI_API_TOKEN: 'Bearer test-token' },
  });
  const recorded = await recordedId(cwd);
  if (id.trim() === '') {
    expect(run.code).toBe(3);
    expect(run.stdout + run.stderr).toContain('result true but no segment id');
    expect(recorded).toBeUndefined();
    return 'refused';
  }
  expect(run.code).toBe(0);
  if (recorded === id.trim()) return 'kept';
  expect(recorded).toMatch(/^\[id not kept: Wati's answer was not a usable id: /);
  return 'refused';
}

async function verdicts(id: string): Promise<Verdict[]> {
  return [await viaResolve(id), await viaAdopt(id), await viaServer(id)];
}

describe('the same id verdict from state resolve, state adopt and a server answer', () => {
  it('keeps an id of 200 emoji (200 characters, 400 UTF-16 units) on every path', async () => {
    const emoji = '😀'.repeat(200);
    expect(emoji).toHaveLength(400);
    expect(await verdicts(emoji)).toEqual(['kept', 'kept', 'kept']);
  });

  it('refuses an id with a no-break space inside on every path', async () => {
    expect(await verdicts('seg\u00a042')).toEqual(['refused', 'refused', 'refused']);
  });

  it('agrees on any id: printable, hidden characters, spaces, long ones', async () => {
    const piece = fc.constantFrom(
      'a',
      'Z',
      '7',
      '-',
      'é',
      '😀',
      ' ',
      '\u00a0',
      '\u200b',
      '\u202e',
      '\u0007',
      '\n',
      '\ud800',
      '\ue000',
      '\u3000',
    );
    const id = fc.oneof(
      fc.array(piece, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')),
      fc
        .tuple(fc.constantFrom('a', '😀'), fc.integer({ min: 250, max: 260 }))
        .map(([unit, count]) => unit.repeat(count)),
    );
    await fc.assert(
      fc.asyncProperty(id, async (candidate) => {
        const [first, ...others] = await verdicts(candidate);
        for (const other of others) expect(other).toBe(first);
      }),
      { numRuns: 15 },
    );
  });
});
