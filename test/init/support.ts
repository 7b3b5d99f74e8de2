// Shared by the init suites: a CommandIO that records what a command prints, and temp dirs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CommandIO } from '../../src/application/io.js';
import { fastServices } from '../helpers/services.js';

export interface RecordingIO extends CommandIO {
  out: string[];
  err: string[];
}

export function recordingIO(cwd: string): RecordingIO {
  const out: string[] = [];
  const err: string[] = [];
  return {
    cwd,
    env: {},
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    isTTY: false,
    color: false,
    signal: new AbortController().signal,
    confirm: () => Promise.reject(new Error('init never asks')),
    readStdin: () => Promise.reject(new Error('init never reads stdin')),
    services: fastServices(),
  };
}

export function makeTempDir(prefix = 'segsync-init-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** The repository root: templates/, action.yml and examples/ live there. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export const SCAFFOLDED = [
  '.gitattributes',
  '.github/workflows/segsync-apply.yml',
  '.github/workflows/segsync-plan.yml',
  '.gitignore',
  '.prettierignore',
  '.vscode/settings.json',
  'segments/example.yaml',
  'segsync.config.yaml',
  // The empty state file of a new account: apply refuses to create without one.
  'segsync.state.json',
];
