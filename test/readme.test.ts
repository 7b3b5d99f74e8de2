// The README's examples, run as written. A fenced block preceded by an HTML comment
// `<!-- readme-test: KIND -->` (invisible on GitHub) is extracted and run:
//   emulator    a ```sh block, run line by line in a scratch copy of segments/ with `npx segsync`
//               meaning this checkout's dist/cli.js; a line ending in `&` runs in the background
//               and the next line starts once its output says it is listening.
//   definition  a ```yaml segment definition: written to segments/ and validated.
//   config      a ```yaml segsync.config.yaml: loaded and checked for every environment it names.
// Unmarked blocks (real-account commands, development commands) are not run.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, REPO_ROOT } from './init/support.js';

interface MarkedBlock {
  kind: string;
  line: number;
  code: string;
}

function markedBlocks(markdown: string): MarkedBlock[] {
  const blocks: MarkedBlock[] = [];
  const pattern = /<!-- readme-test: ([a-z-]+) -->\n\n```[a-z]*\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({
      kind: match[1]!,
      line: markdown.slice(0, match.index).split('\n').length,
      code: match[2]!,
    });
  }
  return blocks;
}

const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = markedBlocks(readme);
const CLI = path.join(REPO_ROOT, 'dist/cli.js');

// `npx segsync` is this checkout: a shell function, so the commands run exactly as written.
const PRELUDE = `npx() { if [ "$1" = segsync ]; then shift; "${process.execPath}" "${CLI}" "$@"; else command npx "$@"; fi; }`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  // Each block ran in its own process group: end the background emulator, not just its shell.
  for (const child of children.splice(0)) if (child.pid) process.kill(-child.pid, 'SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const dir of dirs.splice(0)) await removeDir(dir);
});

async function scratchRepository(): Promise<string> {
  const dir = await makeTempDir('segsync-readme-');
  dirs.push(dir);
  await cp(path.join(REPO_ROOT, 'segments'), path.join(dir, 'segments'), { recursive: true });
  return dir;
}

function runShell(
  line: string,
  cwd: string,
): { child: ChildProcess; output: () => string; done: Promise<number | null> } {
  const child = spawn('bash', ['-c', `${PRELUDE}\n${line}`], {
    cwd,
    // TMPDIR: a `mktemp` in a block lands in the scratch directory, removed afterwards.
    env: { ...process.env, NO_COLOR: '1', TMPDIR: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, done };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('README.md', () => {
  it('marks the blocks meant to run', () => {
    expect(blocks.map((block) => block.kind).sort()).toEqual([
      'config',
      'config',
      'definition',
      'emulator',
    ]);
  });

  for (const block of blocks.filter((b) => b.kind === 'emulator')) {
    it(`runs the emulator block at line ${block.line} as written`, async () => {
      const cwd = await scratchRepository();
      for (const line of block.code.split('\n').filter((l) => l.trim() !== '')) {
        if (line.trimEnd().endsWith('&')) {
          const background = runShell(line.trimEnd().slice(0, -1), cwd);
          children.push(background.child);
          await waitFor(() => background.output().includes('listening on'), line);
          continue;
        }
        const step = runShell(line, cwd);
        const code = await step.done;
        expect(code, `${line}\n${step.output()}`).toBe(0);
        expect(step.output()).toMatch(/Apply: \d+ created, 0 failed/);
      }
    });
  }

  for (const block of blocks.filter((b) => b.kind === 'definition')) {
    it(`the definition at line ${block.line} is valid`, async () => {
      const cwd = await makeTempDir('segsync-readme-');
      dirs.push(cwd);
      await mkdir(path.join(cwd, 'segments'));
      await writeFile(path.join(cwd, 'segments/readme.yaml'), `${block.code}\n`);
      const step = runShell('npx segsync validate', cwd);
      expect(await step.done, step.output()).toBe(0);
      expect(step.output()).toContain('✔ 1 segment in 1 file: valid');
    });
  }

  for (const block of blocks.filter((b) => b.kind === 'config')) {
    it(`the config at line ${block.line} is valid for each environment it defines`, async () => {
      const cwd = await scratchRepository();
      await writeFile(path.join(cwd, 'segsync.config.yaml'), `${block.code}\n`);
      // Directories an `include:` names get a definition each, as a real repository would have.
      const include = /^\s+include: \[(.*)\]/m.exec(block.code)?.[1] ?? '';
      for (const [index, entry] of include.split(',').entries()) {
        const directory = entry
          .trim()
          .replace(/^'|'$/g, '')
          .replace(/\/\*\*$/, '');
        await mkdir(path.join(cwd, directory), { recursive: true });
        await writeFile(
          path.join(cwd, directory, `included-${index}.yaml`),
          `name: Included ${index}\nrefreshType: static\ncontactIds: ['${index}']\n`,
        );
      }
      const environments = [...block.code.matchAll(/^ {2}([a-z][a-z0-9_-]*):$/gm)].map(
        (match) => match[1]!,
      );
      for (const env of environments.length > 0 ? environments : [undefined]) {
        const flags = env ? ` --env ${env}` : '';
        const step = runShell(`npx segsync plan --allow-empty${flags}`, cwd);
        expect(await step.done, step.output()).toBe(0);
        expect(step.output()).not.toMatch(/segsync\.config\.yaml:\d+:\d+: error/);
      }
    });
  }
});
