// Validating segment definitions: what a valid definition becomes, and for every kind of mistake
// the exact place it is reported and the words used. Each invalid fixture is one topic.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAndValidateDefinitions } from '../../src/definitions/load-definitions.js';
import { SegmentCollector } from '../../src/definitions/rules.js';
import { digestOf } from '../../src/core/canonical-json.js';
import {
  check,
  checkText,
  containing,
  diagnosticAt,
  diagnosticsOf,
  fixturesDir,
  loadFiles,
  withTempDir,
} from './helpers.js';

describe('valid definitions', () => {
  it('become segments with the exact payload sent to Wati, a digest and a source', async () => {
    const { segments, diagnostics } = await check(['valid']);
    expect(diagnostics).toEqual([]);
    expect(segments.map((segment) => segment.name)).toEqual([
      'Customers from India',
      'Deeply nested file',
      'Loyal customers',
      'Recent buyers',
      'VIP Customers',
    ]);
    const india = segments[0];
    const payload = {
      name: 'Customers from India',
      refreshType: 2,
      groups: [{ conditions: [{ attribute: 'country', operator: '==', value: 'India' }] }],
    };
    expect(india).toEqual({
      name: 'Customers from India',
      description: 'Documentation only, never sent to Wati',
      payload,
      digest: digestOf(payload),
      source: { file: 'valid/india.yaml', line: 2, column: 7 },
    });
  });

  it('keep numbers and booleans as condition values, and contact ids as written', async () => {
    const { segments } = await check(['valid/several.yaml', 'valid/nested']);
    // Files are read in path order, whatever order the paths were given in.
    expect(segments.map((segment) => segment.payload)).toEqual([
      // Leading zeros survive because the id is quoted.
      { name: 'Deeply nested file', refreshType: 1, contactIds: ['00042'] },
      {
        name: 'Loyal customers',
        refreshType: 1,
        groups: [
          {
            conditions: [
              { attribute: 'orders', operator: '>=', value: 10 },
              { attribute: 'subscribed', operator: '==', value: true },
            ],
          },
        ],
      },
      {
        name: 'Recent buyers',
        refreshType: 2,
        groups: [{ conditions: [{ attribute: 'lastOrderDays', operator: '<', value: 30 }] }],
      },
    ]);
    expect(segments[2]?.source).toEqual({ file: 'valid/several.yaml', line: 16, column: 7 });
  });

  it('may reuse values with anchors and aliases', () => {
    const { segments, diagnostics } = checkText(
      [
        'name: Aliased',
        'refreshType: dynamic',
        'groups:',
        '  - conditions: &india',
        '      - {attribute: country, operator: "==", value: India}',
        '  - conditions: *india',
        '',
      ].join('\n'),
    );
    expect(diagnostics).toEqual([]);
    const condition = { attribute: 'country', operator: '==', value: 'India' };
    expect(segments[0]?.payload.groups).toEqual([
      { conditions: [condition] },
      { conditions: [condition] },
    ]);
  });

  it('are streamed to the same result by loadAndValidateDefinitions', async () => {
    const streamed = await loadAndValidateDefinitions(['valid', 'invalid'], { cwd: fixturesDir });
    // The same rules fed every document at once, kept in memory.
    const loaded = await loadFiles(['valid', 'invalid'], { cwd: fixturesDir });
    const collector = new SegmentCollector();
    for (const document of loaded.documents) collector.add(document);
    expect(streamed).toEqual({ ...collector.finish(loaded.diagnostics), files: loaded.files });
  });
});

