// Runs the real `run:` scripts of CI files (GitHub workflows, the composite action, GitLab jobs)
// so the scaffolded pipelines are tested as written, not as a paraphrase that could drift.
//
// What it emulates of a runner, and no more: the step's `env:` with `${{ }}` property lookups
// (`steps.x.outputs.y`, `matrix.name`, `secrets[matrix.secret]`), a fresh GITHUB_OUTPUT file per
// step, and GitHub's default shell (`bash --noprofile --norc -eo pipefail`). Conditions (`if:`)
// and `uses:` steps are left to the test, which says which steps it runs and what they stand for.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

export interface WorkflowStep {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string | number | boolean>;
  with?: Record<string, string | number | boolean>;
  'working-directory'?: string;
}

interface StepContainer {
  steps?: WorkflowStep[];
}

/** Parses a GitHub workflow or action file. */
export async function loadYamlFile(file: string): Promise<Record<string, unknown>> {
  return parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

/** The steps of one job of a workflow file. */
export async function workflowSteps(file: string, job: string): Promise<WorkflowStep[]> {
  const workflow = await loadYamlFile(file);
  const jobs = workflow.jobs as Record<string, StepContainer> | undefined;
  const steps = jobs?.[job]?.steps;
  if (!steps) throw new Error(`${file} has no job "${job}" with steps.`);
  return steps;
}

/** The steps of a composite action (action.yml). */
export async function actionSteps(file: string): Promise<WorkflowStep[]> {
  const action = await loadYamlFile(file);
  const steps = (action.runs as StepContainer | undefined)?.steps;
  if (!steps) throw new Error(`${file} is not a composite action with steps.`);
  return steps;
}

/** The step whose `id` or `name` is `key`. */
export function findStep(steps: readonly WorkflowStep[], key: string): WorkflowStep {
  const step = steps.find((s) => s.id === key || s.name === key);
  if (!step) {
    const known = steps.map((s) => s.id ?? s.name ?? s.uses ?? '?').join(', ');
    throw new Error(`No step "${key}" (steps: ${known}).`);
  }
  return step;
}

/** The `run:` script of the step `key`. */
export function runScriptOf(steps: readonly WorkflowStep[], key: string): string {
  const step = findStep(steps, key);
  if (step.run === undefined) throw new Error(`Step "${key}" has no run: script.`);
  return step.run;
}

/** What `${{ }}` expressions can see: e.g. { steps: { plan: { outputs: {...} } }, matrix, secrets }. */
export type ExpressionContext = Record<string, unknown>;

/** Replaces each `${{ path }}` in `text`; a missing property becomes '' as on GitHub. */
export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    return stringify(evaluatePath(expression, context));
  });
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error('An expression yielded an object, not a value.');
}

// Property paths only: `a.b-c.d`, `a[b.c]`, `a['literal']`. Anything else is a test bug.
function evaluatePath(expression: string, context: ExpressionContext): unknown {
  let rest = expression.trim();
  const head = /^[A-Za-z_][\w-]*/.exec(rest);
  if (!head) throw new Error(`Unsupported expression: ${expression}`);
  let value: unknown = context[head[0]];
  rest = rest.slice(head[0].length);
  while (rest !== '') {
    let key: string;
    const dot = /^\.([A-Za-z_][\w-]*)/.exec(rest);
    const literal = /^\[\s*'([^']*)'\s*\]/.exec(rest);
    const index = /^\[\s*([A-Za-z_][\w.-]*)\s*\]/.exec(rest);
    if (dot) {
      key = dot[1]!;
      rest = rest.slice(dot[0].length);
    } else if (literal) {
      key = literal[1]!;
      rest = rest.slice(literal[0].length);
    } else if (index) {
      key = stringify(evaluatePath(index[1]!, context));
      rest = rest.slice(index[0].length);
    } else {
      throw new Error(`Unsupported expression: ${expression}`);
    }
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value;
}

export interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the script wrote to $GITHUB_OUTPUT. */
  outputs: Record<string, string>;
}

export interface RunOptions {
  /** The workspace; a step's `working-directory:` is resolved against it. */
  cwd: string;
  /** The process environment of the step (PATH, GITHUB_* ...); the step's own env: is added. */
  env: NodeJS.ProcessEnv;
  context?: ExpressionContext;
}

