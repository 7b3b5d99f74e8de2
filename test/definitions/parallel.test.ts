// Large repositories are loaded by two threads (validate.ts + work-sharing.ts). Whatever the
// split, the result must be exactly what one thread produces: same segments in the same order,
// same diagnostics, first definition of a duplicated name kept. Runs the built modules, where the
// worker really starts (test/global-setup.ts builds dist/ first).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { loadAndValidateDefinitions as loadAndValidateSource } from '../../src/definitions/load-definitions.js';
import { fixturesDir } from './helpers.js';

type Load = typeof loadAndValidateSource;
const { loadAndValidateDefinitions } = (await import(
  new URL('../../dist/definitions/load-definitions.js', import.meta.url).href
)) as { loadAndValidateDefinitions: Load };

const serial = { minFiles: Number.POSITIVE_INFINITY };

let generated: string;

/** 30 files: valid ones, names repeated and near-repeated across files, broken ones in between. */
async function writeCorpus(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'more'), { recursive: true });
  for (let i = 0; i < 24; i++) {
    const number = String(i).padStart(2, '0');
    // Every fifth file repeats the name of the file before it; every seventh differs only in case.
    const name =
      i % 5 === 4 ? `Segment ${i - 1}` : i % 7 === 6 ? `SEGMENT ${i - 1}` : `Segment ${i}`;
    await writeFile(
      path.join(dir, `s${number}.yaml`),
      `name: ${name}\nrefreshType: static\ncontactIds: ["1", "2", "1"]\n`,
    );
  }
  await writeFile(path.join(dir, 's05b.yaml'), 'name: [unclosed\n');
  await writeFile(path.join(dir, 's11b.yaml'), '');
  await writeFile(path.join(dir, 's13b.yaml'), Buffer.from([0x6e, 0x61, 0xff, 0x0a]));
  await writeFile(
    path.join(dir, 'more/multi.yaml'),
    'name: Segment 2\nrefreshType: dynamic\n---\nname: Other\nrefreshType: dynamic\ngroups: []\nextra: 1\n',
  );
}

beforeAll(async () => {
  generated = await mkdtemp(path.join(os.tmpdir(), 'segsync-parallel-'));
  await writeCorpus(generated);
});

afterAll(async () => {
  await rm(generated, { recursive: true, force: true });
});

describe('loading with a worker thread', () => {
  it.each([1, 2, 3, 7])(
    'gives the one-thread result for the fixture corpus, %i file(s) per chunk',
    async (filesPerChunk) => {
      const paths = ['valid', 'invalid', 'duplicates'];
      const expected = await loadAndValidateDefinitions(paths, {
        cwd: fixturesDir,
        parallel: serial,
      });
      const actual = await loadAndValidateDefinitions(paths, {
        cwd: fixturesDir,
        parallel: { minFiles: 0, filesPerChunk },
      });
      expect(expected.diagnostics.length).toBeGreaterThan(10);
      expect(actual).toEqual(expected);
    },
  );

  it.each([1, 4])(
    'keeps the first of duplicated names across chunks, %i file(s) per chunk',
    async (filesPerChunk) => {
      const options = { cwd: generated, operators: ['=='] };
      const expected = await loadAndValidateDefinitions(['.'], { ...options, parallel: serial });
      const actual = await loadAndValidateDefinitions(['.'], {
        ...options,
        parallel: { minFiles: 0, filesPerChunk },
      });
      expect(actual).toEqual(expected);
      const codes = new Set(actual.diagnostics.map((diagnostic) => diagnostic.code));
      for (const code of ['duplicate-name', 'similar-name', 'empty-file', 'not-utf8']) {
        expect(codes).toContain(code);
      }
      // "Segment 3" is defined in s03.yaml first and repeated in s04.yaml: the first one stays.
      expect(actual.segments.find((segment) => segment.name === 'Segment 3')?.source.file).toBe(
        's03.yaml',
      );
      expect(actual.files).toHaveLength(28);
    },
  );

  it.each([
    ['one thread', serial],
    ['a worker, 3 files per chunk', { minFiles: 0, filesPerChunk: 3 }],
  ])(
    'counts exactly the segments it would build (validate vs plan), %s',
    async (_label, parallel) => {
      for (const [paths, cwd] of [
        [['.'], generated],
        [['valid', 'invalid', 'duplicates'], fixturesDir],
      ] as const) {
        const built = await loadAndValidateDefinitions([...paths], { cwd, parallel });
        const counted = await loadAndValidateDefinitions([...paths], {
          cwd,
          parallel,
          build: 'count',
        });
        expect(built.segments.length).toBeGreaterThan(3);
        expect(counted.segmentCount).toBe(built.segments.length);
        expect(built.segmentCount).toBe(built.segments.length);
        expect(counted.segments).toEqual([]);
        expect(counted.diagnostics).toEqual(built.diagnostics);
      }
    },
  );
});
