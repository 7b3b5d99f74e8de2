// `contactIdsFile`: contact ids from a CSV export, read from real files beside real definitions.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndValidateDefinitions } from '../../src/definitions/load-definitions.js';
import { MAX_FILE_BYTES } from '../../src/yaml/read.js';
import { createSeededRandom } from '../../src/emulator/random.js';
import { computePlan } from '../../src/plan/compute.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { stateOf } from '../helpers/builders.js';
import { withTempDir } from './helpers.js';

const STATIC = 'name: VIP\nrefreshType: static\n';

/** Writes the files (path → content) under `dir` and validates `segments/` from `dir`. */
async function validate(dir: string, files: Record<string, string | Buffer>) {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return loadAndValidateDefinitions([path.join(dir, 'segments')], { cwd: dir });
}

const located = (result: Awaited<ReturnType<typeof validate>>) =>
  result.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line}`);

describe('contactIdsFile', () => {
  it('reads a header column named id, with a BOM and CRLF, relative to the definition file', async () => {
    await withTempDir(async (dir) => {
      const result = await validate(dir, {
        'segments/team/vip.yaml': `${STATIC}contactIdsFile: ../lists/vip.csv\n`,
        'segments/lists/vip.csv': '\uFEFFname,id\r\nAnn,911234567890\r\n"Bob, Jr.",0049151\r\n',
      });
      expect(result.diagnostics).toEqual([]);
      expect(result.segments[0]!.payload.contactIds).toEqual(['911234567890', '0049151']);
      expect(result.segments[0]!.contactIdsFile).toBe('segments/lists/vip.csv');
    });
  });

  it('digests the ids, not the file: the same ids inline give the same digest', async () => {
    await withTempDir(async (dir) => {
      const fromFile = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIdsFile: a.csv\n`,
        'segments/a.csv': 'contactId\n1\n2\n',
      });
      await withTempDir(async (other) => {
        const inline = await validate(other, {
          'segments/vip.yaml': `${STATIC}contactIds: ["1", "2"]\n`,
        });
        expect(fromFile.segments[0]!.digest).toBe(inline.segments[0]!.digest);
      });
      const moved = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIdsFile: b.csv\n`,
        'segments/b.csv': 'contactId\n1\n2\n',
      });
      expect(moved.segments[0]!.digest).toBe(fromFile.segments[0]!.digest);
    });
  });

  it('reads a single column without a header, and a column named by contactIdsColumn', async () => {
    await withTempDir(async (dir) => {
      const plain = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIdsFile: a.csv\n`,
        'segments/a.csv': '111\n222',
      });
      expect(plain.segments[0]!.payload.contactIds).toEqual(['111', '222']);
      const named = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIdsFile: a.csv\ncontactIdsColumn: Phone\n`,
        'segments/a.csv': 'Name,Phone\nAnn,333\n',
      });
      expect(named.segments[0]!.payload.contactIds).toEqual(['333']);
    });
  });

  it('reports every bad row as file.csv:line, without the ids themselves', async () => {
    await withTempDir(async (dir) => {
      const result = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIdsFile: a.csv\n`,
        'segments/a.csv': 'id,name\n911234567890,a\n\n1.23E+11,b\n911234567890,c\n"",d\n123.0,e\n',
      });
      expect(result.segments).toEqual([]);
      expect(located(result)).toEqual([
        'error segments/a.csv:3',
        'error segments/a.csv:4',
        'warning segments/a.csv:5',
        'error segments/a.csv:6',
        'error segments/a.csv:7',
      ]);
      for (const diagnostic of result.diagnostics) {
        expect(diagnostic.message).not.toContain('911234567890');
        expect(diagnostic.segment).toBe('VIP');
      }
    });
  });

  it('refuses contactIds and contactIdsFile together, and a column without a file', async () => {
    await withTempDir(async (dir) => {
      const both = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIds: ["1"]\ncontactIdsFile: a.csv\n`,
        'segments/a.csv': '1\n',
      });
      expect(both.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([
        ['contact-ids-twice', 'segments/vip.yaml', 4],
      ]);
      const column = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIds: ["1"]\ncontactIdsColumn: id\n`,
      });
      expect(column.diagnostics.map((d) => d.code)).toEqual(['contact-ids-column-without-file']);
    });
  });

  it('says what is wrong with a file it cannot use', async () => {
    await withTempDir(async (dir) => {
      // A file that cannot be used at all is reported where `contactIdsFile` names it (line 3 of
      // the definition); a problem inside it, at its line.
      const atKey = 'segments/vip.yaml';
      const cases: [string, string | Buffer, RegExp, string?][] = [
        ['missing.csv', '', /segments\/missing\.csv does not exist/, atKey],
        ['wide.csv', 'name,phone\nAnn,1\n', /none is named "id" or "contactId"/],
        ['latin1.csv', Buffer.from([0x31, 0x0a, 0xe9, 0x0a]), /not valid UTF-8/],
        ['big.csv', '1\n'.repeat(MAX_FILE_BYTES / 2 + 1), /over the 1 MiB limit/, atKey],
        ['quote.csv', 'id\n"123\n', /not valid CSV/],
        ['header-only.csv', 'id\n', /a header but no ids/],
      ];
      for (const [file, content, message, where = `segments/${file}`] of cases) {
        const files: Record<string, string | Buffer> = {
          'segments/vip.yaml': `${STATIC}contactIdsFile: ${file}\n`,
        };
        if (file !== 'missing.csv') files[`segments/${file}`] = content;
        const result = await validate(dir, files);
        expect(result.segments, file).toEqual([]);
        expect(result.diagnostics[0]?.message, file).toMatch(message);
        expect(result.diagnostics[0]?.file, file).toBe(where);
      }
    });
  });

  it('the plan shows the count and the file; the PR comment never the ids', async () => {
    await withTempDir(async (dir) => {
      const result = await validate(dir, {
        'segments/vip.yaml': `${STATIC}contactIdsFile: lists/vip.csv\n`,
        'segments/lists/vip.csv': 'id\n4915112345678\n4915187654321\n',
      });
      const plan = computePlan({
        segments: result.segments,
        validationDiagnostics: result.diagnostics,
        state: stateOf(),
        options: {},
      });
      expect(renderPlanText(plan)).toContain(
        '+ VIP  static, 2 contact IDs from segments/lists/vip.csv',
      );
      const markdown = renderPlanMarkdown(plan);
      expect(markdown).toContain('static, 2 contact IDs from segments/lists/vip.csv');
      expect(markdown).not.toContain('4915112345678');
    });
  });

  it('reads back any list of ids written as CSV (seeded random lists)', async () => {
    const random = createSeededRandom(11);
    const alphabet = '0123456789+-abcXYZ ,"\u00e9\u4e2d';
    await withTempDir(async (dir) => {
      for (let round = 0; round < 30; round++) {
        const ids = new Set<string>();
        const count = 1 + Math.floor(random() * 20);
        while (ids.size < count) {
          let id = '';
          const length = 1 + Math.floor(random() * 12);
          for (let i = 0; i < length; i++) id += alphabet[Math.floor(random() * alphabet.length)];
          id = id.trim();
          // Not what this round is about: rows a spreadsheet mangled and formulas are reported,
          // not read.
          const mangled = /^\d+\.\d+$|^[+-]?\d+(\.\d+)?[eE]|^\d{1,3}(,\d{3})+$/.test(id);
          const formula = /^[+-](?!\d+$)/.test(id);
          if (id !== '' && !mangled && !formula) ids.add(id);
        }
        const csv = ['id', ...[...ids].map((id) => `"${id.replace(/"/g, '""')}"`)].join(
          round % 2 ? '\r\n' : '\n',
        );
        const result = await validate(dir, {
          'segments/vip.yaml': `${STATIC}contactIdsFile: r.csv\n`,
          'segments/r.csv': csv,
        });
        expect(result.diagnostics).toEqual([]);
        expect(result.segments[0]!.payload.contactIds).toEqual([...ids]);
      }
    });
  });
});