describe('the canonical payload and its digest', () => {
  const staticSegment = (extra: string) =>
    `name: VIP\nrefreshType: static\ncontactIds: ["1", "2"]\n${extra}`;

  function digestOfText(text: string): string | undefined {
    const { segments, diagnostics } = checkText(text);
    expect(diagnostics).toEqual([]);
    return segments[0]?.digest;
  }

  it('sends useUploadedContact only when true: false and absent are the same definition', () => {
    const absent = checkText(staticSegment('')).segments[0];
    const isFalse = checkText(staticSegment('useUploadedContact: false\n')).segments[0];
    const isTrue = checkText(staticSegment('useUploadedContact: true\n')).segments[0];
    expect(isFalse?.payload).toEqual({ name: 'VIP', refreshType: 1, contactIds: ['1', '2'] });
    expect(isFalse?.digest).toBe(absent?.digest);
    expect(isTrue?.payload.useUploadedContact).toBe(true);
    expect(isTrue?.digest).not.toBe(absent?.digest);
  });

  it('writes refreshType as 1 or 2 whether it was written as a word or a number', () => {
    expect(digestOfText('name: VIP\nrefreshType: 1\ncontactIds: ["1", "2"]\n')).toBe(
      digestOfText(staticSegment('')),
    );
    expect(checkText(staticSegment('')).segments[0]?.payload.refreshType).toBe(1);
  });

  it('does not depend on key order, and ignores the description', () => {
    const reordered =
      'contactIds: ["1", "2"]\ndescription: Only for people\nrefreshType: static\nname: VIP\n';
    expect(digestOfText(reordered)).toBe(digestOfText(staticSegment('')));
  });

  it('changes when anything sent to Wati changes, including the order of contact ids', () => {
    const base = digestOfText(staticSegment(''));
    expect(digestOfText('name: VIP\nrefreshType: static\ncontactIds: ["2", "1"]\n')).not.toBe(base);
    expect(digestOfText('name: VIP 2\nrefreshType: static\ncontactIds: ["1", "2"]\n')).not.toBe(
      base,
    );
    const withGroups = `${staticSegment('')}groups:\n  - conditions:\n      - {attribute: a, operator: "==", value: "1"}\n`;
    const withNumber = withGroups.replace('value: "1"', 'value: 1');
    expect(digestOfText(withGroups)).not.toBe(base);
    // "1" and 1 are different values to Wati.
    expect(digestOfText(withNumber)).not.toBe(digestOfText(withGroups));
  });
});

describe('unknown keys', () => {
  const file = 'invalid/unknown-keys.yaml';

  it('are errors at the key, in the document, in a group and in a condition, with a suggestion', async () => {
    const { diagnostics, segments } = await check([file]);
    expect(segments).toEqual([]);
    expect(diagnosticsOf(diagnostics, file)).toHaveLength(4);
    expect(diagnosticAt(diagnostics, file, 3, 1)).toEqual({
      severity: 'error',
      code: 'unknown-key',
      message: 'The segment definition has an unknown key `descripton`.',
      file,
      line: 3,
      column: 1,
      segment: 'Typos everywhere',
      hint: 'Did you mean `description`? The keys allowed here are: name, refreshType, description, groups, contactIds, contactIdsFile, contactIdsColumn, useUploadedContact.',
    });
    expect(diagnosticAt(diagnostics, file, 9, 9)).toMatchObject({
      code: 'unknown-key',
      message: 'Condition 1 in group 1 has an unknown key `valeu`.',
      hint: 'Did you mean `value`? The keys allowed here are: attribute, operator, value.',
    });
    expect(diagnosticAt(diagnostics, file, 10, 5)).toMatchObject({
      code: 'unknown-key',
      message: 'Group 1 has an unknown key `extra`.',
    });
  });

  it('include `__proto__`, which never reaches any prototype', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 11, 1)).toMatchObject({
      code: 'unknown-key',
      message: 'The segment definition has an unknown key `__proto__`.',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('wrong types', () => {
  const file = 'invalid/wrong-types.yaml';

  it('are reported at the value, saying what was expected and what was found', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticsOf(diagnostics, file)).toHaveLength(6);
    expect(diagnosticAt(diagnostics, file, 1, 7)).toMatchObject({
      code: 'wrong-type',
      message: '`name` must be text, but it is a list.',
    });
    expect(diagnosticAt(diagnostics, file, 3, 14)).toMatchObject({
      code: 'wrong-type',
      message: '`description` must be text, but it is a number (42).',
      hint: 'Put the value in quotes to make it text.',
    });
    expect(diagnosticAt(diagnostics, file, 4, 21)).toMatchObject({
      code: 'wrong-type',
      message: '`useUploadedContact` must be true or false, but it is text ("yes").',
      hint: 'Write true or false, without quotes (YAML reads yes/no/on/off as text).',
    });
    expect(diagnosticAt(diagnostics, file, 9, 16)).toMatchObject({
      code: 'wrong-type',
      message:
        '`value` of condition 1 in group 1 must be text, a number or true/false, but it is a list.',
    });
    expect(diagnosticAt(diagnostics, file, 10, 13)).toMatchObject({
      code: 'wrong-type',
      message: '`contactIds` must be a list, but it is text ("12345").',
    });
  });

  it('include a refreshType that is not one of the four accepted values, with a suggestion', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 2, 14)).toMatchObject({
      code: 'invalid-value',
      message: '`refreshType` must be static, dynamic, 1 or 2, not "dinamic".',
      hint: 'Did you mean `dynamic`?',
    });
  });

  it('include a document that is a list or a sentence instead of a mapping', async () => {
    const notMapping = 'invalid/not-a-mapping.yaml';
    const { diagnostics } = await check([notMapping]);
    expect(diagnosticsOf(diagnostics, notMapping)).toHaveLength(2);
    expect(diagnosticAt(diagnostics, notMapping, 1, 1)).toMatchObject({
      code: 'not-a-mapping',
      message:
        'A segment definition must be a mapping of keys (`key: value` lines), but this document is a list.',
    });
    expect(diagnosticAt(diagnostics, notMapping, 4, 1).message).toMatch(
      /but this document is text\.$/,
    );
  });

  it('include non-finite numbers', () => {
    const { diagnostics } = checkText(
      'name: x\nrefreshType: 2\ngroups:\n  - conditions:\n      - {attribute: a, operator: "==", value: .inf}\n',
    );
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 5,
        column: 47,
        code: 'value-not-as-written',
        message:
          '`value` of condition 1 in group 1 is written as .inf; YAML reads that as infinity, which JSON cannot carry, so it would not be sent as written.',
        hint: 'Put it in quotes to send the text exactly as written: ".inf".',
      }),
    ]);
  });
});

