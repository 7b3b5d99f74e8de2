// Shared builders for the state tests, and a way to run the real state modules in a child process.

import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import type { CreatedEntry, PendingEntry, WatiPayload } from '../../src/core/model.js';
import { digestOf } from '../../src/core/canonical-json.js';
import type { State } from '../../src/core/model.js';
import { serializeState } from '../../src/state/file.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function payloadFor(name: string): WatiPayload {
  return {
    name,
    refreshType: 2,
    groups: [{ conditions: [{ attribute: 'country', operator: '==', value: 'India' }] }],
  };
}

export function pendingFor(
  name: string,
  startedAt = '2026-11-26T10:00:00.000Z',
): Omit<PendingEntry, 'status'> {
  const payload = payloadFor(name);
  return { payload, digest: digestOf(payload), startedAt, source: `segments/${name}.yaml` };
}

export function createdFor(name: string, id: string): Omit<CreatedEntry, 'status'> {
  const payload = payloadFor(name);
  return {
    id,
    payload,
    digest: digestOf(payload),
    createdAt: '2026-11-26T10:00:01.000Z',
    source: `segments/${name}.yaml`,
    recordedBy: 'apply',
  };
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'segsync-state-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** The pid of a process that has exited: nothing runs under it (barring an unlikely reuse). */
export async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  const pid = child.pid;
  await new Promise((resolve) => child.on('exit', resolve));
  if (pid === undefined) throw new Error('could not spawn a child process');
  return pid;
}

export const execNode = promisify(execFile);

/**
 * Transpiles every module of src/ into a temp tree that mirrors the repository (so
 * `../../schemas/state.schema.json` still resolves), for child processes: plain
 * `node` cannot import .ts on Node 20, and dist/ may not exist or be stale. node_modules is
 * symlinked so `ajv` resolves.
 */
export async function buildStateModules(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'segsync-state-build-'));
  // Every module of src/, so a module the state code comes to import cannot be forgotten here.
  const sources = (await readdir(join(REPO_ROOT, 'src'), { recursive: true }))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `src/${name.split(sep).join('/')}`);
  for (const source of sources) {
    const text = await readFile(join(REPO_ROOT, source), 'utf8');
    const output = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    }).outputText;
    const target = join(root, source.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, output);
  }
  await cp(join(REPO_ROOT, 'schemas'), join(root, 'schemas'), { recursive: true });
  await writeFile(join(root, 'package.json'), '{ "type": "module" }\n');
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** Writes a state file as segsync would (for setting up a test, not under the state lock). */
export async function writeStateFile(path: string, state: State): Promise<void> {
  await writeFile(path, serializeState(state));
}
