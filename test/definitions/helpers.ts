// Shared by the definitions and config suites: fixture paths, temp dirs, and small lookups that
// keep assertions readable.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { findDefinitionFiles } from '../../src/definitions/find-files.js';
import {
  loadAndValidateDefinitions,
  readDefinitionFiles,
} from '../../src/definitions/load-definitions.js';
import type { ValidateOptions, ValidateResult } from '../../src/definitions/rules.js';
import { SegmentCollector } from '../../src/definitions/rules.js';
import type { Diagnostic } from '../../src/core/model.js';
import type { LoadedDocument } from '../../src/yaml/read.js';
import { parseYamlText } from '../../src/yaml/read.js';

/** test/fixtures/definitions, the working directory the fixture suites run "in". */
export const fixturesDir = fileURLToPath(new URL('../fixtures/definitions/', import.meta.url));

/** Loads and validates paths relative to `cwd` (the fixtures directory by default). */
export async function check(
  paths: string[],
  options: ValidateOptions & { cwd?: string } = {},
): Promise<ValidateResult> {
  const { segments, segmentCount, diagnostics } = await loadAndValidateDefinitions(paths, {
    ...options,
    cwd: options.cwd ?? fixturesDir,
  });
  return { segments, segmentCount, diagnostics };
}

/** Validates YAML text as if it were the file `segment.yaml`. */
export function checkText(text: string, options: ValidateOptions = {}): ValidateResult {
  const parsed = parseYamlText(text, 'segment.yaml');
  const collector = new SegmentCollector(options);
  for (const document of parsed.documents) collector.add(document);
  return collector.finish(parsed.diagnostics);
}

export interface LoadedFiles {
  files: string[];
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

/**
 * The loader's half of loadAndValidateDefinitions, keeping every parsed document so tests can
 * look at what was read: the same walk (find-files.ts) and the same per-file reading.
 */
export async function loadFiles(paths: string[], options: { cwd: string }): Promise<LoadedFiles> {
  const diagnostics: Diagnostic[] = [];
  const found = await findDefinitionFiles(paths, options.cwd, diagnostics);
  const documents: LoadedDocument[] = [];
  diagnostics.push(...readDefinitionFiles(found, (parsed) => documents.push(...parsed.documents)));
  return { files: found.map(({ file }) => file), documents, diagnostics };
}

/** Every diagnostic of one file, as `line:column code` plus the full object for details. */
export function diagnosticsOf(diagnostics: readonly Diagnostic[], file: string): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.file === file);
}

/** The one diagnostic at file:line:column (fails the test if there is not exactly one). */
export function diagnosticAt(
  diagnostics: readonly Diagnostic[],
  file: string,
  line: number,
  column: number,
): Diagnostic {
  const found = diagnostics.filter(
    (diagnostic) =>
      diagnostic.file === file && diagnostic.line === line && diagnostic.column === column,
  );
  if (found.length !== 1) {
    const all = diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`).join('\n');
    throw new Error(
      `expected one diagnostic at ${file}:${line}:${column}, found ${found.length}:\n${all}`,
    );
  }
  return found[0] as Diagnostic;
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-test-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Typed wrappers for vitest's asymmetric matchers (which are typed `any`). */
export function containing(text: string): string {
  return expect.stringContaining(text) as string;
}

export function matching(pattern: RegExp): string {
  return expect.stringMatching(pattern) as string;
}
