// segsync init: scaffold a repository for segsync — config, an example definition, editor schema
// wiring and the two GitHub Actions workflows — from the real files under templates/. An existing
// file is never replaced: init is safe to run again.
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../diagnostics/display-path.js';
import { readBoundedFileAsync, readTextFileOrThrowAsync } from '../files/read.js';
import { terminalText } from '../render/sinks/terminal.js';
import { errorCode, ExitCode, UserError } from '../core/errors.js';
import type { EnvironmentScaffold } from './init-environments.js';
import {
  customizeApplyWorkflow,
  customizeConfig,
  customizePlanWorkflow,
  describeEnvironments,
} from './init-environments.js';
import type { CommandIO } from '../application/io.js';
import { addIgnorePatterns, IGNORE_FILES } from './init-ignore-files.js';
import { ensureGitAttributes, MERGE_DRIVER_CONFIG_COMMAND } from './init-gitattributes.js';
import { createStateFile } from '../state/session.js';

export interface InitOptions {
  /** Environment names: scaffold an `environments` config and matrix workflows. */
  environments?: string[];
}

/** A file init writes: its place in the user's repository and where its text comes from. */
interface ScaffoldFile {
  target: string;
  /** Relative to templates/. Dot-directories are stored without the dot (npm packs them badly). */
  template: string;
  customize?: (template: string, environments: readonly EnvironmentScaffold[]) => string;
  /** What to do by hand when the user's own file is kept. */
  whenKept?: string;
}

/** A scaffold file with its final text. */
export interface RenderedFile {
  target: string;
  content: string;
  whenKept?: string;
}

export const SCAFFOLD_FILES: readonly ScaffoldFile[] = [
  { target: 'segsync.config.yaml', template: 'segsync.config.yaml' },
  { target: 'segments/example.yaml', template: 'segments/example.yaml' },
  {
    target: '.vscode/settings.json',
    template: 'vscode/settings.json',
    whenKept:
      'to get editor checks, add to it: "yaml.schemas": { "./node_modules/segsync/schemas/segment.schema.json": ["segments/**/*.yaml"], "./node_modules/segsync/schemas/config.schema.json": ["segsync.config.yaml"] }',
  },
  { target: '.github/workflows/segsync-plan.yml', template: 'github/segsync-plan.yml' },
  { target: '.github/workflows/segsync-apply.yml', template: 'github/segsync-apply.yml' },
];

/** With --environments, these files come from other templates, rewritten for the names given. */
const ENVIRONMENT_VARIANTS: Readonly<Record<string, Omit<ScaffoldFile, 'target'>>> = {
  'segsync.config.yaml': {
    template: 'segsync.config.environments.yaml',
    customize: customizeConfig,
  },
  '.github/workflows/segsync-plan.yml': {
    template: 'github/environments/segsync-plan.yml',
    customize: customizePlanWorkflow,
  },
  '.github/workflows/segsync-apply.yml': {
    template: 'github/environments/segsync-apply.yml',
    customize: customizeApplyWorkflow,
  },
};

const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);

type Outcome = 'created' | 'updated' | 'identical' | 'kept' | 'exists';

interface Written {
  file: Pick<RenderedFile, 'target' | 'whenKept'>;
  outcome: Outcome;
}

