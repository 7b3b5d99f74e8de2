// Loading definition files: which files are read, in what order, and how broken or hostile input
// becomes one located, readable diagnostic instead of an exception.

import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../src/yaml/read.js';
import { check, containing, fixturesDir, loadFiles, matching, withTempDir } from './helpers.js';

async function writeFiles(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

const SEGMENT = 'name: Some segment\nrefreshType: static\ncontactIds: ["1"]\n';

describe('finding files', () => {
  it('walks directories recursively, reading .yaml and .yml files in code-point order of their path', async () => {
    const loaded = await loadFiles(['valid'], { cwd: fixturesDir });
    // README.md is not YAML and valid/.drafts is hidden: neither is read.
    expect(loaded.files).toEqual([
      'valid/india.yaml',
      'valid/nested/deeper/one.yml',
      'valid/several.yaml',
      'valid/vip.yaml',
    ]);
    expect(loaded.diagnostics).toEqual([]);
  });

  it('orders by code point, not by UTF-16 unit, and puts "a-b" before "a/b" as a full path compare does', async () => {
    await withTempDir(async (dir) => {
      const names = ['😀.yaml', '～.yaml', 'é.yaml', 'a/b.yaml', 'a-b.yaml', 'B.yaml'];
      await writeFiles(dir, Object.fromEntries(names.map((name, i) => [name, `name: n${i}\n`])));
      const loaded = await loadFiles(['.'], { cwd: dir });
      // U+FF5E (～) sorts before U+1F600 (😀) by code point, although its UTF-16 unit is larger.
      expect(loaded.files).toEqual([
        'B.yaml',
        'a-b.yaml',
        'a/b.yaml',
        'é.yaml',
        '～.yaml',
        '😀.yaml',
      ]);
    });
  });

  it('skips hidden files and directories and node_modules', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'kept.yaml': SEGMENT,
        '.hidden.yaml': 'never: [read',
        '.git/config.yaml': 'never: [read',
        'node_modules/pkg/segment.yaml': 'never: [read',
        'sub/node_modules/x.yml': 'never: [read',
      });
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(loaded.files).toEqual(['kept.yaml']);
      expect(loaded.diagnostics).toEqual([]);
    });
  });

  it('reads a file named explicitly, whatever its extension, with paths relative to cwd', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'defs/segment.txt': SEGMENT });
      const loaded = await loadFiles(['defs/segment.txt'], { cwd: dir });
      expect(loaded.files).toEqual(['defs/segment.txt']);
      expect(loaded.documents).toHaveLength(1);
      expect(loaded.documents[0]?.file).toBe('defs/segment.txt');
    });
  });

  it('reads a file once when it is named twice or its directory is named twice', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'defs/a.yaml': SEGMENT });
      const loaded = await loadFiles(['defs', 'defs/', 'defs/a.yaml'], { cwd: dir });
      expect(loaded.files).toEqual(['defs/a.yaml']);
    });
  });

  it('follows directory links but never loops: each real directory is walked once', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'defs/a/segment.yaml': SEGMENT });
      await symlink('..', path.join(dir, 'defs/a/back-to-defs')); // a cycle
      await symlink(path.join(dir, 'defs/a'), path.join(dir, 'defs/same-as-a'));
      const loaded = await loadFiles(['defs'], { cwd: dir });
      expect(loaded.files).toEqual(['defs/a/segment.yaml']);
    });
  });

  it('reads a linked file under its own name, so a file reachable twice shows up as a duplicate name', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'defs/a.yaml': SEGMENT });
      await symlink('a.yaml', path.join(dir, 'defs/b.yaml'));
      const result = await check(['defs'], { cwd: dir });
      expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).toEqual([
        'defs/b.yaml:1 duplicate-name',
      ]);
    });
  });

  it('reports a path that does not exist as an error saying what to do, without throwing', async () => {
    await withTempDir(async (dir) => {
      const loaded = await loadFiles(['segmentz'], { cwd: dir });
      expect(loaded.files).toEqual([]);
      expect(loaded.diagnostics).toEqual([
        expect.objectContaining({
          severity: 'error',
          code: 'path-not-found',
          file: 'segmentz',
          message: '"segmentz" does not exist, so no definitions could be read from it.',
          hint: containing('`definitions` in segsync.config.yaml'),
        }),
      ]);
    });
  });

  it('walks a directory even when its name ends in .yaml', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'odd.yaml/inner.yaml': SEGMENT });
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(loaded.files).toEqual(['odd.yaml/inner.yaml']);
    });
  });
});

