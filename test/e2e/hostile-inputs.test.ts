// What a hostile repository, server or file system can hand segsync (issue 17), run against the
// built CLI as real processes: each case gets a clear located error or a normal result within
// seconds, and the API token (a canary in the environment) is in no output, payload or file.
// SEGSYNC_CLI=/path/to/other/dist/cli.js runs the same cases against another build.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../wati/local-server.js';
import type { LocalServer } from '../wati/local-server.js';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const cli = process.env.SEGSYNC_CLI ?? path.join(root, 'dist', 'cli.js');
const CANARY = 'tok-CANARY-17f3a9c2';
const unix = process.platform !== 'win32';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from start to exit. */
  ms: number;
}

/**
 * Runs the CLI with the canary token in its environment. A run still going after `killAfterMs` is
 * sent SIGTERM, and one still going 3 s later SIGKILL: a hang shows as a failed expectation, not
 * as a stuck test.
 */
function segsync(
  args: string[],
  cwd: string,
  options: { env?: Record<string, string>; killAfterMs?: number } = {},
): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      NO_COLOR: '1',
      WATI_API_TOKEN: CANARY,
      ...options.env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const term = setTimeout(() => child.kill('SIGTERM'), options.killAfterMs ?? 10_000);
  const kill = setTimeout(() => child.kill('SIGKILL'), (options.killAfterMs ?? 10_000) + 3_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let dir: string;
let outside: string;
let server: LocalServer;
/** What the echoing server answers: by default the Authorization header as the segment id. */
let answerId: (authorization: string) => unknown = (authorization) => authorization;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-hostile-'));
  // Another project beside the repositories: nothing of it may be read.
  outside = path.join(dir, 'other-project');
  await mkdir(path.join(outside, 'segments'), { recursive: true });
  await writeFile(path.join(outside, 'segments', 'theirs.yml'), SEGMENT('Theirs'));
  await writeFile(path.join(outside, 'ids.csv'), 'id\n4915112345678\n');
  server = await startServer((request, response) => {
    const id = answerId(request.headers.authorization ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ result: true, info: { id } }));
  });
});
afterAll(async () => {
  // Nothing any case sent to the server carried the token outside the Authorization header.
  for (const request of server.requests) expect(request.body).not.toContain(CANARY);
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const SEGMENT = (name: string, rest = 'contactIds: ["1"]\n') =>
  `name: ${name}\nrefreshType: static\n${rest}`;

/** A fresh repository (a git work tree: `.git` marks its root) with these files. */
async function repository(name: string, files: Record<string, string> = {}): Promise<string> {
  const cwd = path.join(dir, name);
  await mkdir(path.join(cwd, '.git'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(cwd, file)), { recursive: true });
    await writeFile(path.join(cwd, file), text);
  }
  return cwd;
}

function expectNoCanary(...texts: string[]): void {
  for (const text of texts) expect(text).not.toContain(CANARY);
}

describe('1. contactIdsFile stays inside the repository', () => {
  it('/proc/self/environ: a located error naming the rule; the token in no plan output', async () => {
    const cwd = await repository('proc-environ', {
      'segments/vip.yaml': SEGMENT('VIP', 'contactIdsFile: /proc/self/environ\n'),
    });
    const validate = await segsync(['validate'], cwd);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toMatch(
      /segments\/vip\.yaml:3:17: error: .*`contactIdsFile` is not read: it resolves \(symbolic links included\) to a place outside the project root/,
    );
    const json = await segsync(['plan', '--format', 'json'], cwd);
    const markdown = await segsync(['plan', '--format', 'markdown', '--show-contact-ids'], cwd);
    expect(json.code).toBe(1);
    expect(markdown.code).toBe(1);
    expectNoCanary(validate.stdout, validate.stderr, json.stdout, json.stderr, markdown.stdout);
    expect(json.stdout).not.toContain('WATI_API_TOKEN');
  });

  it('apply over it against an echoing server: refused before any request, token nowhere', async () => {
    const cwd = await repository('proc-environ-apply', {
      'segments/vip.yaml': SEGMENT('VIP', 'contactIdsFile: /proc/self/environ\n'),
    });
    const before = server.requests.length;
    const run = await segsync(['apply', '--yes', '--new-state'], cwd, {
      env: { WATI_API_ENDPOINT: `${server.origin}/17` },
    });
    expect(run.code).toBe(1);
    expect(server.requests.length).toBe(before);
    expectNoCanary(run.stdout, run.stderr);
  });

  it.each([
    ['an absolute path', '/etc/passwd'],
    ['a path leading out with ..', '../../other-project/ids.csv'],
    ['a symbolic link out of the repository', 'lists/link.csv'],
  ])('%s: a located error, never "N contact IDs"', async (_label, target) => {
    const cwd = await repository(`contact-ids-${target.replace(/\W/g, '-')}`, {
      'segments/vip.yaml': SEGMENT('VIP', `contactIdsFile: ${target}\n`),
    });
    await mkdir(path.join(cwd, 'segments', 'lists'), { recursive: true });
    await symlink(path.join(outside, 'ids.csv'), path.join(cwd, 'segments', 'lists', 'link.csv'));
    const run = await segsync(['plan'], cwd);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/segments\/vip\.yaml:3:17: error: .*outside the project root/);
    expect(run.stdout).not.toMatch(/contact IDs from/);
    expect(run.stdout).not.toContain('4915112345678');
  });

  it.skipIf(!unix)('a FIFO: a located error within seconds, no wait for a writer', async () => {
    const cwd = await repository('contact-ids-fifo', {
      'segments/vip.yaml': SEGMENT('VIP', 'contactIdsFile: ids.csv\n'),
    });
    execFileSync('mkfifo', [path.join(cwd, 'segments', 'ids.csv')]);
    const run = await segsync(['validate'], cwd, { killAfterMs: 5_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /segments\/vip\.yaml:3:17: error: .*The contact list segments\/ids\.csv is a FIFO \(named pipe\), not a regular file/,
    );
  });
});

describe('2. include globs stay inside the repository', () => {
  it('`../**/*.yml` is a located error at the include entry; no other project is read', async () => {
    const cwd = await repository('include-escape', {
      'segsync.config.yaml': [
        'environments:',
        '  prod:',
        '    endpointEnv: WATI_API_ENDPOINT',
        '    tokenEnv: WATI_API_TOKEN',
        '    include:',
        '      - segments/**/*.yaml',
        '      - ../**/*.yml',
        '',
      ].join('\n'),
      'segments/vip.yaml': SEGMENT('VIP'),
    });
    const run = await segsync(['plan', '--env', 'prod'], cwd);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /segsync\.config\.yaml:7:9: error: .*This `include` path is not used: it resolves \(symbolic links included\) to a place outside the project root/,
    );
    expect(run.stdout).not.toContain('Theirs');
  });

  it('a match that is a symbolic link out of the repository is an error, not a definition', async () => {
    const cwd = await repository('include-link', {
      'segsync.config.yaml': 'definitions: segments\n',
      'segments/vip.yaml': SEGMENT('VIP'),
    });
    await symlink(path.join(outside, 'segments'), path.join(cwd, 'segments', 'linked'));
    const run = await segsync(['plan'], cwd);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /segments\/linked: error: .*This is not read: .*outside the project root/,
    );
    expect(run.stdout).not.toContain('Theirs');
  });
});