export async function runInit(
  dir: string | undefined,
  options: InitOptions,
  io: CommandIO,
): Promise<number> {
  const environments =
    options.environments === undefined ? undefined : describeEnvironments(options.environments);
  const root = path.resolve(io.cwd, dir ?? '.');
  await ensureDirectory(root, io.cwd);

  const files = await renderScaffold(environments);
  const outcomes: Written[] = [];
  for (const file of files) {
    const outcome = await writeScaffoldFile(root, file, io.cwd);
    outcomes.push({ file, outcome });
  }
  for (const file of IGNORE_FILES) {
    outcomes.push({ file, outcome: await addIgnorePatterns(root, file) });
  }

  const stateFiles = environments
    ? environments.map((environment) => environment.stateFile)
    : ['segsync.state.json'];
  // An empty state file per account: apply refuses to create where there is none (a mistyped
  // path would create everything again), so a new repository starts with one.
  for (const target of stateFiles) {
    const created = await createStateFile(path.join(root, target), 'init');
    outcomes.push({ file: { target }, outcome: created === 'created' ? 'created' : 'exists' });
  }
  const attributes = await ensureGitAttributes(root, stateFiles);
  io.stdout(reportOutcomes(root, outcomes, io.cwd));
  if (attributes !== 'identical') {
    io.stdout(
      `  ${attributes === 'created' ? 'created ' : 'updated '}  .gitattributes (the state file merges with segsync's merge driver)`,
    );
  }
  io.stdout(
    [
      '',
      'To let git merge state files by meaning (never by hand), run once in each clone:',
      `  ${MERGE_DRIVER_CONFIG_COMMAND}`,
      '(git does not let a repository configure its own merge drivers.)',
    ].join('\n'),
  );
  const gitRoot = findGitRoot(root);
  if (gitRoot !== undefined && gitRoot !== root) {
    io.stderr(
      `Warning: ${shownPath(root, io.cwd)} is not the root of its Git repository (${shownPath(gitRoot, io.cwd)}). ` +
        'GitHub only runs workflows from .github/workflows at the repository root: move them there and add ' +
        '`working-directory:` to their steps.',
    );
  }
  if (outcomes.some(({ outcome }) => outcome === 'created' || outcome === 'updated')) {
    io.stdout(renderNextSteps(environments, await isSegsyncInstalled(root)));
  }
  return ExitCode.ok;
}

/** The files init would write, with their final text. */
export async function renderScaffold(
  environments?: readonly EnvironmentScaffold[],
): Promise<RenderedFile[]> {
  return Promise.all(
    SCAFFOLD_FILES.map(async (file) => {
      const source = (environments && ENVIRONMENT_VARIANTS[file.target]) || file;
      const template = await readFile(new URL(source.template, TEMPLATES_DIR), 'utf8');
      const content =
        environments && source.customize ? source.customize(template, environments) : template;
      return {
        target: file.target,
        content,
        ...(file.whenKept ? { whenKept: file.whenKept } : {}),
      };
    }),
  );
}

async function ensureDirectory(root: string, cwd: string): Promise<void> {
  try {
    await mkdir(root, { recursive: true });
  } catch (error) {
    throw new UserError(
      `Cannot create the directory ${displayPath(root, cwd)} (${errorCode(error) ?? 'unknown error'}).`,
      'Check the path given to `segsync init`.',
    );
  }
  if (!(await stat(root)).isDirectory()) {
    throw new UserError(
      `${displayPath(root, cwd)} is not a directory.`,
      'Give `segsync init` a directory.',
    );
  }
}

async function writeScaffoldFile(
  root: string,
  { target, content }: RenderedFile,
  cwd: string,
): Promise<Outcome> {
  const file = path.join(root, target);
  const shown = displayPath(file, cwd);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    // 'wx' creates or fails: no window in which a file appearing meanwhile gets overwritten.
    await writeFile(file, content, { flag: 'wx' });
    return 'created';
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw cannotWrite(shown, error);
  }
  // A FIFO or a device in the way is refused by name, never read (init would hang on a FIFO).
  const existing = await readTextFileOrThrowAsync(file, 'projectFile', shown, INIT_HINT);
  if (existing === undefined) throw cannotWrite(shown, undefined);
  return existing === content ? 'identical' : 'kept';
}

const INIT_HINT =
  'Check that the path is a writable file or can be created, then run `segsync init` again.';

function cannotWrite(file: string, error: unknown): UserError {
  return new UserError(`Cannot write ${file} (${errorCode(error) ?? 'unknown error'}).`, INIT_HINT);
}

