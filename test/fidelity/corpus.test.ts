// The value-fidelity rule, position by position: every scalar form YAML would change is a located
// error whose hint is the quoted form; every form that survives is kept as written. The expected
// line and column are found in the test's own text (where the form was placed), and the quoted
// form is built here from the form's text, not by segsync.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/model.js';
import { checkText } from '../definitions/helpers.js';

/** Where a form can be placed; `@` marks the spot. */
const POSITIONS = {
  name: 'name: @\nrefreshType: static\ncontactIds: ["1"]\n',
  attribute:
    'name: Fidelity\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - attribute: @\n        operator: "=="\n        value: India\n',
  operator:
    'name: Fidelity\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - attribute: country\n        operator: @\n        value: India\n',
  value:
    'name: Fidelity\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - attribute: country\n        operator: "=="\n        value: @\n',
  // Second condition of a second group, in flow style: the path is more than the first item.
  'value in flow':
    'name: Fidelity\nrefreshType: dynamic\ngroups:\n  - conditions: [{attribute: a, operator: "==", value: x}]\n  - conditions: [{attribute: a, operator: "==", value: x}, {attribute: b, operator: "==", value: @}]\n',
  contactId: 'name: Fidelity\nrefreshType: static\ncontactIds:\n  - "1"\n  - @\n',
  'contactId in flow': 'name: Fidelity\nrefreshType: static\ncontactIds: ["1", @]\n',
  // The second condition's value is an alias of the first's: the alias is checked as well.
  'value through an alias':
    'name: Fidelity\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - {attribute: a, operator: "==", value: &v @}\n      - {attribute: b, operator: "==", value: *v}\n',
} as const;
type Position = keyof typeof POSITIONS;
const TEXT_POSITIONS: Position[] = [
  'name',
  'attribute',
  'operator',
  'contactId',
  'contactId in flow',
];
const VALUE_POSITIONS: Position[] = ['value', 'value in flow'];

/** YAML 1.2 core-schema forms (and yaml's own tags) whose JSON form differs from the text. */
const CHANGED_FORMS = [
  '01067', // leading zero (a German postcode)
  '007',
  '-01',
  '+4915112345678901234', // leading + and beyond 2^53
  '+1',
  '12345678901234567890', // beyond 2^53
  '9007199254740993',
  '9007199254740992', // 2^53 itself: exact in JSON but not a safe integer on the other end
  '-9007199254740992',
  '1.50', // trailing zero
  '1.0',
  '0.10',
  '.5',
  '5.',
  '-0',
  '0x1F', // hex
  '0x0',
  '0o17', // octal
  '1e3', // exponents
  '1E3',
  '2.5e-3',
  '1e+2',
  '.inf', // no JSON form at all
  '-.inf',
  '+.inf',
  '.Inf',
  '.INF',
  '.nan',
  '.NaN',
  '.NAN',
  '~', // null
  'null',
  'Null',
  'NULL',
  'True', // booleans in another spelling
  'TRUE',
  'False',
  'FALSE',
  '!!timestamp 2001-12-14', // explicit tags
  '!!timestamp 2001-12-14t21:59:43.10-05:00',
  '!!binary aGVsbG8=',
  '!!int "01067"',
  '!!int 0x10',
  '!!null ""',
];

/** Forms YAML 1.1 (`%YAML 1.1`) resolves, which YAML 1.2 would keep as text. */
const CHANGED_FORMS_YAML_1_1 = [
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  '2001-12-14',
  '0b101',
  '1_000',
  '1:30',
  '0777',
];

/** Forms sent exactly as written, with the JSON a value written that way must become. */
const EXACT_VALUE_FORMS: [string, unknown][] = [
  ['42', 42],
  ['-7', -7],
  ['0', 0],
  ['3.5', 3.5],
  ['-0.25', -0.25],
  ['0.1', 0.1],
  ['9007199254740991', 9007199254740991],
  ['-9007199254740991', -9007199254740991],
  ['true', true],
  ['false', false],
  // Text, however number-like, once quoted or where YAML 1.2 keeps it as text:
  ['"01067"', '01067'],
  ["'1.50'", '1.50'],
  ['"0x1F"', '0x1F'],
  ['"+4915112345678901234"', '+4915112345678901234'],
  ['"~"', '~'],
  ['"null"', 'null'],
  ['"True"', 'True'],
  ['"12345678901234567890"', '12345678901234567890'],
  ['0b1', '0b1'],
  ['yes', 'yes'],
  ['2001-12-14', '2001-12-14'],
  ['1_000', '1_000'],
  ['!!str 0x10', '0x10'],
  ['India', 'India'],
];

