// The confinement rule over arbitrary path strings (absolute, `..`, symbolic link chains, /proc,
// devices, FIFOs), on a real directory tree: whatever the string, a path is accepted only when the
// operating system resolves it inside the root, and what is accepted is read only when it is a
// regular file within the bound.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confine, findProjectRoot } from '../../src/files/confine.js';
import { readBoundedFile } from '../../src/files/read.js';

const unix = process.platform !== 'win32';
let base: string;
let root: string;
let realRoot: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'segsync-confine-'));
  root = path.join(base, 'repo');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'a', 'b'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(root, 'a', 'ids.csv'), 'id\n1\n');
  await writeFile(path.join(outside, 'secret.csv'), 'id\n2\n');
  // Links inside, out, through each other, in a loop, and to kernel files and devices.
  await symlink('a/ids.csv', path.join(root, 'in'));
  await symlink('in', path.join(root, 'chain'));
  await symlink(path.join(outside, 'secret.csv'), path.join(root, 'out'));
  await symlink('out', path.join(root, 'chain-out'));
  await symlink(outside, path.join(root, 'a', 'dir-out'));
  await symlink('../..', path.join(root, 'a', 'b', 'up'));
  await symlink('loop2', path.join(root, 'loop1'));
  await symlink('loop1', path.join(root, 'loop2'));
  await symlink('/proc/self/environ', path.join(root, 'environ'));
  await symlink('/dev/zero', path.join(root, 'zero'));
  await symlink('missing-target', path.join(root, 'dangling'));
  await symlink(path.join(outside, 'not-yet'), path.join(root, 'dangling-out'));
  if (unix) execFileSync('mkfifo', [path.join(root, 'a', 'fifo')]);
  realRoot = realpathSync(root);
});
afterAll(() => rm(base, { recursive: true, force: true }));

const piece = fc.constantFrom(
  '..',
  '.',
  'a',
  'b',
  'ids.csv',
  'in',
  'chain',
  'out',
  'chain-out',
  'dir-out',
  'up',
  'loop1',
  'environ',
  'zero',
  'dangling',
  'dangling-out',
  'fifo',
  'secret.csv',
  'nothing',
);
const absolutePrefix = fc.constantFrom('', '/', '/proc/self/', '/dev/', '/etc/', '/tmp/');
const pathString = fc
  .tuple(absolutePrefix, fc.array(piece, { minLength: 1, maxLength: 6 }))
  .map(([prefix, pieces]) => `${prefix}${pieces.join('/')}`);

/** Where the operating system says a path leads: its longest existing prefix resolved. */
function osResolution(target: string): string | undefined {
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest);
    } catch (error) {
      if ((error as { code?: string }).code === 'ELOOP') return undefined;
      const parent = path.dirname(existing);
      if (parent === existing) return undefined;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

const within = (real: string, directory: string) =>
  real === directory || real.startsWith(`${directory}${path.sep}`);
const kernel = (real: string) => ['/proc', '/sys', '/dev'].some((dir) => within(real, dir));

describe.skipIf(!unix)('the confinement rule', () => {
  it('accepts a path only when it resolves inside the root, and never a kernel file', () => {
    fc.assert(
      fc.property(pathString, (written) => {
        const target = path.resolve(root, written);
        const result = confine(root, target);
        if (result.ok) {
          expect(within(result.real, realRoot)).toBe(true);
          expect(kernel(result.real)).toBe(false);
          // Where it exists, the operating system agrees on where it leads.
          if (existsSync(target)) expect(result.real).toBe(realpathSync(target));
        }
        const resolved = osResolution(target);
        // Everything the operating system resolves to a place outside the root is refused.
        if (resolved !== undefined && (!within(resolved, realRoot) || kernel(resolved))) {
          expect(result.ok).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads what it accepts only when it is a regular file within the bound', () => {
    fc.assert(
      fc.property(pathString, (written) => {
        const result = confine(root, path.resolve(root, written));
        if (!result.ok) return;
        const read = readBoundedFile(result.real, 'contactList');
        if (read.ok) expect(read.bytes.toString()).toBe('id\n1\n');
        else expect(['missing', 'not-regular']).toContain(read.problem.kind);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses FIFOs and devices by name, without waiting or reading', () => {
    expect(readBoundedFile(path.join(root, 'a', 'fifo'), 'contactList')).toEqual({
      ok: false,
      problem: { kind: 'not-regular', is: 'a FIFO (named pipe)' },
    });
    expect(readBoundedFile('/dev/zero', 'state')).toEqual({
      ok: false,
      problem: { kind: 'not-regular', is: 'a character device' },
    });
    expect(readBoundedFile(root, 'state')).toEqual({
      ok: false,
      problem: { kind: 'not-regular', is: 'a directory' },
    });
    // A /proc file says it is empty and holds more: read only up to the bound (16 KiB here).
    const environ = readBoundedFile('/proc/self/environ', 'token');
    if (!environ.ok) expect(environ.problem.kind).toBe('too-large');
    else expect(environ.bytes.length).toBeLessThanOrEqual(16 * 1024);
  });

  it('finds the project root: the config file’s directory, else the git work tree, else cwd', async () => {
    const nested = path.join(root, 'a', 'b');
    expect(findProjectRoot(nested, path.join(root, 'a', 'segsync.config.yaml'))).toBe(
      path.join(root, 'a'),
    );
    expect(findProjectRoot(nested)).toBe(nested); // no .git anywhere above the temp dir
    await mkdir(path.join(root, '.git'));
    expect(findProjectRoot(nested)).toBe(root);
  });
});

describe('the README', () => {
  it('documents the bound of every kind of file segsync reads', async () => {
    const { FILE_KINDS, formatBytes } = await import('../../src/files/read.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Files segsync reads'));
    const rows = section.split('\n').filter((line) => line.startsWith('| '));
    const rowOf: Record<keyof typeof FILE_KINDS, string> = {
      config: '`segsync.config.yaml`',
      definition: 'definition files',
      contactList: '`contactIdsFile`',
      state: 'the state file',
      journal: '`.journal`',
      lock: 'the state lock',
      savedPlan: 'a saved plan',
      stateRows: '`state resolve --from`',
      token: '`--token-file`',
      emulatorData: '`emulator --data`',
      emulatorContacts: '`emulator --contacts`',
      projectFile: 'what `init` finds',
    };
    for (const [kind, { maxBytes }] of Object.entries(FILE_KINDS)) {
      const row = rows.find((line) => line.includes(rowOf[kind as keyof typeof FILE_KINDS]));
      expect(row, kind).toBeDefined();
      const cells = row!.split('|').map((cell) => cell.trim());
      expect(cells.at(-2), kind).toBe(formatBytes(maxBytes));
    }
  });
});