describe('glob patterns', () => {
  const tree = {
    'segments/a.yaml': SEGMENT.replace('Some segment', 'A'),
    'segments/b.yml': SEGMENT.replace('Some segment', 'B'),
    'segments/notes.txt': 'not yaml',
    'segments/.hidden.yaml': 'never: [read',
    'segments/prod/c.yaml': SEGMENT.replace('Some segment', 'C'),
    'segments/prod/deep/d.yaml': SEGMENT.replace('Some segment', 'D'),
    'segments/staging/e.yaml': SEGMENT.replace('Some segment', 'E'),
  };

  it('selects the YAML files a pattern matches, one level or any depth', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, tree);
      const oneLevel = await loadFiles(['segments/*.yaml'], { cwd: dir });
      expect(oneLevel.files).toEqual(['segments/a.yaml']);
      expect(oneLevel.diagnostics).toEqual([]);
      const anyDepth = await loadFiles(['segments/prod/**'], { cwd: dir });
      expect(anyDepth.files).toEqual(['segments/prod/c.yaml', 'segments/prod/deep/d.yaml']);
      const braces = await loadFiles(['segments/*.{yaml,yml}', 'segments/*/e.yaml'], { cwd: dir });
      expect(braces.files).toEqual([
        'segments/a.yaml',
        'segments/b.yml',
        'segments/staging/e.yaml',
      ]);
    });
  });

  it('never brings back hidden files or non-YAML files, and reads a file matched twice once', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, tree);
      const loaded = await loadFiles(['segments/**', 'segments/.*', 'segments/prod'], { cwd: dir });
      expect(loaded.files).toEqual([
        'segments/a.yaml',
        'segments/b.yml',
        'segments/prod/c.yaml',
        'segments/prod/deep/d.yaml',
        'segments/staging/e.yaml',
      ]);
      // Only hidden files match `segments/.*`: for segsync it matches nothing.
      expect(loaded.diagnostics.map((d) => `${d.code} ${d.file}`)).toEqual([
        'no-match segments/.*',
      ]);
    });
  });

  it('reports a pattern that matches nothing, saying where patterns are resolved', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, tree);
      for (const pattern of ['segments/*.json', 'nowhere/**/*.yaml']) {
        const loaded = await loadFiles([pattern], { cwd: dir });
        expect(loaded.files).toEqual([]);
        expect(loaded.diagnostics).toEqual([
          {
            severity: 'error',
            code: 'no-match',
            message: `The pattern "${pattern}" matches no definition file, so no definitions could be read from it.`,
            file: pattern,
            hint: containing('relative to the configuration file'),
          },
        ]);
      }
    });
  });

  it('reads a file whose name only looks like a pattern as that file', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'segments/[draft].yaml': SEGMENT, 'segments/d.yaml': SEGMENT });
      const loaded = await loadFiles(['segments/[draft].yaml'], { cwd: dir });
      expect(loaded.files).toEqual(['segments/[draft].yaml']);
    });
  });
});