describe('missing keys', () => {
  const file = 'invalid/missing.yaml';

  it('are reported at the first key of the mapping that lacks them, naming what is missing', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticsOf(diagnostics, file)).toHaveLength(5);
    expect(diagnosticAt(diagnostics, file, 1, 1)).toMatchObject({
      code: 'missing-key',
      message: 'The segment definition is missing `name`.',
      hint: 'Add it, for example `name: Customers from India`.',
    });
    expect(diagnosticAt(diagnostics, file, 4, 9)).toMatchObject({
      code: 'missing-key',
      message: 'Condition 1 in group 1 is missing `operator`.',
    });
    expect(diagnosticAt(diagnostics, file, 7, 1)).toMatchObject({
      code: 'missing-key',
      message: 'The segment definition is missing `refreshType`.',
      segment: 'No refresh type',
      hint: 'Add it, for example `refreshType: dynamic`.',
    });
  });

  it('include empty lists and empty mappings', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 13, 17)).toMatchObject({
      code: 'empty-list',
      message: '`conditions` of group 1 is an empty list.',
    });
    // `{}` has no key: the mapping itself is pointed at.
    expect(diagnosticAt(diagnostics, file, 14, 5)).toMatchObject({
      code: 'missing-key',
      message: 'Group 2 is missing `conditions`.',
    });
  });
});

describe('the refreshType rules', () => {
  const file = 'invalid/rules.yaml';

  it('are reported once each, at refreshType, in plain words', async () => {
    const { diagnostics } = await check([file]);
    // ajv reports each failure as if/then + anyOf + required; only one diagnostic survives.
    expect(diagnosticsOf(diagnostics, file)).toEqual([
      expect.objectContaining({
        code: 'dynamic-needs-groups',
        line: 2,
        column: 14,
        segment: 'Dynamic without groups',
        message:
          'A dynamic segment needs `groups`: Wati re-evaluates its contacts from the filter groups.',
        hint: containing('Add `groups:`'),
      }),
      expect.objectContaining({
        code: 'static-needs-contacts-or-groups',
        line: 6,
        column: 14,
        message:
          'A static segment needs `contactIds` (or `contactIdsFile`) or `groups` (or both): otherwise it selects no contacts.',
      }),
    ]);
  });

  it('accept a static segment with groups only', () => {
    const { diagnostics } = checkText(
      'name: x\nrefreshType: static\ngroups:\n  - conditions: [{attribute: a, operator: "==", value: b}]\n',
    );
    expect(diagnostics).toEqual([]);
  });
});