function place(position: Position, form: string, yaml11 = false): string {
  const text = POSITIONS[position].replace('@', form);
  return yaml11 ? `%YAML 1.1\n---\n${text}` : text;
}

/** 1-based line and column of the form's value (after any tag), found by the test itself. */
function whereFormIs(
  position: Position,
  yaml11 = false,
  form = '',
): { line: number; column: number } {
  const tag = /^!!\w+ /.exec(form)?.[0] ?? '';
  const text = place(position, `${tag}\u0000`, yaml11);
  const offset = text.indexOf('\u0000');
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The source text of a form without its tag: what the user typed as the value. */
function untagged(form: string): string {
  const text = form.replace(/^!!\w+ /, '');
  return /^"(.*)"$/.test(text) ? text.slice(1, -1) : text;
}

function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

function expectOneLocatedError(position: Position, form: string, yaml11 = false): Diagnostic {
  const { segments, diagnostics } = checkText(place(position, form, yaml11));
  const errors = errorsOf(diagnostics);
  expect(errors, `${position}: ${form}`).toHaveLength(1);
  const error = errors[0] as Diagnostic;
  expect({ file: error.file, line: error.line, column: error.column }).toEqual({
    file: 'segment.yaml',
    ...whereFormIs(position, yaml11, form),
  });
  expect(segments).toEqual([]);
  return error;
}

describe('a scalar YAML would change', () => {
  for (const position of [...TEXT_POSITIONS, ...VALUE_POSITIONS]) {
    it(`is a located error with the quoted form as the fix: ${position}`, () => {
      for (const form of CHANGED_FORMS) {
        const error = expectOneLocatedError(position, form);
        expect(error.code).toBe(
          position.startsWith('contactId') ? 'contact-id-not-quoted' : 'value-not-as-written',
        );
        expect(error.message).toContain(`written as ${untagged(form)}`);
        expect(error.hint).toContain(JSON.stringify(untagged(form)));
      }
    });
  }

  it('is an error in a YAML 1.1 document too, where more plain forms are resolved', () => {
    for (const position of [...TEXT_POSITIONS, ...VALUE_POSITIONS]) {
      for (const form of CHANGED_FORMS_YAML_1_1) {
        const error = expectOneLocatedError(position, form, true);
        expect(error.hint).toContain(JSON.stringify(form));
      }
    }
  });

  it('is an error where an alias repeats it, as well as where it is written', () => {
    for (const form of CHANGED_FORMS) {
      const { diagnostics } = checkText(place('value through an alias', form));
      expect(errorsOf(diagnostics).map((d) => d.message.split(' is written')[0])).toEqual([
        '`value` of condition 1 in group 1',
        '`value` of condition 2 in group 1',
      ]);
    }
  });

  it('names what it would have become', () => {
    const said = (form: string) => expectOneLocatedError('value', form).message;
    expect(said('01067')).toBe(
      '`value` of condition 1 in group 1 is written as 01067; YAML reads that as the number 1067, so it would not be sent as written.',
    );
    expect(expectOneLocatedError('value', '01067').hint).toBe(
      'Put it in quotes to send the text exactly as written: "01067" (or write 1067 if that number is meant).',
    );
    expect(said('12345678901234567890')).toContain(
      'the number 12345678901234567000, beyond 2^53 where whole numbers stop being exact',
    );
    expect(expectOneLocatedError('value', '12345678901234567890').hint).toBe(
      'Put it in quotes to send the text exactly as written: "12345678901234567890".',
    );
    expect(said('.nan')).toContain('not-a-number, which JSON cannot carry');
    expect(said('~')).toContain('null (no value)');
    expect(said('!!timestamp 2001-12-14')).toContain('a timestamp (2001-12-14T00:00:00.000Z)');
    expect(said('!!binary aGVsbG8=')).toContain('binary data');
  });

  it('where text is expected, includes numbers and booleans that JSON would keep', () => {
    for (const position of TEXT_POSITIONS) {
      for (const form of ['42', '3.5', 'true', 'false', '-7']) {
        const error = expectOneLocatedError(position, form);
        expect(error.hint).toContain(JSON.stringify(form));
      }
    }
  });

  it('in refreshType and useUploadedContact says which spellings are accepted', () => {
    const base = 'name: Fidelity\ncontactIds: ["1"]\n';
    for (const form of ['0x1', '01', '+1', '1.0', '1.', '1e0', 'True', '~', '.inf']) {
      const { diagnostics } = checkText(`${base}refreshType: ${form}\n`);
      expect(errorsOf(diagnostics), form).toEqual([
        expect.objectContaining({
          code: 'value-not-as-written',
          line: 3,
          column: 14,
          hint: 'Write `static`, `dynamic`, 1 or 2.',
        }),
      ]);
    }
    for (const form of ['True', 'FALSE', '1', '0', '~', '.nan']) {
      const { diagnostics } = checkText(
        `${base}refreshType: static\nuseUploadedContact: ${form}\n`,
      );
      expect(errorsOf(diagnostics), form).toEqual([
        expect.objectContaining({
          code: 'value-not-as-written',
          line: 4,
          column: 21,
          hint: 'Write true or false, in lower case and without quotes.',
        }),
      ]);
    }
  });

  it('leaves an empty value to the "has no value" message', () => {
    const { diagnostics } = checkText(place('value', ''));
    expect(errorsOf(diagnostics).map((d) => d.code)).toEqual(['missing-value']);
  });
});

describe('a scalar sent as written', () => {
  it('keeps its exact value in a condition', () => {
    for (const position of [...VALUE_POSITIONS, 'value through an alias'] as const) {
      for (const [form, expected] of EXACT_VALUE_FORMS) {
        const { segments, diagnostics } = checkText(place(position, form));
        expect(errorsOf(diagnostics), form).toEqual([]);
        const groups = segments[0]?.payload.groups ?? [];
        expect(groups.at(-1)?.conditions.at(-1)?.value, form).toStrictEqual(expected);
      }
    }
  });

  it('is accepted where the payload takes true/false or 1/2', () => {
    const { segments, diagnostics } = checkText(
      'name: Fidelity\nrefreshType: 1\ncontactIds: ["1"]\nuseUploadedContact: true\n',
    );
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(segments[0]?.payload).toStrictEqual({
      name: 'Fidelity',
      refreshType: 1,
      contactIds: ['1'],
      useUploadedContact: true,
    });
  });
});

describe('the rule, for any number or text written as a plain scalar', () => {
  /** A plain scalar: text YAML would not read as a key, comment, flow or indicator. */
  const plainForms = fc.oneof(
    fc.double().map((n) => String(n)),
    fc.double().map((n) => n.toExponential()),
    fc.integer().map((n) => String(n)),
    fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map((n) => n.toString()),
    fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^[0-9]{1,20}$/),
        fc.constantFrom('', '.', '.0', '.50', 'e3', 'E-2'),
      )
      .map((parts) => parts.join('')),
    fc
      .tuple(
        fc.constantFrom('0x', '0o', '0b', '.', '-.', '+.'),
        fc.stringMatching(/^[0-9a-fA-FinfINFa]{1,6}$/),
      )
      .map((parts) => parts.join('')),
    fc.constantFrom('~', 'null', 'NULL', 'true', 'True', 'false', 'FALSE', 'yes', 'on'),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,15}[A-Za-z0-9]$/),
  );

  it('either stops with a located error, or sends a value whose JSON is the text itself', () => {
    const where = whereFormIs('value');
    fc.assert(
      fc.property(plainForms, (form) => {
        const { segments, diagnostics } = checkText(place('value', form));
        const errors = errorsOf(diagnostics);
        if (errors.length > 0) {
          expect(errors).toHaveLength(1);
          expect(errors[0]).toMatchObject({ line: where.line, column: where.column });
          expect(errors[0]?.hint).toContain(JSON.stringify(form));
          return;
        }
        const value = segments[0]?.payload.groups?.[0]?.conditions[0]?.value;
        // Text is sent as the text; a number or boolean as exactly the characters written.
        const sent = typeof value === 'string' ? value : JSON.stringify(value);
        expect(sent).toBe(form);
        if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