describe('config paths stay inside the repository', () => {
  it('a `state:` leading out is an error at the key, and no command falls back to another file', async () => {
    const cwd = await repository('state-out', {
      'segsync.config.yaml': 'state: ../elsewhere.state.json\n',
      'segments/vip.yaml': SEGMENT('VIP'),
    });
    const plan = await segsync(['plan'], cwd);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/segsync\.config\.yaml:1:8: error: This `state` path is not used/);
    // A state command does not quietly edit the default state file instead.
    const resolve = await segsync(['state', 'resolve', 'VIP', '--absent'], cwd);
    expect(resolve.code).toBe(1);
    expect(resolve.stderr).toMatch(
      /The configuration has 1 error\(s\), so segsync will not guess which files to use:\n {2}segsync\.config\.yaml:1:8: This `state` path is not used/,
    );
  });
});

describe('3. server ids are checked, and the token redacted, where they enter', () => {
  it('an id echoing the Authorization header: recorded as created with a placeholder, token nowhere', async () => {
    const cwd = await repository('echoed-id', { 'segments/vip.yaml': SEGMENT('VIP') });
    answerId = (authorization) => authorization;
    const env = { WATI_API_ENDPOINT: `${server.origin}/17` };
    const before = server.requests.length;
    const apply = await segsync(['apply', '--yes', '--new-state'], cwd, { env });
    expect(apply.code).toBe(0);
    expect(server.requests.length).toBe(before + 1);
    const state = await readFile(path.join(cwd, 'segsync.state.json'), 'utf8');
    expectNoCanary(apply.stdout, apply.stderr, state);
    expect(apply.stdout).not.toMatch(/Bearer/);
    const entry = (
      JSON.parse(state) as { segments: Record<string, { status: string; id: string }> }
    ).segments['VIP']!;
    expect(entry.status).toBe('created');
    expect(entry.id).toMatch(/^\[id not kept: /);
    // Recorded as created: the next run creates nothing.
    const again = await segsync(['apply', '--yes', '--new-state'], cwd, { env });
    expect(server.requests.length).toBe(before + 1);
    expectNoCanary(again.stdout, again.stderr);
  });

  it('an id with terminal escapes and line breaks is not stored as it came', async () => {
    const cwd = await repository('escape-id', { 'segments/vip.yaml': SEGMENT('VIP') });
    answerId = () => 'abc\u001b[2J\n::error::@everyone';
    const apply = await segsync(['apply', '--yes', '--new-state'], cwd, {
      env: { WATI_API_ENDPOINT: `${server.origin}/17` },
    });
    expect(apply.code).toBe(0);
    const state = await readFile(path.join(cwd, 'segsync.state.json'), 'utf8');
    expect(state).not.toContain('\\u001b');
    expect(state).not.toContain('::error::');
    expect(state).toMatch(/"id": "\[id not kept: /);
  });

  it('a state file holding such an id is refused on read, naming file and segment, before any request', async () => {
    const cwd = await repository('bad-state-id', {
      'segments/vip.yaml': SEGMENT('VIP'),
      'segments/new.yaml': SEGMENT('New'),
    });
    answerId = (authorization) => authorization;
    // What an older segsync wrote: the echoed header, verbatim.
    await writeFile(
      path.join(cwd, 'segsync.state.json'),
      JSON.stringify({
        formatVersion: 1,
        segments: {
          VIP: {
            status: 'created',
            id: 'Bearer x\u001b[31m',
            payload: { name: 'VIP', refreshType: 1, contactIds: ['1'] },
            digest: `sha256:${'0'.repeat(64)}`,
            createdAt: '2026-01-01T00:00:00.000Z',
            source: 'segments/vip.yaml',
          },
        },
      }),
    );
    const before = server.requests.length;
    const apply = await segsync(['apply', '--yes', '--new-state'], cwd, {
      env: { WATI_API_ENDPOINT: `${server.origin}/17` },
    });
    expect(apply.code).toBe(1);
    expect(server.requests.length).toBe(before);
    expect(apply.stderr).toMatch(
      /state file \S*segsync\.state\.json is not a valid segsync state file:\n {2}- \$\.segments\.VIP\.id: is not a usable segment id/,
    );
    expect(apply.stderr).not.toContain('\u001b');
  });

  it('a bad --id is refused without echoing it', async () => {
    const cwd = await repository('bad-typed-id', { 'segments/vip.yaml': SEGMENT('VIP') });
    for (const args of [
      ['state', 'resolve', 'VIP', '--id', 'x\u001b]8;;evil\u0007y'],
      ['state', 'adopt', 'VIP', '--id', 'x\u202eevil'],
    ]) {
      const run = await segsync(args, cwd);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/segment id/);
      expect(run.stderr).not.toContain('evil');
    }
  });
});

describe('4. no input blocks segsync, and signals end it', () => {
  it.skipIf(!unix)('state merge /dev/zero: refused at once, unread', async () => {
    const cwd = await repository('merge-zero');
    const run = await segsync(['state', 'merge', '/dev/zero'], cwd, { killAfterMs: 5_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/dev/zero: it is a character device, not a regular file');
  });

  it.skipIf(!unix)('state merge FIFO: refused at once, no wait for a writer', async () => {
    const cwd = await repository('merge-fifo');
    execFileSync('mkfifo', [path.join(cwd, 'other.json')]);
    const run = await segsync(['state', 'merge', 'other.json'], cwd, { killAfterMs: 5_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('other.json: it is a FIFO (named pipe), not a regular file');
  });

  it.skipIf(!unix)(
    'state merge /proc/self/environ: refused, the environment not printed',
    async () => {
      const cwd = await repository('merge-environ');
      const run = await segsync(['state', 'merge', '/proc/self/environ'], cwd);
      expect(run.code).toBe(1);
      expectNoCanary(run.stdout, run.stderr);
      expect(run.stderr).not.toMatch(/PATH=|HOME=/);
    },
  );

  it.skipIf(!unix)('init over a FIFO segsync.config.yaml: refused at once', async () => {
    const cwd = await repository('init-fifo');
    execFileSync('mkfifo', [path.join(cwd, 'segsync.config.yaml')]);
    const run = await segsync(['init'], cwd, { killAfterMs: 5_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('segsync.config.yaml is a FIFO (named pipe), not a regular file');
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s with nothing in flight ends the process at once (exit %i)',
    async (signal, code) => {
      const cwd = await repository(`signal-${signal}`);
      const child = spawn(process.execPath, [cli, 'emulator', '--port', '0'], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd },
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      await new Promise<void>((resolve) => {
        const check = () =>
          stdout.includes('Stop with Ctrl+C') ? resolve() : setTimeout(check, 10);
        check();
      });
      const sent = Date.now();
      child.kill(signal);
      const exited = await new Promise<number | null>((resolve) => {
        const guard = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.on('exit', (exitCode) => {
          clearTimeout(guard);
          resolve(exitCode);
        });
      });
      expect(exited).toBe(code);
      expect(Date.now() - sent).toBeLessThan(2_000);
    },
  );
});

describe('5. spreadsheet formulas are not contact ids', () => {
  it('in a CSV and in contactIds: located errors, nothing planned', async () => {
    const cwd = await repository('formulas', {
      'segments/vip.yaml': SEGMENT('VIP', 'contactIdsFile: ids.csv\n'),
      'segments/ids.csv':
        'id\n=1+2\n@SUM(A1)\n"=cmd|calc!A0"\n+911234567890\n-12\n"\t=x"\n+1 555\n',
      'segments/list.yaml': SEGMENT('List', 'contactIds: ["4915112345678", "=HYPERLINK(1)"]\n'),
    });
    const run = await segsync(['plan'], cwd);
    expect(run.code).toBe(1);
    const located = run.stdout
      .split('\n')
      .filter((line) => /^\S+:\d+:\d+: error: .*formula/.test(line))
      .map((line) => /^\S+:\d+:\d+/.exec(line)?.[0]);
    expect(located).toEqual([
      'segments/ids.csv:2:1',
      'segments/ids.csv:3:1',
      'segments/ids.csv:4:1',
      'segments/ids.csv:7:1',
      'segments/ids.csv:8:1',
      'segments/list.yaml:3:31',
    ]);
    expect(run.stdout).not.toContain('calc');
  });
});