describe('names', () => {
  const file = 'invalid/names.yaml';

  it('may not start or end with whitespace, nor hold control characters', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 1, 7)).toMatchObject({
      code: 'invalid-format',
      message: 'The segment name starts or ends with whitespace: remove the spaces around it.',
    });
    expect(diagnosticAt(diagnostics, file, 5, 7)).toMatchObject({
      code: 'invalid-format',
      message: containing('control character'),
    });
  });

  it('may not be empty, blank or longer than 100 characters; each problem is reported once', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticsOf(diagnostics, file)).toHaveLength(5);
    expect(diagnosticAt(diagnostics, file, 9, 7)).toMatchObject({
      code: 'empty-value',
      message: '`name` is empty.',
    });
    expect(diagnosticAt(diagnostics, file, 13, 7)).toMatchObject({
      code: 'too-long',
      message: '`name` is 101 characters long; the limit is 100.',
    });
    // `name:` with nothing after it: the key is pointed at.
    expect(diagnosticAt(diagnostics, file, 17, 1)).toMatchObject({
      code: 'missing-value',
      message: '`name` has no value.',
      hint: 'Write a value after `name:`, or remove the line if it is optional.',
    });
  });

  it('defined twice across files is an error naming both places', async () => {
    const { diagnostics } = await check(['duplicates']);
    expect(diagnosticAt(diagnostics, 'duplicates/b.yaml', 2, 7)).toMatchObject({
      severity: 'error',
      code: 'duplicate-name',
      segment: 'VIP Customers',
      message:
        'The segment name "VIP Customers" is defined twice: here and at duplicates/a.yaml:1:7.',
    });
  });

  it('differing only in case are a warning naming both places and what differs', async () => {
    const { diagnostics, segments } = await check(['duplicates']);
    expect(diagnosticAt(diagnostics, 'duplicates/b.yaml', 6, 7)).toMatchObject({
      severity: 'warning',
      code: 'similar-name',
      message:
        'The segment name "vip customers" differs from "VIP Customers" (duplicates/a.yaml:1:7) only in letter case.',
    });
    // The duplicate keeps its first definition only; the look-alike is a segment of its own.
    expect(segments.map((s) => `${s.name} ${s.source.file}`)).toEqual([
      'VIP Customers duplicates/a.yaml',
      'vip customers duplicates/b.yaml',
    ]);
  });

  it('that differ by surrounding whitespace are flagged as look-alikes as well as invalid', () => {
    const { diagnostics } = checkText(
      'name: VIP\nrefreshType: 1\ncontactIds: ["1"]\n---\nname: "VIP "\nrefreshType: 1\ncontactIds: ["1"]\n',
    );
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}`)).toEqual([
      '5:7 error invalid-format',
      '5:7 warning similar-name',
    ]);
  });
});

describe('names with invisible characters', () => {
  const segment = (name: string) => `name: "${name}"\nrefreshType: 1\ncontactIds: ["1"]\n`;

  it.each([
    ['V\\u200BIP', 'U+200B ZERO WIDTH SPACE at character 2, after "V"'],
    ['abc\\u202Egnp.exe', 'U+202E RIGHT-TO-LEFT OVERRIDE at character 4, after "abc"'],
    ['\\u2066VIP', 'U+2066 LEFT-TO-RIGHT ISOLATE at character 1, at the start'],
    ['VIP\\uFEFF list', 'U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark) at character 4'],
    ['x\\uD800y', 'U+D800 a lone UTF-16 surrogate (half of a character) at character 2'],
    ['VIP\\u200E', 'U+200E LEFT-TO-RIGHT MARK at character 4, after "VIP"'],
    ['\\u200FVIP', 'U+200F RIGHT-TO-LEFT MARK at character 1, at the start'],
    ['V\\u061CIP', 'U+061C ARABIC LETTER MARK at character 2'],
    ['V\\u00ADIP', 'U+00AD SOFT HYPHEN at character 2'],
    ['V\\u180EIP', 'U+180E MONGOLIAN VOWEL SEPARATOR at character 2'],
  ])('%s is refused, naming the character and where it is', (written, expected) => {
    const { diagnostics, segments } = checkText(segment(written));
    expect(segments).toEqual([]);
    const found = diagnostics.find((d) => d.code === 'invisible-character');
    expect(found).toMatchObject({ severity: 'error', line: 1, column: 7 });
    expect(found?.message).toContain(expected);
  });

  it('a visible name beside its zero-width twin: the twin is refused, the name is kept', () => {
    const { diagnostics, segments } = checkText(`${segment('VIP')}---\n${segment('V\\u200BIP')}`);
    expect(segments.map((s) => s.name)).toEqual(['VIP']);
    expect(diagnostics.map((d) => `${d.line} ${d.code}`)).toContain('5 invisible-character');
  });
});

describe('look-alike names say what differs', () => {
  const twoNames = (a: string, b: string) =>
    checkText(
      `name: "${a}"\nrefreshType: 1\ncontactIds: ["1"]\n---\nname: "${b}"\nrefreshType: 1\ncontactIds: ["1"]\n`,
    ).diagnostics.find((d) => d.code === 'similar-name')?.message;

  it('Unicode normalisation: é as one character and as e + combining accent', () => {
    expect(twoNames('Caf\\u00e9', 'Cafe\\u0301')).toMatch(
      /only in Unicode normalisation \(the same letters encoded differently\)\.$/,
    );
  });

  it('spacing: two spaces, or a no-break space, where the other has one space', () => {
    expect(twoNames('VIP Customers', 'VIP  Customers')).toMatch(/only in spacing\.$/);
    expect(twoNames('VIP Customers', 'VIP\\u00a0Customers')).toMatch(/only in spacing\.$/);
  });

  it('several ways at once are all named', () => {
    expect(twoNames('VIP Customers', 'vip  customers')).toMatch(
      /only in letter case and spacing\.$/,
    );
  });
});

describe('contact ids', () => {
  const file = 'invalid/contact-ids.yaml';

  it('written as numbers are errors telling to quote them, showing them as written', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 5, 5)).toMatchObject({
      code: 'contact-id-not-quoted',
      message:
        'Contact id 2 is written as 012345 without quotes; YAML reads that as the number 12345, but contact ids must be text, sent as written.',
      hint: 'Put it in quotes: "012345". Quoted, YAML keeps it as text, exactly as written.',
    });
  });

  it('repeated in one segment are a warning, not an error', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 6, 5)).toMatchObject({
      severity: 'warning',
      code: 'duplicate-contact-id',
      message: 'The contact id "12345" is listed more than once in this segment (first on line 4).',
    });
    const repeatedOnly = checkText('name: x\nrefreshType: static\ncontactIds: ["1", "1"]\n');
    expect(repeatedOnly.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(repeatedOnly.segments[0]?.payload.contactIds).toEqual(['1', '1']);
  });

  it('may not be empty strings or an empty list', async () => {
    const { diagnostics } = await check([file]);
    expect(diagnosticAt(diagnostics, file, 7, 5)).toMatchObject({
      code: 'empty-value',
      message: 'Contact id 4 is empty.',
      hint: 'Fill it in, or remove the list item.',
    });
    expect(diagnosticAt(diagnostics, file, 11, 13)).toMatchObject({
      code: 'empty-list',
      message: '`contactIds` is an empty list.',
    });
  });
});

describe('operators', () => {
  it('are free-form by default', async () => {
    const { diagnostics } = await check(['valid']);
    expect(diagnostics).toEqual([]);
  });

  it('outside the configured allow-list are errors at the operator, listing the allowed ones', async () => {
    const { diagnostics, segments } = await check(['valid'], { operators: ['==', '!='] });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'operator-not-allowed',
        file: 'valid/several.yaml',
        line: 7,
        column: 19,
        segment: 'Loyal customers',
        message: 'The operator `>=` is not allowed. Allowed operators: ==, !=.',
        hint: 'Use one of the allowed operators, or add `>=` to `operators` in segsync.config.yaml.',
      }),
      expect.objectContaining({ file: 'valid/several.yaml', line: 21, column: 19 }),
    ]);
    expect(segments.map((s) => s.name)).toEqual([
      'Customers from India',
      'Deeply nested file',
      'VIP Customers',
    ]);
  });
});

describe('the whole set', () => {
  it('must not be empty: an empty directory is an error unless allowed', async () => {
    await withTempDir(async (dir) => {
      const { diagnostics } = await check(['.'], { cwd: dir });
      expect(diagnostics).toEqual([
        {
          severity: 'error',
          code: 'no-definitions',
          message:
            'No segment definitions were found. An empty set is never treated as success: it usually means the wrong directory was given.',
          hint: 'Check the definitions path; pass --allow-empty if an empty set is intended.',
        },
      ]);
      expect((await check(['.'], { cwd: dir, allowEmpty: true })).diagnostics).toEqual([]);
    });
  });

  it('does not add "no definitions" when a missing path already explains it', async () => {
    await withTempDir(async (dir) => {
      const { diagnostics } = await check(['nowhere'], { cwd: dir });
      expect(diagnostics.map((d) => d.code)).toEqual(['path-not-found']);
    });
  });

  it('collects every problem of every file, sorted by file, line and column', async () => {
    const { diagnostics } = await check(['invalid', 'duplicates']);
    const files = new Set(diagnostics.map((d) => d.file));
    expect(files.size).toBe(14);
    const positions = diagnostics.map((d) => [d.file ?? '', d.line ?? 0, d.column ?? 0] as const);
    const sorted = [...positions].sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2],
    );
    expect(positions).toEqual(sorted);
    // Warnings sit between errors in position order, not at the end.
    const severities = diagnosticsOf(diagnostics, 'invalid/contact-ids.yaml').map(
      (d) => d.severity,
    );
    expect(severities).toEqual(['error', 'warning', 'error', 'error']);
  });

  it('never lets one broken file hide the segments of the others', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'bad.yaml'), 'name: [\n');
      await writeFile(
        path.join(dir, 'good.yaml'),
        'name: Good\nrefreshType: 1\ncontactIds: ["1"]\n',
      );
      const { segments } = await check(['.'], { cwd: dir });
      expect(segments.map((s) => s.name)).toEqual(['Good']);
    });
  });
});
