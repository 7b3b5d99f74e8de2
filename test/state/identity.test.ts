// The state file is the file, not the path: symlinks (to the file, to a directory above it,
// dangling ones) are resolved before locking, reading the journal or writing; hard links refused.
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readFile, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateLockedError, UserError } from '../../src/core/errors.js';
import { resolveStateFile } from '../../src/state/identity.js';
import { StateSession } from '../../src/state/session.js';
import { acquireStateLock, lockPathOf } from '../../src/state/lock.js';
import { emptyState, readState, serializeState, writeFileAtomic } from '../../src/state/file.js';
import { createdFor, makeTempDir, pendingFor, removeDir } from './fixtures.js';

let dir: string;

beforeEach(async () => {
  // realpath: the temp directory itself may sit behind a symlink (macOS /tmp).
  dir = await realpath(await makeTempDir());
});
afterEach(async () => {
  await removeDir(dir);
});

describe('resolveStateFile', () => {
  it('keeps a regular file, and a missing file in a missing directory, as they are', async () => {
    await writeFile(join(dir, 'real.json'), '{}');
    expect(resolveStateFile(join(dir, 'real.json'))).toBe(join(dir, 'real.json'));
    expect(resolveStateFile(join(dir, 'state/new.json'))).toBe(join(dir, 'state/new.json'));
  });

  it('follows a symlink, relative or absolute, through a chain', async () => {
    await writeFile(join(dir, 'real.json'), '{}');
    await symlink('real.json', join(dir, 'relative.json'));
    await symlink(join(dir, 'relative.json'), join(dir, 'chain.json'));
    expect(resolveStateFile(join(dir, 'relative.json'))).toBe(join(dir, 'real.json'));
    expect(resolveStateFile(join(dir, 'chain.json'))).toBe(join(dir, 'real.json'));
  });

  it('follows a dangling symlink to the file it will be', async () => {
    await mkdir(join(dir, 'state'));
    await symlink('state/not-yet.json', join(dir, 'link.json'));
    expect(resolveStateFile(join(dir, 'link.json'))).toBe(join(dir, 'state/not-yet.json'));
    // Dangling into a directory that does not exist either.
    await symlink('missing/dir/file.json', join(dir, 'far.json'));
    expect(resolveStateFile(join(dir, 'far.json'))).toBe(join(dir, 'missing/dir/file.json'));
  });

  it('resolves a symlinked directory above the file, existing file or not', async () => {
    await mkdir(join(dir, 'actual'));
    await symlink('actual', join(dir, 'alias'));
    expect(resolveStateFile(join(dir, 'alias/state.json'))).toBe(join(dir, 'actual/state.json'));
    await symlink('nowhere', join(dir, 'dangling-dir'));
    expect(resolveStateFile(join(dir, 'dangling-dir/state.json'))).toBe(
      join(dir, 'nowhere/state.json'),
    );
  });

  it('reports a symlink loop as a user error', async () => {
    await symlink('b.json', join(dir, 'a.json'));
    await symlink('a.json', join(dir, 'b.json'));
    expect(() => resolveStateFile(join(dir, 'a.json'))).toThrow(UserError);
    expect(() => resolveStateFile(join(dir, 'a.json'))).toThrow(/too many symbolic links/);
  });
});

describe('a state file behind a symlink', () => {
  it('shares one lock with its target, kept beside the real file', async () => {
    await mkdir(join(dir, 'state'));
    await symlink('state/real.json', join(dir, 'link.json'));
    const lock = await acquireStateLock(join(dir, 'link.json'), { command: 'apply' });
    expect(lock.path).toBe(join(dir, 'state/real.json.lock'));
    expect(lockPathOf(join(dir, 'link.json'))).toBe(lock.path);
    const error = await acquireStateLock(join(dir, 'state/real.json'), {
      command: 'apply',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateLockedError);
    await lock.release();
    expect(existsSync(join(dir, 'link.json.lock'))).toBe(false);
  });

  it('is written through: the link stays a link and the target holds the state', async () => {
    await writeFile(join(dir, 'real.json'), serializeState(emptyState()));
    await symlink('real.json', join(dir, 'link.json'));
    const journal = await StateSession.open(join(dir, 'link.json'), { command: 'apply' });
    await journal.recordPending('A', pendingFor('A'));
    // Mid-run, the journal lives beside the real file, and a reader through either name sees it.
    expect(existsSync(join(dir, 'real.json.journal'))).toBe(true);
    expect((await readState(join(dir, 'link.json'))).segments.A?.status).toBe('pending');
    await journal.recordCreated('A', createdFor('A', 'id-a'));
    await journal.close();
    expect((await lstat(join(dir, 'link.json'))).isSymbolicLink()).toBe(true);
    const written = JSON.parse(await readFile(join(dir, 'real.json'), 'utf8')) as {
      segments: Record<string, { id: string }>;
    };
    expect(written.segments.A?.id).toBe('id-a');
  });

  it('is created through a dangling link as the link target', async () => {
    await symlink('real.json', join(dir, 'link.json'));
    await writeFileAtomic(join(dir, 'link.json'), serializeState(emptyState()));
    expect((await lstat(join(dir, 'link.json'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, 'real.json'))).isFile()).toBe(true);
  });
});

describe('a state file with several hard links', () => {
  it('is refused for writing, with the reason and what to do, and left untouched', async () => {
    const text = serializeState(emptyState());
    await writeFile(join(dir, 'one.json'), text);
    await link(join(dir, 'one.json'), join(dir, 'two.json'));
    const error = await StateSession.open(join(dir, 'two.json'), { command: 'apply' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('2 hard links');
    expect((error as UserError).hint).toContain('ln -s');
    expect(existsSync(join(dir, 'two.json.lock'))).toBe(false);
    expect((await stat(join(dir, 'one.json'))).nlink).toBe(2);
    expect(await readFile(join(dir, 'one.json'), 'utf8')).toBe(text);
  });
});