function reportOutcomes(root: string, outcomes: readonly Written[], cwd: string): string {
  const labels: Record<Outcome, string> = {
    created: 'created ',
    updated: 'updated ',
    identical: 'exists  ',
    kept: 'skipped ',
    exists: 'exists  ',
  };
  const notes: Record<Outcome, string> = {
    created: '',
    updated: " (added segsync's entries)",
    identical: ' (same as the template)',
    kept: ' (exists and differs from the template; left unchanged)',
    exists: ' (left unchanged)',
  };
  const lines = [`segsync init in ${shownPath(root, cwd)}:`];
  for (const { file, outcome } of outcomes) {
    lines.push(`  ${labels[outcome]}  ${file.target}${notes[outcome]}`);
    if (outcome === 'kept' && file.whenKept) lines.push(`            ${file.whenKept}`);
  }
  const changed = outcomes.filter(({ outcome }) => outcome === 'created' || outcome === 'updated');
  if (changed.length === 0) {
    const kept = outcomes.some(({ outcome }) => outcome === 'kept');
    lines.push(
      '',
      `Nothing to do: all ${outcomes.length} files already exist and were left unchanged.` +
        (kept ? ' Compare the ones that differ with `segsync init` in an empty directory.' : ''),
    );
  }
  return lines.join('\n');
}

function renderNextSteps(
  environments: readonly EnvironmentScaffold[] | undefined,
  installed: boolean,
): string {
  const first = environments?.[0];
  const env = first ? ` --env ${first.name}` : '';
  const secrets = environments
    ? environments.map((e) => `       ${e.endpointVariable}, ${e.tokenVariable}`)
    : ['       WATI_API_ENDPOINT, WATI_API_TOKEN'];
  return [
    '',
    'Next steps:',
    ...numbered([
      ...(installed
        ? []
        : [
            [
              'npm install --save-dev segsync',
              'The workflows run only the version package-lock.json pins (and refuse to run without one); it also gives your editor the schemas the scaffold points at.',
            ],
          ]),
      [
        'Describe your segments in segments/, then check them:',
        `npx segsync validate${env} && npx segsync plan${env}`,
      ],
      [
        'Try apply without a Wati account: start `npx segsync emulator` and run apply with the',
        first
          ? `endpoint and token it prints (as ${first.endpointVariable} and ${first.tokenVariable})`
          : 'endpoint and token it prints',
        'plus --state /tmp/segsync-try.json --new-state, so your real state file never records the emulator.',
      ],
      [
        'Add the repository secrets (Settings → Secrets and variables → Actions):',
        ...secrets.map((line) => line.trim()),
        'If main is protected, let GitHub Actions push to it: CI commits the state after each apply.',
      ],
      ['Commit and open a pull request: the plan appears as a comment; merging applies it.'],
    ]),
  ].join('\n');
}

/** "  1. first line" then the step's other lines indented under it. */
function numbered(steps: readonly (readonly string[])[]): string[] {
  return steps.flatMap(([head, ...rest], index) => [
    `  ${index + 1}. ${head}`,
    ...rest.map((line) => `     ${line}`),
  ]);
}

/** segsync is already a dependency of the repository (the usual `npm i -D segsync && npx segsync init`). */
async function isSegsyncInstalled(root: string): Promise<boolean> {
  if (existsSync(path.join(root, 'node_modules', 'segsync', 'package.json'))) return true;
  try {
    const read = await readBoundedFileAsync(path.join(root, 'package.json'), 'projectFile');
    if (!read.ok) return false;
    const manifest = JSON.parse(read.bytes.toString('utf8')) as {
      dependencies?: Record<string, unknown>;
      devDependencies?: Record<string, unknown>;
    };
    return Boolean(manifest.devDependencies?.segsync ?? manifest.dependencies?.segsync);
  } catch {
    return false;
  }
}

/** The user's directory names are theirs, not segsync's: printed through the terminal sink. */
function shownPath(file: string, cwd: string): string {
  return terminalText(displayPath(file, cwd));
}

function findGitRoot(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
