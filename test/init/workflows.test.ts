// What the scaffolded CI files must promise, checked on the parsed files; and the PR-comment
// script, run as github-script runs it, against a fake GitHub client.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findStep, loadYamlFile, workflowSteps } from '../helpers/workflow-steps.js';
import type { WorkflowStep } from '../helpers/workflow-steps.js';
import { interpolate } from '../helpers/workflow-steps.js';
import { REPO_ROOT } from './support.js';

const templates = path.join(REPO_ROOT, 'templates/github');
const variants = [
  { label: 'single environment', dir: templates, matrix: {} as Record<string, string> },
  {
    label: 'environments',
    dir: path.join(templates, 'environments'),
    matrix: { environment: 'staging' } as Record<string, string>,
  },
];

interface Job {
  if?: string;
  permissions?: unknown;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  strategy?: { 'fail-fast'?: boolean };
  steps: WorkflowStep[];
}
interface Workflow {
  on: Record<string, { paths?: string[]; branches?: string[] } | null>;
  permissions: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const load = async (file: string) => (await loadYamlFile(file)) as unknown as Workflow;

describe.each(variants)('the GitHub workflows ($label)', ({ dir, matrix }) => {
  it('plan: runs on pull requests touching definitions, config or state, with least permissions', async () => {
    const workflow = await load(path.join(dir, 'segsync-plan.yml'));
    const paths = workflow.on.pull_request?.paths ?? [];
    expect(paths).toContain('segments/**');
    expect(paths).toContain('segsync.config.yaml');
    expect(paths.some((p) => p.startsWith('segsync.') && p.endsWith('state.json'))).toBe(true);
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(workflow.concurrency).toEqual({
      group: 'segsync-plan-${{ github.event.pull_request.number }}',
      'cancel-in-progress': true,
    });
  });

  it('plan: validates and plans with annotations, keeps the exit codes, and maps them at the end', async () => {
    const steps = await workflowSteps(path.join(dir, 'segsync-plan.yml'), 'plan');
    expect(findStep(steps, 'validate').run).toMatch(
      /npx --no segsync validate .*--format github \|\| code=\$\?/,
    );
    const plan = findStep(steps, 'plan').run!;
    expect(plan).toMatch(/segsync plan .*--format github --detailed-exitcode \|\| code=\$\?/);
    expect(plan).toMatch(/segsync plan .*--format markdown > plan\.md/);
    const result = findStep(steps, 'Result');
    expect(result.if).toBe('${{ !cancelled() }}');
    expect(result.run).toMatch(/2\) echo/);
    const comment = findStep(steps, 'Comment the plan');
    expect(comment.uses).toMatch(/^actions\/github-script@[0-9a-f]{40}$/);
    expect(comment.if).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    expect(interpolate(String(comment.env?.PLAN_MARKER), { matrix })).toBe(
      matrix.environment
        ? `<!-- segsync:plan env=${matrix.environment} -->`
        : '<!-- segsync:plan -->',
    );
  });

  it('apply: on push to main and by hand, one at a time per environment, never cancelled', async () => {
    const workflow = await load(path.join(dir, 'segsync-apply.yml'));
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(workflow.on.push?.paths).toContain('segments/**');
    expect('workflow_dispatch' in workflow.on).toBe(true);
    expect(workflow.permissions).toEqual({ contents: 'write' });
    const job = workflow.jobs.apply!;
    const concurrency = workflow.concurrency ?? job.concurrency;
    expect(concurrency?.['cancel-in-progress']).toBe(false);
    expect(interpolate(concurrency!.group, { matrix })).toBe(
      `segsync-apply-${matrix.environment ?? 'default'}`,
    );
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    if (matrix.environment) expect(job.strategy?.['fail-fast']).toBe(false);
  });

  it('apply: commits the state file whatever apply did, with [skip ci] and the bot identity', async () => {
    const steps = await workflowSteps(path.join(dir, 'segsync-apply.yml'), 'apply');
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.ref).toBe('${{ github.ref }}');
    const apply = findStep(steps, 'apply');
    // The state reaches main before the creates it covers; refused up front when it cannot.
    expect(apply.run).toMatch(
      /segsync apply .*--yes --push-state="origin\/\$BRANCH" \|\| code=\$\?/,
    );
    expect(apply.env?.BRANCH).toBe('${{ github.ref_name }}');
    expect(apply.run!.indexOf('git config user.name "github-actions[bot]"')).toBeLessThan(
      apply.run!.indexOf('segsync apply'),
    );
    expect(apply.run).toContain('echo "exit-code=$code" >> "$GITHUB_OUTPUT"');
    const commit = findStep(steps, 'commit');
    expect(commit.if).toBe('always()');
    expect(String(commit.env?.COMMIT_MESSAGE)).toContain('[skip ci]');
    expect(commit.run).toContain('git config user.name "github-actions[bot]"');
    expect(commit.run).toContain(
      'git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
    );
    expect(commit.run).toMatch(/git pull --quiet --rebase/);
    const artifact = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(artifact?.if).toBe('always()');
    const result = findStep(steps, 'Result');
    expect(result.if).toBe('always()');
    expect(steps.indexOf(result)).toBe(steps.length - 1);
  });