describe('files that cannot be read', () => {
  // Tests run as root in CI containers, where chmod 000 does not deny reading. A dangling link
  // and a FIFO are unreadable for every user, so they stand in for "cannot be read".
  it('reports a symbolic link to nothing, at the link', async () => {
    await withTempDir(async (dir) => {
      await symlink('missing-target.yaml', path.join(dir, 'dangling.yaml'));
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(loaded.diagnostics).toEqual([
        expect.objectContaining({
          severity: 'error',
          code: 'unreadable-file',
          file: 'dangling.yaml',
          message: 'This is a symbolic link to a file that does not exist, so it cannot be read.',
          hint: 'Fix or remove the link.',
        }),
      ]);
    });
  });

  it.skipIf(process.platform === 'win32')(
    'reports a FIFO named like a definition file without waiting for a writer',
    async () => {
      await withTempDir(async (dir) => {
        execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
        const loaded = await loadFiles(['.'], { cwd: dir });
        expect(loaded.diagnostics).toEqual([
          expect.objectContaining({
            code: 'not-a-regular-file',
            file: 'pipe.yaml',
            message: containing('not a regular file'),
          }),
        ]);
      });
    },
  );

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')(
    'reports a file without read permission (skipped as root, where permissions do not apply)',
    async () => {
      await withTempDir(async (dir) => {
        await writeFiles(dir, { 'secret.yaml': SEGMENT });
        await chmod(path.join(dir, 'secret.yaml'), 0o000);
        const loaded = await loadFiles(['.'], { cwd: dir });
        expect(loaded.diagnostics).toEqual([
          expect.objectContaining({
            code: 'unreadable-file',
            message: 'This file cannot be read (permission denied).',
          }),
        ]);
      });
    },
  );

  it('refuses a file over 1 MiB before reading it, and accepts one of exactly 1 MiB', async () => {
    await withTempDir(async (dir) => {
      const comment = (size: number) => `#${'x'.repeat(size - 2)}\n`;
      await writeFiles(dir, {
        'big.yaml': comment(MAX_FILE_BYTES + 1),
        'limit.yaml': comment(MAX_FILE_BYTES),
      });
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(loaded.diagnostics).toEqual([
        expect.objectContaining({
          severity: 'error',
          code: 'file-too-large',
          file: 'big.yaml',
          message: 'This file is 1.0 MiB, over the 1 MiB limit for a definition file.',
        }),
        // Exactly at the limit it is read: it only holds a comment.
        expect.objectContaining({ severity: 'warning', code: 'empty-file', file: 'limit.yaml' }),
      ]);
    });
  });
});

describe('encodings', () => {
  it('reports bytes that are not UTF-8 at the line and column of the first bad byte', async () => {
    await withTempDir(async (dir) => {
      const latin1 = Buffer.concat([
        Buffer.from('name: ok\nrefreshType: st', 'utf8'),
        Buffer.from([0xe9]), // "é" in Latin-1
        Buffer.from('tic\n', 'utf8'),
      ]);
      // Two-byte "é" earlier on the line counts as one column.
      const afterMultibyte = Buffer.concat([
        Buffer.from('name: café ', 'utf8'),
        Buffer.from([0xff]),
      ]);
      await writeFiles(dir, { 'latin1.yaml': latin1, 'mixed.yaml': afterMultibyte });
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(loaded.diagnostics).toEqual([
        expect.objectContaining({
          code: 'not-utf8',
          file: 'latin1.yaml',
          line: 2,
          column: 16,
          message:
            'This file is not valid UTF-8 text: the byte at this position cannot be decoded.',
          hint: containing('UTF-8'),
        }),
        expect.objectContaining({ code: 'not-utf8', file: 'mixed.yaml', line: 1, column: 12 }),
      ]);
    });
  });

  it('says so when a file is UTF-16', async () => {
    await withTempDir(async (dir) => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SEGMENT, 'utf16le')]);
      await writeFiles(dir, { 'utf16.yaml': utf16 });
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(loaded.diagnostics).toEqual([
        expect.objectContaining({
          code: 'not-utf8',
          line: 1,
          column: 1,
          message: 'This file is saved as UTF-16; segsync reads UTF-8 text only.',
        }),
      ]);
    });
  });

  it('accepts a UTF-8 byte order mark and does not count it as a column', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'bom.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SEGMENT)]),
      });
      const result = await check(['.'], { cwd: dir });
      expect(result.diagnostics).toEqual([]);
      expect(result.segments.map((s) => [s.name, s.source])).toEqual([
        ['Some segment', { file: 'bom.yaml', line: 1, column: 7 }],
      ]);
    });
  });
});