/** Runs one step's `run:` script as GitHub's default bash shell does. */
export async function runStep(step: WorkflowStep, options: RunOptions): Promise<StepRun> {
  if (step.run === undefined) throw new Error(`Step "${step.id ?? step.name}" has no run: script.`);
  const context = options.context ?? {};
  const stepEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.env ?? {})) {
    stepEnv[key] = interpolate(String(value), context);
  }
  const scratch = await mkdtemp(path.join(tmpdir(), 'segsync-step-'));
  try {
    const outputFile = path.join(scratch, 'output');
    await writeFile(outputFile, '');
    const script = interpolate(step.run, context);
    const workingDirectory = interpolate(step['working-directory'] ?? '.', context);
    const result = await runBash(
      script,
      path.resolve(options.cwd, workingDirectory),
      {
        ...options.env,
        ...stepEnv,
        GITHUB_OUTPUT: outputFile,
      },
      ['--noprofile', '--norc', '-eo', 'pipefail'],
    );
    return { ...result, outputs: parseOutputFile(await readFile(outputFile, 'utf8')) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `name=value` lines and `name<<DELIM` … `DELIM` blocks, as GitHub reads them. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

export interface GitlabJob {
  /** `before_script` then `script`: one shell session, as the runner runs them. */
  script: string;
  /** The global `variables:` overlaid with the job's own. */
  variables: Record<string, string>;
}

/** A GitLab CI job as the runner sees it, following `extends` (a shallow merge, as GitLab's). */
export async function loadGitlabJob(file: string, job: string): Promise<GitlabJob> {
  const pipeline = await loadYamlFile(file);
  const resolve = (name: string, seen: Set<string>): Record<string, unknown> => {
    const definition = pipeline[name] as Record<string, unknown> | undefined;
    if (!definition || seen.has(name)) throw new Error(`${file} has no job "${name}".`);
    seen.add(name);
    const parents = ([] as string[]).concat((definition.extends as string | string[]) ?? []);
    return Object.assign(
      {},
      ...parents.map((parent) => resolve(parent, seen)),
      definition,
    ) as Record<string, unknown>;
  };
  const resolved = resolve(job, new Set());
  const lines = [resolved.before_script, resolved.script].flatMap((part) =>
    part === undefined ? [] : ([] as string[]).concat(part as string | string[]),
  );
  const variables: Record<string, string> = {};
  for (const source of [pipeline.variables, resolved.variables]) {
    for (const [key, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
      variables[key] = stringify(value);
    }
  }
  return { script: lines.join('\n'), variables };
}

/** Runs a GitLab job's script as the runner's bash does (errexit and pipefail). */
export async function runGitlabScript(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Omit<StepRun, 'outputs'>> {
  return runBash(script, options.cwd, options.env, ['--noprofile', '--norc', '-eo', 'pipefail']);
}

/**
 * A directory holding stand-ins for `npx` and `npm`, so the workflows' install and run lines run
 * unchanged and offline. `npx [flags] segsync ARGS` runs the built CLI with this Node; `npm ci
 * [flags]` installs nothing and prints what it was asked (`npm stand-in: npm ci …`), since the
 * npx stand-in serves segsync. Prepend the directory to PATH.
 */
export async function createNpxShim(cliPath: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'segsync-npx-'));
  const npx = [
    '#!/usr/bin/env bash',
    '# Test stand-in for npx: skip npx flags, then run the built segsync CLI.',
    'while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done',
    'if [ "${1:-}" != segsync ]; then echo "npx shim: only segsync is available (got: $*)" >&2; exit 127; fi',
    'shift',
    `exec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} "$@"`,
    '',
  ].join('\n');
  const npm = [
    '#!/usr/bin/env bash',
    '# Test stand-in for npm: `npm ci` only, which installs nothing here.',
    'if [ "${1:-}" != ci ]; then echo "npm stand-in: only npm ci (got: $*)" >&2; exit 127; fi',
    'echo "npm stand-in: npm $*"',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'npx'), npx);
  await writeFile(path.join(dir, 'npm'), npm);
  await chmod(path.join(dir, 'npx'), 0o755);
  await chmod(path.join(dir, 'npm'), 0o755);
  return dir;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function runBash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  flags: string[],
): Promise<Omit<StepRun, 'outputs'>> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [...flags, '-c', script],
      { cwd, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`Could not run bash: ${error.message}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}