  it('never paste expressions into scripts', async () => {
    for (const [file, job] of [
      ['segsync-plan.yml', 'plan'],
      ['segsync-apply.yml', 'apply'],
    ] as const) {
      for (const step of await workflowSteps(path.join(dir, file), job)) {
        // Values reach scripts through env: (no script injection, and the tests can run them).
        if (step.run !== undefined) expect(step.run, `${file} ${step.name}`).not.toContain('${{');
      }
    }
  });

  it('run only the segsync the lockfile pins, without install scripts, and leave no token in .git', async () => {
    for (const [file, job] of [
      ['segsync-plan.yml', 'plan'],
      ['segsync-apply.yml', 'apply'],
    ] as const) {
      const steps = await workflowSteps(path.join(dir, file), job);
      const scripts = steps.map((step) => step.run ?? '').join('\n');
      // Never a download of whatever `segsync` names today.
      expect(scripts).not.toMatch(/npx (--yes|-y)\b/);
      for (const call of scripts.match(/npx [^\n]*segsync/g) ?? []) {
        expect(call).toMatch(/^npx --no segsync/);
      }
      const install = findStep(steps, 'install').run!;
      expect(install).toContain('node_modules/segsync');
      expect(install).toContain('npm ci --ignore-scripts');
      // The checkout stores no token for later steps (the apply steps get theirs through env).
      const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkout?.with?.['persist-credentials']).toBe(false);
    }
  });

  it('pin every action to a full commit SHA, with its version in a comment', async () => {
    for (const file of ['segsync-plan.yml', 'segsync-apply.yml']) {
      const text = await readFile(path.join(dir, file), 'utf8');
      const uses = text.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) {
        expect(line).toMatch(/uses: actions\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it('hand the token to segsync through env only', async () => {
    const steps = await workflowSteps(path.join(dir, 'segsync-apply.yml'), 'apply');
    const withSecrets = steps.filter((s) => JSON.stringify(s).includes('secrets'));
    expect(withSecrets.map((s) => s.id)).toEqual(['apply']);
    // Nothing prints a token; the credential helper's echo answers git, not the log.
    const printed = findStep(steps, 'apply')
      .run!.split('\n')
      .filter((line) => !line.trim().startsWith('git config credential.helper'));
    expect(printed.join('\n')).not.toMatch(/echo .*TOKEN/);
  });
});

// --- The comment script, executed as actions/github-script executes it ------------------------

interface FakeComment {
  id: number;
  body: string;
  user: { type: 'Bot' | 'User' };
  html_url: string;
}

function fakeGitHub(initial: FakeComment[]) {
  const comments = [...initial];
  const calls: string[] = [];
  const rest = {
    issues: {
      listComments: (params: { issue_number: number }) => {
        calls.push(`list #${params.issue_number}`);
        return Promise.resolve({ data: comments });
      },
      createComment: (params: { issue_number: number; body: string }) => {
        const comment: FakeComment = {
          id: 100 + comments.length,
          body: params.body,
          user: { type: 'Bot' },
          html_url: `https://github.test/c/${100 + comments.length}`,
        };
        comments.push(comment);
        calls.push(`create #${params.issue_number}`);
        return Promise.resolve({ data: comment });
      },
      updateComment: (params: { comment_id: number; body: string }) => {
        const comment = comments.find((c) => c.id === params.comment_id)!;
        comment.body = params.body;
        calls.push(`update ${params.comment_id}`);
        return Promise.resolve({ data: comment });
      },
    },
  };
  return {
    comments,
    calls,
    github: {
      rest,
      paginate: async (method: (p: unknown) => Promise<{ data: FakeComment[] }>, params: unknown) =>
        (await method(params)).data,
    },
  };
}

async function runCommentScript(
  dir: string,
  matrix: Record<string, string>,
  github: unknown,
  planText: string | undefined,
): Promise<string[]> {
  const steps = await workflowSteps(path.join(dir, 'segsync-plan.yml'), 'plan');
  const step = findStep(steps, 'Comment the plan');
  const scratch = await mkdtemp(path.join(tmpdir(), 'segsync-comment-'));
  try {
    const planFile = path.join(scratch, 'plan.md');
    if (planText !== undefined) await writeFile(planFile, planText);
    const env = {
      PLAN_MARKER: interpolate(String(step.env?.PLAN_MARKER), { matrix }),
      PLAN_FILE: planFile, // the workflow's relative plan.md, made absolute for the test
    };
    const logged: string[] = [];
    const context = {
      repo: { owner: 'acme', repo: 'crm' },
      issue: { number: 7 },
      serverUrl: 'https://github.test',
      runId: 42,
    };
    // github-script wraps the script in an async function with these parameters.
    const AsyncFunction = (Object.getPrototypeOf(async function () {}) as { constructor: unknown })
      .constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
    const script = new AsyncFunction(
      'github',
      'context',
      'core',
      'require',
      'process',
      String(step.with?.script),
    );
    await script(
      github,
      context,
      { info: (m: string) => logged.push(m) },
      createRequire(import.meta.url),
      {
        env,
      },
    );
    return logged;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

describe.each(variants)('the plan comment script ($label)', ({ dir, matrix }) => {
  const marker = matrix.environment
    ? `<!-- segsync:plan env=${matrix.environment} -->`
    : '<!-- segsync:plan -->';
  const plan = (text: string) => `${marker}\n### segsync plan\n\n${text}\n`;

  it('posts one comment, then updates that same comment on the next push', async () => {
    const fake = fakeGitHub([]);
    await runCommentScript(dir, matrix, fake.github, plan('first'));
    expect(fake.calls).toEqual(['list #7', 'create #7']);
    await runCommentScript(dir, matrix, fake.github, plan('second'));
    expect(fake.calls.slice(2)).toEqual(['list #7', 'update 100']);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]!.body).toBe(plan('second').trim());
  });

  it('leaves alone a person’s comment quoting the marker, and other environments’ comments', async () => {
    const fake = fakeGitHub([
      { id: 1, body: `${marker}\nI pasted this`, user: { type: 'User' }, html_url: 'u1' },
      { id: 2, body: '<!-- segsync:plan env=other -->\nx', user: { type: 'Bot' }, html_url: 'u2' },
      { id: 3, body: `hello\n${marker}`, user: { type: 'Bot' }, html_url: 'u3' },
    ]);
    await runCommentScript(dir, matrix, fake.github, plan('mine'));
    expect(fake.calls).toEqual(['list #7', 'create #7']);
    expect(fake.comments.slice(0, 3).map((c) => c.body)).toEqual([
      `${marker}\nI pasted this`,
      '<!-- segsync:plan env=other -->\nx',
      `hello\n${marker}`,
    ]);
  });

  it('when segsync produced no plan, still updates the comment, pointing at the run', async () => {
    const fake = fakeGitHub([]);
    await runCommentScript(dir, matrix, fake.github, undefined);
    const body = fake.comments[0]!.body;
    expect(body.split('\n')[0]).toBe(marker);
    expect(body).toContain('could not produce a plan');
    expect(body).toContain('https://github.test/acme/crm/actions/runs/42');
  });
});

describe('the GitLab example', () => {
  const file = path.join(REPO_ROOT, 'examples/gitlab/.gitlab-ci.yml');

  it('plans on merge requests and applies on the default branch, serialised and uncancellable', async () => {
    const pipeline = (await loadYamlFile(file)) as Record<string, Record<string, unknown>>;
    const plan = pipeline['segsync-plan']!;
    expect(JSON.stringify(plan.rules)).toContain('merge_request_event');
    expect(plan.interruptible).toBe(true);
    const apply = pipeline['segsync-apply']!;
    expect(apply.resource_group).toBe('segsync-apply-default');
    expect(apply.interruptible).toBe(false);
    expect(JSON.stringify(apply.rules)).toContain('$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    const script = (apply.script as string[]).join('\n');
    expect(script).toContain('[skip ci]');
    expect(script).toContain('|| apply_code=$?');
    expect(script).toContain('segsync apply --yes --push-state="segsync-push/$CI_COMMIT_BRANCH"');
    // The push remote is set up before apply pushes through it.
    expect(script.indexOf('git remote add segsync-push')).toBeLessThan(
      script.indexOf('segsync apply'),
    );
    // The commit comes after apply and before the job's verdict.
    expect(script.indexOf('git commit')).toBeGreaterThan(script.indexOf('segsync apply'));
    expect(script.lastIndexOf('exit "$apply_code"')).toBeGreaterThan(script.indexOf('git commit'));
    expect(apply.artifacts).toMatchObject({
      when: 'always',
      paths: ['segsync.state.json', 'segsync.state.json.journal'],
    });
  });

  it('runs only the segsync the lockfile pins, without install scripts', async () => {
    const text = JSON.stringify(await loadYamlFile(file));
    expect(text).not.toMatch(/npx (--yes|-y)\b/);
    expect(text).toContain('npm ci --ignore-scripts');
    expect(text).toContain('node_modules/segsync');
    for (const call of text.match(/npx [^"\\]*segsync/g) ?? [])
      expect(call).toMatch(/^npx --no segsync/);
  });

  it('never puts a token on a command line', async () => {
    const text = JSON.stringify(await loadYamlFile(file));
    expect(text).not.toMatch(/https:\/\/[^"]*\$\{?SEGSYNC_PUSH_TOKEN/);
    expect(text).toContain("'PRIVATE-TOKEN': process.env.SEGSYNC_NOTE_TOKEN");
  });
});