describe('YAML documents', () => {
  it('loads every document of a multi-document file and skips empty ones', async () => {
    const loaded = await loadFiles(['valid/several.yaml'], { cwd: fixturesDir });
    // Document 1 holds only a comment and document 2 is a lone `---`.
    expect(loaded.documents.map((d) => [d.file, d.index])).toEqual([
      ['valid/several.yaml', 0],
      ['valid/several.yaml', 3],
    ]);
    expect(loaded.diagnostics).toEqual([]);
  });

  it('warns about a file without any definition: empty, only comments, or only `---`', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'a.yaml': '', 'b.yaml': '# nothing yet\n', 'c.yaml': '---\n' });
      const loaded = await loadFiles(['.'], { cwd: dir });
      expect(
        loaded.diagnostics.map((d) => `${d.severity} ${d.code} ${d.file}:${d.line}:${d.column}`),
      ).toEqual([
        'warning empty-file a.yaml:1:1',
        'warning empty-file b.yaml:1:1',
        'warning empty-file c.yaml:1:1',
      ]);
      expect(loaded.diagnostics[0]?.message).toBe(
        'This file holds no segment definition: it is empty or has only comments.',
      );
    });
  });

  it('reports a syntax error at the misplaced item, not at its indentation', async () => {
    const { diagnostics } = await check(['invalid/syntax.yaml']);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'yaml-syntax',
        file: 'invalid/syntax.yaml',
        line: 6,
        column: 8,
        message: matching(/^This is not valid YAML: /),
        hint: containing('indentation'),
      }),
    ]);
  });

  it('reports a tab used as indentation at the tab', async () => {
    const { diagnostics } = await check(['invalid/tabs.yaml']);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'yaml-syntax',
        line: 4,
        column: 1,
        message: 'A tab is used for indentation; YAML allows only spaces there.',
        hint: 'Replace the tab with spaces.',
      }),
    ]);
  });

  it('reports an unclosed bracket at the bracket, not where the parser noticed it', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'list.yaml': 'name: x\ncontactIds: ["1", "2"\nrefreshType: static\n',
        'map.yaml': 'name: x\ngroups:\n  - {conditions: []\nrefreshType: static\n',
      });
      const { diagnostics } = await check(['.'], { cwd: dir });
      expect(diagnostics).toEqual([
        expect.objectContaining({
          file: 'list.yaml',
          line: 2,
          column: 13,
          message: 'This list in square brackets is never closed: its closing `]` is missing.',
        }),
        expect.objectContaining({
          file: 'map.yaml',
          line: 3,
          column: 5,
          message: 'This mapping in curly braces is never closed: its closing `}` is missing.',
        }),
      ]);
    });
  });

  it('reports an unclosed quote at its opening quote, not at the end of the file', async () => {
    const { diagnostics } = await check(['invalid/unclosed-quote.yaml']);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'yaml-syntax',
        line: 1,
        column: 7,
        message: 'This quoted text is never closed: its closing quote is missing.',
      }),
    ]);
  });

  it('reports a duplicated key at the second occurrence, naming the key and the first line', async () => {
    const { diagnostics } = await check(['invalid/duplicate-key.yaml']);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'duplicate-key',
        line: 4,
        column: 1,
        message: 'The key `name` appears more than once in the same mapping (first on line 1).',
      }),
    ]);
  });

  it('refuses an alias bomb instead of expanding it', async () => {
    const { diagnostics, segments } = await check(['invalid/alias-bomb.yaml']);
    expect(segments).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'alias-limit',
        line: 1,
        column: 1,
        message: containing('alias bomb'),
      }),
    ]);
  });

  it('reports an alias to an anchor that does not exist, at the alias', async () => {
    const { diagnostics } = await check(['invalid/unknown-alias.yaml']);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'yaml-syntax',
        line: 1,
        column: 7,
        message:
          'The alias `*missing` refers to an anchor `&missing` that is not defined before it.',
      }),
    ]);
  });

  it('survives absurdly deep nesting with a diagnostic', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, { 'deep.yaml': `name: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n` });
      const { diagnostics } = await check(['.'], { cwd: dir });
      expect(diagnostics).toEqual([
        expect.objectContaining({ severity: 'error', file: 'deep.yaml', code: 'yaml-syntax' }),
      ]);
    });
  });

  it('keeps reading the other documents and files after a broken one', async () => {
    await withTempDir(async (dir) => {
      await writeFiles(dir, {
        'a.yaml': `name: [broken\n---\n${SEGMENT}`,
        'b.yaml': SEGMENT.replace('Some segment', 'Another segment'),
      });
      const result = await check(['.'], { cwd: dir });
      expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual([
        'a.yaml:1:7 yaml-syntax',
      ]);
      expect(result.segments.map((s) => s.name)).toEqual(['Some segment', 'Another segment']);
    });
  });

  it('remembers file, index and a line counter for every document', async () => {
    const loaded = await loadFiles(['valid/india.yaml'], { cwd: fixturesDir });
    const [document] = loaded.documents;
    expect(document?.file).toBe('valid/india.yaml');
    expect(document?.index).toBe(0);
    // Line 2 of india.yaml starts after the 71-character schema comment and its line break.
    expect(document?.lineCounter.linePos(72)).toEqual({ line: 2, col: 1 });
  });
});
